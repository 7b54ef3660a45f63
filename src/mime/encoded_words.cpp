// RFC 2047 encoded-words in header text: a lenient, linear decoder for what mail
// clients really send, and a strict encoder for what secmaild writes. Neither
// parses addresses or structured fields; header_params.cpp does parameters and
// calls the decoder for filenames.
#include "secmaild/mime/encoded_words.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "secmaild/mime/charset.hpp"
#include "secmaild/util/strings.hpp"

namespace secmaild::mime {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
// RFC 2047 §2: an encoded-word is at most 75 characters, so a longer charset is not one.
constexpr std::size_t kMaxCharsetLength = 75;
constexpr std::size_t kMaxEncodedWordLength = 75;
constexpr std::string_view kWordPrefix = "=?UTF-8?B?";
constexpr std::string_view kWordSuffix = "?=";
constexpr std::string_view kFold = "\r\n ";

bool isWsp(char c) {
    return c == ' ' || c == '\t';
}
bool isLineBreak(char c) {
    return c == '\r' || c == '\n';
}

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Padding is optional and ignored, so unpadded and concatenated-padded text both
// decode; whitespace can only come from a fold and is skipped.
std::optional<std::string> decodeB(std::string_view text) {
    std::string out;
    out.reserve(text.size() / 4 * 3 + 3);
    std::uint32_t bits = 0;
    int count = 0;
    for (char c : text) {
        if (c == '=' || isWsp(c) || isLineBreak(c)) continue;
        int v = base64Digit(c);
        if (v < 0) return std::nullopt;
        bits = (bits << 6) | static_cast<std::uint32_t>(v);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out.push_back(static_cast<char>((bits >> count) & 0xff));
        }
    }
    return out;
}

// Bad escapes are kept as written, which is what mail clients show.
std::string decodeQ(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (isLineBreak(c)) {
            // A sender folded inside the word: the fold is not content.
            while (i + 1 < text.size() && (isLineBreak(text[i + 1]) || isWsp(text[i + 1]))) ++i;
        } else if (c == '_') {
            out.push_back(' ');
        } else if (c == '=' && i + 2 < text.size() && hexValue(text[i + 1]) >= 0 && hexValue(text[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2])));
            i += 2;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

struct EncodedWord {
    std::string_view charset;  // language suffix removed
    std::string bytes;         // decoded, still in `charset`
    std::size_t end = 0;       // index just past "?="
};

// Parses the encoded-word starting at raw[start] ("=?"). Scanning stops at the
// third '?' after `start`, so the candidates that cover any one byte are few and
// the whole decode stays linear.
std::optional<EncodedWord> parseWord(std::string_view raw, std::size_t start) {
    std::size_t pos = start + 2;
    std::size_t q1 = pos;
    while (q1 < raw.size() && raw[q1] != '?') {
        auto c = static_cast<unsigned char>(raw[q1]);
        if (c <= 0x20 || c >= 0x7f || q1 - pos >= kMaxCharsetLength) return std::nullopt;
        ++q1;
    }
    if (q1 == pos || q1 + 2 >= raw.size() || raw[q1 + 2] != '?') return std::nullopt;
    char encoding = raw[q1 + 1];
    std::size_t textStart = q1 + 3;
    std::size_t q3 = raw.find('?', textStart);
    if (q3 == std::string_view::npos || q3 + 1 >= raw.size() || raw[q3 + 1] != '=') return std::nullopt;

    EncodedWord w;
    w.charset = raw.substr(pos, q1 - pos);
    w.charset = w.charset.substr(0, w.charset.find('*'));  // RFC 2231 §5 language
    if (w.charset.empty()) return std::nullopt;
    std::string_view text = raw.substr(textStart, q3 - textStart);
    if (encoding == 'B' || encoding == 'b') {
        auto bytes = decodeB(text);
        if (!bytes) return std::nullopt;
        w.bytes = std::move(*bytes);
    } else if (encoding == 'Q' || encoding == 'q') {
        w.bytes = decodeQ(text);
    } else {
        return std::nullopt;
    }
    w.end = q3 + 2;
    return w;
}

bool onlyFoldingWhitespace(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return isWsp(c) || isLineBreak(c); });
}

// Controls other than TAB cannot be part of one line of header text: they come
// from a hostile or broken sender and would break logs and replies.
std::string scrubControls(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u == 0x7f) {
            out += kReplacement;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

class HeaderDecoder {
public:
    explicit HeaderDecoder(bool rawIsUtf8) : rawIsUtf8_(rawIsUtf8) {}

    void raw(std::string_view segment) {
        flush();
        std::string unfolded;
        unfolded.reserve(segment.size());
        for (char c : segment)
            if (!isLineBreak(c)) unfolded.push_back(c);
        out_ += rawIsUtf8_ ? unfolded : windows1252ToUtf8(unfolded);
    }

    // Adjacent words in one charset are converted together: senders split
    // multi-byte characters (and ISO-2022 shift states) across words.
    void word(EncodedWord&& w) {
        if (pending_ && iequals(charset_, w.charset)) {
            bytes_ += w.bytes;
            return;
        }
        flush();
        pending_ = true;
        charset_ = w.charset;
        bytes_ = std::move(w.bytes);
    }

    bool pending() const { return pending_; }

    std::string finish() {
        flush();
        return scrubControls(trim(out_));
    }

private:
    void flush() {
        if (!pending_) return;
        out_ += toUtf8(bytes_, charset_).text;
        bytes_.clear();
        pending_ = false;
    }

    bool rawIsUtf8_;
    bool pending_ = false;
    std::string_view charset_;
    std::string bytes_;
    std::string out_;
};

bool isPrintableAscii(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

std::size_t room(std::size_t lineUsed) {
    return lineUsed >= kMaxHeaderLine ? 0 : kMaxHeaderLine - lineUsed;
}

// Folds at the single spaces headerSafe() left; nullopt when a word cannot fit on
// a continuation line and so needs encoding to be split.
std::optional<std::string> foldAscii(std::string_view text, std::size_t firstLineUsed) {
    std::string out;
    out.reserve(text.size() + text.size() / 20);
    std::size_t lineUsed = firstLineUsed;
    bool first = true;
    for (std::string_view word : split(text, ' ')) {
        if (word.size() > kMaxHeaderLine - 1) return std::nullopt;
        std::size_t need = word.size() + (first ? 0 : 1);
        if (need <= room(lineUsed)) {
            if (!first) out.push_back(' ');
            lineUsed += need;
        } else {
            out += kFold;
            lineUsed = 1 + word.size();
        }
        out += word;
        first = false;
    }
    return out;
}

// Bytes of UTF-8 that fit in one B-encoded word of at most `width` characters.
std::size_t payloadFor(std::size_t width) {
    width = std::min(width, kMaxEncodedWordLength);
    std::size_t overhead = kWordPrefix.size() + kWordSuffix.size();
    if (width <= overhead) return 0;
    return (width - overhead) / 4 * 3;
}

std::size_t utf8Length(unsigned char lead) {
    if (lead >= 0xf0) return 4;
    if (lead >= 0xe0) return 3;
    if (lead >= 0xc0) return 2;
    return 1;
}

void appendBase64(std::string& out, std::string_view bytes) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::size_t i = 0;
    auto at = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k])); };
    for (; i + 3 <= bytes.size(); i += 3) {
        std::uint32_t v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
        for (int shift = 18; shift >= 0; shift -= 6) out.push_back(kAlphabet[(v >> shift) & 0x3f]);
    }
    std::size_t rest = bytes.size() - i;
    if (rest == 0) return;
    std::uint32_t v = at(i) << 16;
    if (rest == 2) v |= at(i + 1) << 8;
    out.push_back(kAlphabet[(v >> 18) & 0x3f]);
    out.push_back(kAlphabet[(v >> 12) & 0x3f]);
    out.push_back(rest == 2 ? kAlphabet[(v >> 6) & 0x3f] : '=');
    out.push_back('=');
}

// `text` is valid UTF-8 (headerSafe output), so lead bytes give character lengths.
// One word per line: RFC 2047 limits a word to 75 characters, which leaves no room
// for a second on a 78-character line.
std::string encodeWords(std::string_view text, std::size_t firstLineUsed) {
    std::string out;
    std::size_t lineUsed = firstLineUsed;
    bool lineHasWord = false;
    std::size_t i = 0;
    while (i < text.size()) {
        if (lineHasWord) {
            out += kFold;
            lineUsed = 1;
            lineHasWord = false;
        }
        std::size_t budget = payloadFor(room(lineUsed));
        std::size_t take = 0;
        while (i + take < text.size()) {
            std::size_t len = utf8Length(static_cast<unsigned char>(text[i + take]));
            if (take + len > budget) break;
            take += len;
        }
        if (take == 0) {
            // Only the first line can be too full for one character (a continuation
            // line holds 45 bytes); the check keeps a broken invariant from looping.
            if (lineUsed == 1) break;
            out += kFold;
            lineUsed = 1;
            continue;
        }
        std::size_t before = out.size();
        out += kWordPrefix;
        appendBase64(out, text.substr(i, take));
        out += kWordSuffix;
        lineUsed += out.size() - before;
        lineHasWord = true;
        i += take;
    }
    return out;
}

}  // namespace

std::string decodeHeaderText(std::string_view raw, std::size_t maxEncodedWords) {
    HeaderDecoder decoder(isValidUtf8(raw));
    std::size_t textStart = 0;
    std::size_t searchFrom = 0;
    std::size_t words = 0;
    while (words < maxEncodedWords) {
        std::size_t at = raw.find("=?", searchFrom);
        if (at == std::string_view::npos) break;
        auto w = parseWord(raw, at);
        if (!w) {
            searchFrom = at + 1;
            continue;
        }
        std::string_view between = raw.substr(textStart, at - textStart);
        // RFC 2047 §6.2: whitespace between adjacent encoded-words is not displayed.
        if (!(decoder.pending() && onlyFoldingWhitespace(between))) decoder.raw(between);
        textStart = searchFrom = w->end;
        decoder.word(std::move(*w));
        ++words;
    }
    decoder.raw(raw.substr(textStart));
    return decoder.finish();
}

std::string encodeHeaderText(std::string_view utf8, std::size_t firstLineUsed) {
    std::string text = headerSafe(utf8);
    if (text.empty()) return text;
    if (isPrintableAscii(text) && text.find("=?") == std::string::npos) {
        if (auto folded = foldAscii(text, firstLineUsed)) return std::move(*folded);
    }
    return encodeWords(text, firstLineUsed);
}

}  // namespace secmaild::mime
