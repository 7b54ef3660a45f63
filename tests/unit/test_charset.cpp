// toUtf8: declared charsets, aliases, the fallback guess, and invalid input.
#include <doctest/doctest.h>
#include <iconv.h>

#include <chrono>
#include <string>

#include "secmaild/mime/charset.hpp"
#include "secmaild/util/strings.hpp"

using secmaild::isValidUtf8;
using secmaild::mime::toUtf8;
using secmaild::mime::windows1252ToUtf8;

namespace {

const std::string kFffd = "\xEF\xBF\xBD";

// glibc's own reading of one windows-1252 byte, or empty if it rejects it.
std::string glibcCp1252(unsigned char byte) {
    iconv_t cd = iconv_open("UTF-8", "CP1252");
    REQUIRE(cd != reinterpret_cast<iconv_t>(-1));
    char in[1] = {static_cast<char>(byte)};
    char out[8];
    char* ip = in;
    char* op = out;
    std::size_t il = 1, ol = sizeof out;
    std::size_t rc = iconv(cd, &ip, &il, &op, &ol);
    iconv_close(cd);
    if (rc == static_cast<std::size_t>(-1)) return {};
    return std::string(out, static_cast<std::size_t>(op - out));
}

}  // namespace

TEST_CASE("valid UTF-8 declared as utf-8 passes through unchanged") {
    auto r = toUtf8("M\xC3\xBCller \xF0\x9F\x94\x92", "utf-8");
    CHECK(r.text == "M\xC3\xBCller \xF0\x9F\x94\x92");
    CHECK_FALSE(r.lossy);
    CHECK_FALSE(r.unknownCharset);
}

TEST_CASE("charset labels are case-insensitive, trimmed, and may carry quotes") {
    CHECK(toUtf8("\xE9", "  ISO-8859-1 ").text == "\xC3\xA9");
    CHECK(toUtf8("\xE9", "Latin1").text == "\xC3\xA9");
    CHECK(toUtf8("\xE9", "\"latin1\"").text == "\xC3\xA9");
    CHECK(toUtf8("\xC3\xA9", "UTF8").text == "\xC3\xA9");
    CHECK_FALSE(toUtf8("\xE9", "LATIN1").unknownCharset);
}

TEST_CASE("invalid bytes in utf-8 text become U+FFFD and mark the result lossy") {
    auto r = toUtf8("x\xFFy\xC3", "utf-8");
    CHECK(r.text == "x" + kFffd + "y" + kFffd);
    CHECK(r.lossy);
    CHECK(isValidUtf8(r.text));
}

TEST_CASE("latin-1 text is converted") {
    auto r = toUtf8("caf\xE9 cr\xE8me", "iso-8859-1");
    CHECK(r.text == "caf\xC3\xA9 cr\xC3\xA8me");
    CHECK_FALSE(r.lossy);
}

TEST_CASE("iso-8859-1 is read as windows-1252, so 0x80 is the euro sign") {
    CHECK(toUtf8("\x80", "iso-8859-1").text == "\xE2\x82\xAC");
    CHECK(toUtf8("\x93quoted\x94", "latin1").text == "\xE2\x80\x9Cquoted\xE2\x80\x9D");
}

TEST_CASE("windows-1252 0x80-0x9f agree with glibc, and its five holes become U+FFFD") {
    for (unsigned b = 0x80; b <= 0xff; ++b) {
        CAPTURE(b);
        std::string in(1, static_cast<char>(b));
        bool lossy = false;
        std::string ours = windows1252ToUtf8(in, &lossy);
        std::string theirs = glibcCp1252(static_cast<unsigned char>(b));
        if (theirs.empty()) {
            CHECK(ours == kFffd);
            CHECK(lossy);
        } else {
            CHECK(ours == theirs);
            CHECK_FALSE(lossy);
        }
        CHECK(toUtf8(in, "windows-1252").text == ours);
    }
}

TEST_CASE("shift_jis is read as CP932, including NEC extensions like circled digits") {
    CHECK(toUtf8("\x93\xFA\x96\x7B\x8C\xEA", "Shift_JIS").text == "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E");  // 日本語
    CHECK(toUtf8("\x87\x40", "shift_jis").text == "\xE2\x91\xA0");                                          // ①
}

TEST_CASE("iso-2022-jp escape sequences are decoded") {
    auto r = toUtf8("\x1B$BF|K\\8l\x1B(B", "ISO-2022-JP");
    CHECK(r.text == "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E");
    CHECK_FALSE(r.lossy);
}

TEST_CASE("koi8-r is decoded by iconv") {
    CHECK(toUtf8("\xF0\xD2\xC9\xD7\xC5\xD4", "koi8-r").text == "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");
}

TEST_CASE("gb2312 is read as GB18030, so GBK-only characters survive") {
    auto r = toUtf8("\x86\xB4", "gb2312");  // 喆, not in GB2312
    CHECK(r.text == "\xE5\x96\x86");
    CHECK_FALSE(r.lossy);
}

TEST_CASE("ks_c_5601-1987 as Outlook labels Korean is decoded") {
    CHECK(toUtf8("\xC7\xD1\xB1\xB9\xBE\xEE", "ks_c_5601-1987").text == "\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4");
}

TEST_CASE("charsets without an alias go to iconv") {
    auto r = toUtf8("\xB1", "ISO-8859-2");
    CHECK(r.text == "\xC4\x85");  // ą
    CHECK_FALSE(r.unknownCharset);
}

TEST_CASE("invalid and truncated multi-byte sequences become U+FFFD and the rest is kept") {
    auto r = toUtf8("x\xFFy\x93", "shift_jis");  // 0xFF is never valid; 0x93 is a lead byte cut off
    CHECK(r.text == "x" + kFffd + "y" + kFffd);
    CHECK(r.lossy);
    auto odd = toUtf8(std::string("\0a\0", 3), "UTF-16BE");
    CHECK(odd.text == "a" + kFffd);
    CHECK(odd.lossy);
}

TEST_CASE("an unknown charset falls back to UTF-8 if valid, else windows-1252") {
    auto utf8 = toUtf8("caf\xC3\xA9", "x-klingon");
    CHECK(utf8.text == "caf\xC3\xA9");
    CHECK(utf8.unknownCharset);
    auto latin = toUtf8("caf\xE9 \x80", "x-klingon");
    CHECK(latin.text == "caf\xC3\xA9 \xE2\x82\xAC");
    CHECK(latin.unknownCharset);
    CHECK(toUtf8("abc", "unknown-8bit").unknownCharset);
}

TEST_CASE("an empty label guesses without calling the charset unknown") {
    auto r = toUtf8("caf\xE9", "");
    CHECK(r.text == "caf\xC3\xA9");
    CHECK_FALSE(r.unknownCharset);
}

TEST_CASE("us-ascii text with 8-bit bytes is guessed, not mangled") {
    CHECK(toUtf8("caf\xC3\xA9", "us-ascii").text == "caf\xC3\xA9");
    CHECK(toUtf8("caf\xE9", "US-ASCII").text == "caf\xC3\xA9");
    CHECK(toUtf8("plain", "ascii").text == "plain");
}

TEST_CASE("labels carrying iconv suffixes or odd characters are not passed to iconv") {
    // "//IGNORE" would change glibc's error handling; ',' and '/' are never in charset names.
    auto r = toUtf8("\xB1", "ISO-8859-2//IGNORE");
    CHECK(r.unknownCharset);
    CHECK(r.text == "\xC2\xB1");  // windows-1252 guess, not ISO-8859-2's ą
    CHECK(toUtf8("x", std::string(200, 'a')).unknownCharset);
    CHECK(toUtf8("x", "utf-8\n").text == "x");  // whitespace is trimmed, not an odd character
}

TEST_CASE("every single byte in every kind of charset gives valid UTF-8") {
    for (const char* cs : {"utf-8", "us-ascii", "latin1", "shift_jis", "iso-2022-jp", "utf-16", "utf-7", "koi8-r",
                           "big5", "euc-kr", "x-bogus", ""}) {
        for (int b = 0; b < 256; ++b) {
            std::string in = "a" + std::string(1, static_cast<char>(b)) + "b";
            auto r = toUtf8(in, cs);
            CAPTURE(cs);
            CAPTURE(b);
            CHECK(isValidUtf8(r.text));
        }
    }
}

TEST_CASE("a megabyte of invalid multi-byte input converts in linear time") {
    std::string junk;
    for (int i = 0; i < (1 << 20); ++i) junk.push_back(static_cast<char>(i % 7 == 0 ? 0xFF : 0x93));
    auto start = std::chrono::steady_clock::now();
    auto r = toUtf8(junk, "shift_jis");
    auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(r.lossy);
    CHECK(isValidUtf8(r.text));
    CHECK(elapsed < std::chrono::seconds(5));  // quadratic would take hours
}
