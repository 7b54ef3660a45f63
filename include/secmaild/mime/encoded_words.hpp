// RFC 2047 encoded-words: decoding header text that mail carries (Subject,
// display names, filenames in quoted parameters) and encoding the few headers
// secmaild writes itself. Address parsing and structured headers live elsewhere.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace secmaild::mime {

// The 1000-word default is far above any real header yet keeps the number of
// iconv conversions per header small.
inline constexpr std::size_t kDefaultMaxEncodedWords = 1000;
// RFC 5322 §2.1.1: lines SHOULD NOT exceed 78 characters.
inline constexpr std::size_t kMaxHeaderLine = 78;

// Decodes the body of an unstructured header field, or a phrase (display name)
// whose quotes the caller has already removed, to UTF-8:
// - B and Q encoded-words (either case), charset via toUtf8, RFC 2231 language
//   suffix ("=?utf-8*en?Q?...?=") ignored;
// - whitespace between adjacent encoded-words dropped; adjacent words in the same
//   charset are joined before conversion, so a character split across two words
//   (a common sender bug) survives;
// - folds (CRLF/LF followed by whitespace) unfolded, also inside an encoded-word
//   that a sender split across lines; any other CR or LF is removed;
// - words with an unknown charset are decoded with the fallback guess (valid
//   UTF-8, else windows-1252) rather than left encoded: their ASCII part (ticket
//   ids, "Re:") must stay matchable;
// - malformed words (bad base64, '?' inside, no closing "?=") are left as written;
//   words glued to text ("Re:=?utf-8?q?x?=") are decoded anyway, as mail clients do;
// - raw 8-bit bytes outside encoded-words: UTF-8 if the whole field is valid
//   UTF-8 (RFC 6532), else windows-1252;
// - other C0 controls (not TAB) and DEL become U+FFFD, and leading/trailing
//   whitespace is trimmed, so the result is one line of valid UTF-8.
// After `maxEncodedWords` words the rest is kept as written (still unfolded and
// valid UTF-8). Linear time; never throws except std::bad_alloc.
std::string decodeHeaderText(std::string_view raw, std::size_t maxEncodedWords = kDefaultMaxEncodedWords);

// Encodes text for a header secmaild writes (Subject, From display name), to be
// placed after `firstLineUsed` characters already on the line (e.g. 9 for
// "Subject: "). The text is first made header-safe: invalid UTF-8 becomes U+FFFD,
// CR, LF and other controls become spaces, runs of whitespace collapse to one and
// the ends are trimmed (secmaild::headerSafe), so no input can start a new header
// line. Printable ASCII without "=?" is folded at spaces and otherwise unchanged;
// anything else (or an ASCII word too long to fit on a line) becomes B-encoded
// UTF-8 encoded-words of at most 75 characters, never splitting a UTF-8
// character, one per line, joined by CRLF SP. No line exceeds 78 characters,
// counting `firstLineUsed` on the first; when even one character cannot fit
// there, the result starts with the fold. decodeHeaderText() gives back
// headerSafe(utf8). Never throws except std::bad_alloc.
std::string encodeHeaderText(std::string_view utf8, std::size_t firstLineUsed);

}  // namespace secmaild::mime
