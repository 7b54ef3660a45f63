// Small ASCII string helpers shared by the parsers. Mail headers and protocol
// keywords are ASCII and case-insensitive; none of these functions interpret
// UTF-8 beyond passing its bytes through.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace secmaild {

std::string toLower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool istartsWith(std::string_view s, std::string_view prefix);
bool icontains(std::string_view haystack, std::string_view needle);
std::string_view trim(std::string_view s);
std::string trimmed(std::string_view s);
std::vector<std::string_view> split(std::string_view s, char sep);
// Splits on LF, dropping a CR before it; a final line without LF is kept.
std::vector<std::string_view> splitLines(std::string_view s);
// Removes CR, LF and every other control character (C0, DEL, and C1 as UTF-8),
// collapsing runs of whitespace: the rule for anything copied into a header.
std::string headerSafe(std::string_view s);
// Replaces bytes that are not valid UTF-8 with U+FFFD.
std::string sanitizeUtf8(std::string_view s);
bool isValidUtf8(std::string_view s);
// At most `max` bytes, cut on a UTF-8 character boundary.
std::string_view utf8Prefix(std::string_view s, std::size_t max);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
// Every bare LF becomes CRLF; CRLF stays as it is (mail on the wire, and what
// RFC 3156 signatures are computed over).
std::string toCrlf(std::string_view text);
// The value of a base64 digit (RFC 4648 alphabet), or -1.
int base64Digit(char c);

}  // namespace secmaild
