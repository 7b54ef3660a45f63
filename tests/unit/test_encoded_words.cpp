// RFC 2047 decoding of header text and encoding of the headers secmaild writes.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "secmaild/mime/encoded_words.hpp"
#include "secmaild/util/strings.hpp"

using secmaild::headerSafe;
using secmaild::isValidUtf8;
using secmaild::mime::decodeHeaderText;
using secmaild::mime::encodeHeaderText;

namespace {

const std::string kFffd = "\xEF\xBF\xBD";

std::vector<std::string> linesOf(const std::string& s) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    for (;;) {
        auto pos = s.find("\r\n", start);
        lines.push_back(s.substr(start, pos == std::string::npos ? std::string::npos : pos - start));
        if (pos == std::string::npos) return lines;
        start = pos + 2;
    }
}

// Checks what the encoder promises about the shape of its output.
void checkEncodedShape(const std::string& encoded, std::size_t firstLineUsed) {
    auto lines = linesOf(encoded);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        CAPTURE(lines[i]);
        std::size_t used = (i == 0 ? firstLineUsed : 0) + lines[i].size();
        if (i == 0 && lines[i].empty()) used = 0;  // a leading fold puts nothing on the first line
        CHECK(used <= 78);
        CHECK(lines[i].find('\r') == std::string::npos);
        CHECK(lines[i].find('\n') == std::string::npos);
        if (i > 0) {
            REQUIRE_FALSE(lines[i].empty());
            CHECK(lines[i][0] == ' ');  // every line break is a fold, never a new header
        }
    }
    // Every encoded-word is at most 75 characters and holds whole UTF-8 characters.
    for (std::size_t at = encoded.find("=?"); at != std::string::npos;) {
        auto end = encoded.find("?=", at + 10);
        REQUIRE(end != std::string::npos);
        std::string word = encoded.substr(at, end + 2 - at);
        CHECK(word.size() <= 75);
        std::string alone = decodeHeaderText(word);
        CHECK(alone.find(kFffd) == std::string::npos);
        at = encoded.find("=?", end + 2);  // base64 padding is followed by "?=", which contains "=?"
    }
}

void checkRoundTrip(const std::string& text) {
    for (std::size_t used : {0, 9, 30, 60, 66, 70, 77, 78, 200}) {
        CAPTURE(text);
        CAPTURE(used);
        std::string encoded = encodeHeaderText(text, used);
        checkEncodedShape(encoded, used);
        CHECK(decodeHeaderText(encoded) == headerSafe(text));
    }
}

std::string repeat(const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
}

}  // namespace

TEST_CASE("the RFC 2047 section 8 examples decode as the RFC says") {
    CHECK(decodeHeaderText("(=?ISO-8859-1?Q?a?=)") == "(a)");
    CHECK(decodeHeaderText("(=?ISO-8859-1?Q?a?= b)") == "(a b)");
    CHECK(decodeHeaderText("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)") == "(ab)");
    CHECK(decodeHeaderText("(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)") == "(ab)");
    CHECK(decodeHeaderText("(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)") == "(ab)");
    CHECK(decodeHeaderText("(=?ISO-8859-1?Q?a_b?=)") == "(a b)");
    CHECK(decodeHeaderText("(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)") == "(a b)");
}

TEST_CASE("the RFC 2047 section 8 header examples decode") {
    CHECK(decodeHeaderText("=?US-ASCII?Q?Keith_Moore?=") == "Keith Moore");
    CHECK(decodeHeaderText("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?=") == "Keld J\xC3\xB8rn Simonsen");
    CHECK(decodeHeaderText("=?ISO-8859-1?Q?Andr=E9?= Pirard") == "Andr\xC3\xA9 Pirard");
    CHECK(decodeHeaderText("=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n"
                           "    =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=") ==
          "If you can read this you understand the example.");
    CHECK(decodeHeaderText("=?ISO-8859-8?b?7eXs+SDv4SDp7Oj08A==?=") ==
          "\xD7\x9D\xD7\x95\xD7\x9C\xD7\xA9 \xD7\x9F\xD7\x91 \xD7\x99\xD7\x9C\xD7\x98\xD7\xA4\xD7\xA0");
}

TEST_CASE("Q encoding turns underscores into spaces and accepts lower-case hex") {
    CHECK(decodeHeaderText("=?utf-8?Q?caf=c3=a9_au_lait?=") == "caf\xC3\xA9 au lait");
    CHECK(decodeHeaderText("=?utf-8?Q?a=5Fb?=") == "a_b");  // an encoded underscore stays one
}

TEST_CASE("lower-case q and b encodings are accepted") {
    CHECK(decodeHeaderText("=?utf-8?q?ok?=") == "ok");
    CHECK(decodeHeaderText("=?utf-8?b?b2s=?=") == "ok");
}

TEST_CASE("B encoding decodes with and without padding") {
    CHECK(decodeHeaderText("=?UTF-8?B?w6Q=?=") == "\xC3\xA4");
    CHECK(decodeHeaderText("=?UTF-8?B?w6Q?=") == "\xC3\xA4");
    CHECK(decodeHeaderText("=?UTF-8?B?YWI=?=") == "ab");
    CHECK(decodeHeaderText("=?UTF-8?B?YWI?=") == "ab");
}

TEST_CASE("an encoded-word split across a folded line is joined") {
    CHECK(decodeHeaderText("=?UTF-8?B?w6TDtsO8\r\n w6TDtsO8?=") == "\xC3\xA4\xC3\xB6\xC3\xBC\xC3\xA4\xC3\xB6\xC3\xBC");
    CHECK(decodeHeaderText("=?utf-8?Q?caf\r\n\t=C3=A9_noir?=") == "caf\xC3\xA9 noir");
}

TEST_CASE("a character split across two adjacent encoded-words is put back together") {
    CHECK(decodeHeaderText("=?UTF-8?Q?=C3?= =?UTF-8?Q?=A4?=") == "\xC3\xA4");
    CHECK(decodeHeaderText("=?UTF-8?B?ww==?= =?utf-8?B?pA==?=") == "\xC3\xA4");
}

TEST_CASE("adjacent words in different charsets are converted separately") {
    CHECK(decodeHeaderText("=?ISO-8859-1?Q?=E9?= =?UTF-8?Q?=C3=A9?=") == "\xC3\xA9\xC3\xA9");
}

TEST_CASE("whitespace between an encoded-word and plain text is kept") {
    CHECK(decodeHeaderText("Re: =?utf-8?q?caf=C3=A9?= again") == "Re: caf\xC3\xA9 again");
    CHECK(decodeHeaderText("=?utf-8?q?a?= b =?utf-8?q?c?=") == "a b c");
}

TEST_CASE("an encoded-word glued to text is decoded anyway") {
    CHECK(decodeHeaderText("Re:=?utf-8?q?caf=C3=A9?=") == "Re:caf\xC3\xA9");
    CHECK(decodeHeaderText("=?utf-8?q?a?==?utf-8?q?b?=") == "ab");
}

TEST_CASE("the RFC 2231 language suffix in an encoded-word is ignored") {
    CHECK(decodeHeaderText("=?US-ASCII*EN?Q?Keith_Moore?=") == "Keith Moore");
}

TEST_CASE("an unknown charset is decoded by the fallback guess, keeping ASCII matchable") {
    CHECK(decodeHeaderText("=?x-martian?Q?Re:_[SEC-12]_caf=E9?=") == "Re: [SEC-12] caf\xC3\xA9");
    CHECK(decodeHeaderText("=?unknown-8bit?B?w6k=?=") == "\xC3\xA9");
}

TEST_CASE("malformed encoded-words are left as written") {
    CHECK(decodeHeaderText("=?utf-8?B?not*base64?=") == "=?utf-8?B?not*base64?=");
    CHECK(decodeHeaderText("=?utf-8?X?abc?=") == "=?utf-8?X?abc?=");
    CHECK(decodeHeaderText("=?utf-8?q?no end") == "=?utf-8?q?no end");
    CHECK(decodeHeaderText("=??q?abc?=") == "=??q?abc?=");
    CHECK(decodeHeaderText("=?utf 8?q?abc?=") == "=?utf 8?q?abc?=");
    CHECK(decodeHeaderText("what =? is this ?=") == "what =? is this ?=");
    // A broken word does not swallow the good one after it.
    CHECK(decodeHeaderText("=?utf-8?q?broken =?utf-8?q?ok?=") == "=?utf-8?q?broken ok");
}

TEST_CASE("a bad Q escape is kept literally") {
    CHECK(decodeHeaderText("=?utf-8?q?100=_sure=?=") == "100= sure=");
}

TEST_CASE("raw 8-bit headers are read as UTF-8 when valid, else windows-1252") {
    CHECK(decodeHeaderText("M\xC3\xBCller") == "M\xC3\xBCller");
    CHECK(decodeHeaderText("M\xFCller \x80") == "M\xC3\xBCller \xE2\x82\xAC");
    CHECK(decodeHeaderText("caf\xE9 =?utf-8?q?=C3=A9?=") == "caf\xC3\xA9 \xC3\xA9");
}

TEST_CASE("folds are unfolded and the result is trimmed") {
    CHECK(decodeHeaderText("  Hello\r\n world \r\n") == "Hello world");
    CHECK(decodeHeaderText("Hello\n\tworld") == "Hello\tworld");
}

TEST_CASE("encoded CR, LF and other controls never reach the decoded text") {
    std::string out = decodeHeaderText("=?utf-8?q?hi=0D=0ABcc:_x=00?=");
    CHECK(out == "hi" + kFffd + kFffd + "Bcc: x" + kFffd);
    CHECK(decodeHeaderText("x\x01y") == "x" + kFffd + "y");
}

TEST_CASE("only maxEncodedWords words are decoded, the rest is kept as written") {
    CHECK(decodeHeaderText("=?utf-8?q?a?= =?utf-8?q?b?= =?utf-8?q?c?=", 2) == "ab =?utf-8?q?c?=");
    CHECK(decodeHeaderText("=?utf-8?q?a?=", 0) == "=?utf-8?q?a?=");
}

TEST_CASE("a megabyte of hostile header text decodes in linear time") {
    std::vector<std::string> inputs = {
        repeat("=?", 1 << 19),                            // candidates that never close
        repeat("=?a?q?", 1 << 17) + "?=",                 // every candidate scans to the next '?'
        repeat("=?utf-8?q?a?= ", 1 << 16),                // many words, over the limit
        "=?utf-8?q?" + std::string(1 << 20, 'x') + "?=",  // one huge word
        "=?utf-8?b?" + std::string(1 << 20, '\xFF'),      // unterminated, 8-bit
        repeat("\xE9=?x?q?", 1 << 17),                    // latin-1 text around broken words
    };
    for (const auto& in : inputs) {
        auto start = std::chrono::steady_clock::now();
        std::string out = decodeHeaderText(in);
        auto elapsed = std::chrono::steady_clock::now() - start;
        CHECK(isValidUtf8(out));
        CHECK(elapsed < std::chrono::seconds(5));  // quadratic would take hours
    }
    // The word limit applies: 1000 decoded "a"s, then the rest as written.
    std::string many = decodeHeaderText(repeat("=?utf-8?q?a?= ", 1 << 16));
    CHECK(many.substr(0, 1001) == std::string(1000, 'a') + " ");
    CHECK(many.substr(1001, 13) == "=?utf-8?q?a?=");
}

TEST_CASE("short printable ASCII is not encoded") {
    CHECK(encodeHeaderText("Your report SEC-2024-17 was received", 9) == "Your report SEC-2024-17 was received");
    CHECK(encodeHeaderText("", 9).empty());
}

TEST_CASE("long ASCII is folded at spaces and round-trips") {
    std::string text = repeat("The quick brown fox jumps over the lazy dog. ", 8);
    std::string encoded = encodeHeaderText(text, 9);
    CHECK(encoded.find("=?") == std::string::npos);
    CHECK(encoded.find("\r\n ") != std::string::npos);
    checkRoundTrip(text);
}

TEST_CASE("an ASCII word too long for any line is encoded so it can be split") {
    std::string word(200, 'x');
    CHECK(encodeHeaderText(word, 9).find("=?UTF-8?B?") != std::string::npos);
    checkRoundTrip(word);
    checkRoundTrip("short " + word + " short");
}

TEST_CASE("ASCII that contains =? is encoded so no reader decodes it") {
    std::string text = "literal =?utf-8?q?x?= text";
    CHECK(encodeHeaderText(text, 9).rfind("=?UTF-8?B?", 0) == 0);
    checkRoundTrip(text);
}

TEST_CASE("latin, CJK and emoji text round-trips with lines of at most 78") {
    checkRoundTrip("Gr\xC3\xBC\xC3\x9F Gott aus K\xC3\xB6ln");
    checkRoundTrip(repeat("Gr\xC3\xBC\xC3\x9F Gott aus K\xC3\xB6ln, ", 12));
    checkRoundTrip(
        repeat("\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x81\xAE\xE3\x83\x86\xE3\x82\xAD\xE3\x82\xB9\xE3\x83\x88", 15));
    checkRoundTrip(repeat("\xF0\x9F\x94\x92\xF0\x9F\x90\x9B", 40));
    checkRoundTrip("a\xF0\x9F\x94\x92" + repeat("b\xE6\x97\xA5", 30));
}

TEST_CASE("non-ASCII words are B-encoded UTF-8") {
    CHECK(encodeHeaderText("caf\xC3\xA9", 9) == "=?UTF-8?B?Y2Fmw6k=?=");
}

TEST_CASE("CR and LF in the input can never start a new header line") {
    for (const std::string& attack :
         {std::string("Hello\r\nBcc: victim@example.org"), std::string("Hello\nBcc: x"), std::string("Hello\rBcc: x"),
          std::string("caf\xC3\xA9\r\nBcc: x"), std::string("x\r\n\r\nbody")}) {
        CAPTURE(attack);
        std::string encoded = encodeHeaderText(attack, 9);
        checkEncodedShape(encoded, 9);
        std::string decoded = decodeHeaderText(encoded);
        CHECK(decoded.find('\r') == std::string::npos);
        CHECK(decoded.find('\n') == std::string::npos);
        CHECK(decoded == headerSafe(attack));
    }
    CHECK(encodeHeaderText("Hello\r\nBcc: x", 9) == "Hello Bcc: x");
}

TEST_CASE("invalid UTF-8 is sanitised before encoding") {
    std::string encoded = encodeHeaderText("caf\xE9", 9);
    CHECK(decodeHeaderText(encoded) == "caf" + kFffd);
}

TEST_CASE("a first line with no room starts with a fold") {
    std::string encoded = encodeHeaderText("caf\xC3\xA9", 75);
    CHECK(encoded.rfind("\r\n =?UTF-8?B?", 0) == 0);
    CHECK(encodeHeaderText("word", 76) == "\r\n word");
}
