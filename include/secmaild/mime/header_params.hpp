// Structured MIME header values (Content-Type, Content-Disposition): the lower-cased
// value and its parameters, with RFC 2231 continuations and charsets and the RFC 2047
// filenames mail clients send decoded. Unstructured text is encoded_words.hpp.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace secmaild::mime {

struct HeaderValue {
    std::string value;  // lower-cased: "multipart/mixed", "text/plain", "attachment"; empty if missing
    // In order of first appearance; names lower-cased, without RFC 2231 '*' suffixes;
    // values valid UTF-8, except `boundary` (see parseHeaderValue).
    std::vector<std::pair<std::string, std::string>> params;
    bool malformed = false;  // something was skipped or guessed
};

struct HeaderValueLimits {
    std::size_t maxParams = 100;         // distinct parameter names kept; later new names are dropped
    std::size_t maxContinuations = 100;  // RFC 2231 sections kept per parameter (name*0 .. name*99)
};

// Parses `type/subtype; name=value; name="quoted \"value\""; (comments)` per RFC 2045
// and RFC 2231, leniently, on a field body that may still contain folds:
// - comments are skipped, the value is lower-cased, parameter names too;
// - RFC 2231: name*=charset'lang'%XX and continuations name*0, name*1*, ... joined
//   in numeric order (up to the first missing section) and converted with toUtf8;
//   the RFC 2231 form wins over a plain name= given alongside it (the usual
//   fallback senders add, so not malformed);
// - name and filename: RFC 2047 encoded-words and raw 8-bit bytes decoded as in
//   decodeHeaderText (what Outlook and Thunderbird send for filenames);
// - boundary: byte-exact as the sender wrote it (quotes and backslash escapes
//   removed, nothing else), because the structure scanner splits on it;
// - every other value: converted to UTF-8 only if it has 8-bit bytes (valid UTF-8
//   kept, else windows-1252), controls other than TAB replaced by U+FFFD; charset
//   values keep their case;
// - a backslash in a quoted string escapes only '"' and '\'; elsewhere it is kept,
//   as in the unescaped Windows paths old clients put in filenames;
// - duplicates (first wins), a name without '=', text after a value without ';',
//   an unterminated quoted string or comment (read to the end), a missing value
//   and anything over the limits set malformed=true.
// Linear time in raw.size(); never throws except std::bad_alloc.
HeaderValue parseHeaderValue(std::string_view raw, const HeaderValueLimits& limits = {});

// The value of the first parameter named `name` (ASCII case-insensitive), if any.
std::optional<std::string> param(const HeaderValue& v, std::string_view name);

}  // namespace secmaild::mime
