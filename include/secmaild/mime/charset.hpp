// Charset conversion to UTF-8 for text that mail declares in some other charset
// (MIME charset parameters, RFC 2047 encoded-words, RFC 2231 parameter values).
// Everything secmaild keeps or shows is UTF-8; this is the one place that
// turns declared or guessed charsets into it.
#pragma once

#include <string>
#include <string_view>

namespace secmaild::mime {

struct Converted {
    std::string text;             // always valid UTF-8
    bool lossy = false;           // some input became U+FFFD
    bool unknownCharset = false;  // a non-empty label named no charset we can convert (incl. "unknown-8bit")
};

// Converts `bytes` declared in `charset` to UTF-8. Labels are case-insensitive and
// surrounding whitespace is ignored; common aliases are understood (utf8, latin1,
// cp1252, ascii, shift_jis, gb2312, ks_c_5601-1987, ...), others go to glibc iconv.
// Like browsers (WHATWG Encoding), iso-8859-1 labels are read as windows-1252, which
// differs only in 0x80-0x9f where latin-1 has controls nobody sends on purpose.
// Empty, unknown or unusable labels, and us-ascii text with 8-bit bytes: valid UTF-8
// passes through, anything else is read as windows-1252. Invalid sequences become
// U+FFFD (lossy=true). No descriptor cache, so it is safe from any thread.
// Never throws except std::bad_alloc; time linear in bytes.
Converted toUtf8(std::string_view bytes, std::string_view charset);

// windows-1252 to UTF-8 without iconv; the five bytes windows-1252 leaves
// undefined become U+FFFD. Exposed because raw 8-bit headers fall back to it.
// Sets *lossy (if given) when a byte was replaced. Never throws except bad_alloc.
std::string windows1252ToUtf8(std::string_view bytes, bool* lossy = nullptr);

}  // namespace secmaild::mime
