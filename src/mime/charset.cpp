// Charset conversion to UTF-8: an alias table for the labels mail really carries,
// our own code for UTF-8, ASCII and windows-1252 (the common cases and the fallback
// guess), glibc iconv for everything else. Detection goes no further than "valid
// UTF-8, else windows-1252"; nothing here converts from UTF-8 to another charset.
#include "secmaild/mime/charset.hpp"

#include <iconv.h>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <type_traits>

#include "secmaild/util/strings.hpp"

namespace secmaild::mime {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
// Longer names are not charsets; the bound also keeps hostile labels out of iconv_open.
constexpr std::size_t kMaxLabelLength = 40;

enum class Kind { Guess, Ascii, Utf8, Windows1252, Iconv };

struct Alias {
    std::string_view label;
    Kind kind;
    std::string_view iconvName;  // only for Kind::Iconv
};

// Labels whose glibc meaning is missing or narrower than what senders mean by them.
// The CJK entries follow the WHATWG Encoding Standard: senders label text with the
// old standard name but write the Microsoft superset.
constexpr Alias kAliases[] = {
    {"unknown-8bit", Kind::Guess, ""},
    {"x-unknown", Kind::Guess, ""},
    {"unknown", Kind::Guess, ""},
    {"x-user-defined", Kind::Guess, ""},
    {"8bit", Kind::Guess, ""},
    {"us-ascii", Kind::Ascii, ""},
    {"ascii", Kind::Ascii, ""},
    {"us", Kind::Ascii, ""},
    {"ansi_x3.4-1968", Kind::Ascii, ""},
    {"ansi_x3.4-1986", Kind::Ascii, ""},
    {"iso646-us", Kind::Ascii, ""},
    {"iso-ir-6", Kind::Ascii, ""},
    {"csascii", Kind::Ascii, ""},
    {"cp367", Kind::Ascii, ""},
    {"utf-8", Kind::Utf8, ""},
    {"utf8", Kind::Utf8, ""},
    {"x-utf8", Kind::Utf8, ""},
    {"x-utf-8", Kind::Utf8, ""},
    {"unicode-1-1-utf-8", Kind::Utf8, ""},
    {"windows-1252", Kind::Windows1252, ""},
    {"cp1252", Kind::Windows1252, ""},
    {"cp-1252", Kind::Windows1252, ""},
    {"x-cp1252", Kind::Windows1252, ""},
    {"win-1252", Kind::Windows1252, ""},
    {"latin1", Kind::Windows1252, ""},
    {"latin-1", Kind::Windows1252, ""},
    {"l1", Kind::Windows1252, ""},
    {"iso-8859-1", Kind::Windows1252, ""},
    {"iso8859-1", Kind::Windows1252, ""},
    {"iso_8859-1", Kind::Windows1252, ""},
    {"iso88591", Kind::Windows1252, ""},
    {"iso_8859-1:1987", Kind::Windows1252, ""},
    {"iso-ir-100", Kind::Windows1252, ""},
    {"ibm819", Kind::Windows1252, ""},
    {"cp819", Kind::Windows1252, ""},
    {"csisolatin1", Kind::Windows1252, ""},
    {"shift_jis", Kind::Iconv, "CP932"},
    {"shift-jis", Kind::Iconv, "CP932"},
    {"sjis", Kind::Iconv, "CP932"},
    {"x-sjis", Kind::Iconv, "CP932"},
    {"ms_kanji", Kind::Iconv, "CP932"},
    {"csshiftjis", Kind::Iconv, "CP932"},
    {"windows-31j", Kind::Iconv, "CP932"},
    {"cp932", Kind::Iconv, "CP932"},
    {"iso-2022-jp", Kind::Iconv, "ISO-2022-JP-2"},
    {"csiso2022jp", Kind::Iconv, "ISO-2022-JP-2"},
    {"gb2312", Kind::Iconv, "GB18030"},
    {"csgb2312", Kind::Iconv, "GB18030"},
    {"gb_2312-80", Kind::Iconv, "GB18030"},
    {"euc-cn", Kind::Iconv, "GB18030"},
    {"x-euc-cn", Kind::Iconv, "GB18030"},
    {"gbk", Kind::Iconv, "GB18030"},
    {"x-gbk", Kind::Iconv, "GB18030"},
    {"cp936", Kind::Iconv, "GB18030"},
    {"ks_c_5601-1987", Kind::Iconv, "CP949"},
    {"ks_c_5601-1989", Kind::Iconv, "CP949"},
    {"ksc5601", Kind::Iconv, "CP949"},
    {"ksc_5601", Kind::Iconv, "CP949"},
    {"csksc56011987", Kind::Iconv, "CP949"},
    {"euc-kr", Kind::Iconv, "CP949"},
    {"x-euc-kr", Kind::Iconv, "CP949"},
    {"windows-949", Kind::Iconv, "CP949"},
    {"big5", Kind::Iconv, "BIG5-HKSCS"},
    {"big-5", Kind::Iconv, "BIG5-HKSCS"},
    {"cn-big5", Kind::Iconv, "BIG5-HKSCS"},
    {"x-x-big5", Kind::Iconv, "BIG5-HKSCS"},
    {"csbig5", Kind::Iconv, "BIG5-HKSCS"},
    {"iso-8859-8-i", Kind::Iconv, "ISO-8859-8"},
    {"x-mac-roman", Kind::Iconv, "MACINTOSH"},
    {"x-mac", Kind::Iconv, "MACINTOSH"},
    {"unicode-1-1-utf-7", Kind::Iconv, "UTF-7"},
};

struct Resolved {
    Kind kind = Kind::Guess;
    std::string iconvName;
    bool unknown = false;
};

// Only names glibc could mean: '/' and ',' would select iconv error-handling suffixes.
bool plausibleCharsetName(std::string_view name) {
    if (name.empty() || name.size() > kMaxLabelLength) return false;
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                  c == '.' || c == ':' || c == '+';
        if (!ok) return false;
    }
    return true;
}

Resolved resolve(std::string_view label) {
    label = trim(label);
    if (label.size() >= 2 && (label.front() == '"' || label.front() == '\'') && label.back() == label.front())
        label = trim(label.substr(1, label.size() - 2));
    if (label.empty()) return {};
    if (!plausibleCharsetName(label)) return {Kind::Guess, {}, true};
    std::string lower = toLower(label);
    for (const Alias& a : kAliases) {
        if (a.label == lower) return {a.kind, std::string(a.iconvName), a.kind == Kind::Guess};
    }
    return {Kind::Iconv, lower, false};
}

void appendUtf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
        out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
}

// windows-1252 0x80..0x9f; 0 marks the five bytes it leaves undefined.
constexpr std::uint16_t kWindows1252High[32] = {
    0x20ac, 0,      0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017d, 0,      0,      0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
    0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0,      0x017e, 0x0178,
};

struct IconvCloser {
    void operator()(std::remove_pointer_t<iconv_t>* cd) const { iconv_close(cd); }
};
using IconvHandle = std::unique_ptr<std::remove_pointer_t<iconv_t>, IconvCloser>;

IconvHandle openToUtf8(const std::string& from) {
    iconv_t cd = iconv_open("UTF-8", from.c_str());
    if (cd == reinterpret_cast<iconv_t>(-1)) return nullptr;
    return IconvHandle(cd);
}

// Each iconv call either consumes input, produces output, or ends the loop after
// skipping a byte, so the work is linear in the input.
void convertWithIconv(iconv_t cd, std::string_view bytes, Converted& result) {
    char* in = const_cast<char*>(bytes.data());  // iconv's signature; it does not write through it
    std::size_t inLeft = bytes.size();
    char buffer[4096];
    bool flushing = false;
    for (;;) {
        char* out = buffer;
        std::size_t outLeft = sizeof buffer;
        std::size_t before = inLeft;
        std::size_t rc =
            flushing ? iconv(cd, nullptr, nullptr, &out, &outLeft) : iconv(cd, &in, &inLeft, &out, &outLeft);
        int err = errno;
        result.text.append(buffer, static_cast<std::size_t>(out - buffer));
        bool produced = out != buffer;
        if (rc != static_cast<std::size_t>(-1)) {
            if (flushing) return;
            if (inLeft == 0 || (inLeft == before && !produced)) flushing = true;
            continue;
        }
        if (err == E2BIG && produced) continue;
        result.lossy = true;
        result.text += kReplacement;
        if (err == EILSEQ && !flushing && inLeft > 0) {
            ++in;
            --inLeft;
            continue;
        }
        // EINVAL (input ends inside a character), or anything unexpected: stop here.
        if (flushing) return;
        inLeft = 0;
        flushing = true;
    }
}

Converted guess(std::string_view bytes, bool unknown) {
    Converted r;
    r.unknownCharset = unknown;
    if (isValidUtf8(bytes)) {
        r.text.assign(bytes);
    } else {
        r.text = windows1252ToUtf8(bytes, &r.lossy);
    }
    return r;
}

bool isAscii(std::string_view bytes) {
    for (char c : bytes)
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    return true;
}

}  // namespace

std::string windows1252ToUtf8(std::string_view bytes, bool* lossy) {
    std::string out;
    out.reserve(bytes.size() + bytes.size() / 2);
    for (char ch : bytes) {
        auto c = static_cast<unsigned char>(ch);
        if (c < 0x80) {
            out.push_back(ch);
        } else if (c >= 0xa0) {
            appendUtf8(out, c);
        } else if (std::uint16_t cp = kWindows1252High[c - 0x80]; cp != 0) {
            appendUtf8(out, cp);
        } else {
            out += kReplacement;
            if (lossy) *lossy = true;
        }
    }
    return out;
}

Converted toUtf8(std::string_view bytes, std::string_view charset) {
    Resolved how = resolve(charset);
    switch (how.kind) {
        case Kind::Guess:
            return guess(bytes, how.unknown);
        case Kind::Ascii:
            if (isAscii(bytes)) return Converted{std::string(bytes)};
            return guess(bytes, false);
        case Kind::Utf8:
            if (isValidUtf8(bytes)) return Converted{std::string(bytes)};
            return Converted{sanitizeUtf8(bytes), true};
        case Kind::Windows1252: {
            Converted r;
            r.text = windows1252ToUtf8(bytes, &r.lossy);
            return r;
        }
        case Kind::Iconv:
            break;
    }
    IconvHandle cd = openToUtf8(how.iconvName);
    if (!cd) return guess(bytes, true);
    Converted r;
    r.text.reserve(bytes.size());
    convertWithIconv(cd.get(), bytes, r);
    // glibc should only ever write valid UTF-8; the contract does not depend on it.
    if (!isValidUtf8(r.text)) {
        r.text = sanitizeUtf8(r.text);
        r.lossy = true;
    }
    return r;
}

}  // namespace secmaild::mime
