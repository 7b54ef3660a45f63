// Content-Type / Content-Disposition parsing: RFC 2045 syntax, RFC 2231
// continuations and charsets, RFC 2047 filenames, and hostile input.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "secmaild/mime/header_params.hpp"
#include "secmaild/util/strings.hpp"

using secmaild::isValidUtf8;
using secmaild::mime::HeaderValue;
using secmaild::mime::param;
using secmaild::mime::parseHeaderValue;

namespace {
const std::string kFffd = "\xEF\xBF\xBD";
}  // namespace

TEST_CASE("a simple Content-Type gives its lower-cased type and parameters") {
    HeaderValue v = parseHeaderValue("Text/PLAIN; CharSet=UTF-8; format=flowed");
    CHECK(v.value == "text/plain");
    REQUIRE(v.params.size() == 2);
    CHECK(v.params[0].first == "charset");
    CHECK(v.params[0].second == "UTF-8");  // as written; callers lower-case
    CHECK(v.params[1] == std::pair<std::string, std::string>{"format", "flowed"});
    CHECK_FALSE(v.malformed);
}

TEST_CASE("param() finds a parameter by case-insensitive name") {
    HeaderValue v = parseHeaderValue("text/plain; charset=utf-8");
    CHECK(param(v, "CHARSET") == std::optional<std::string>("utf-8"));
    CHECK_FALSE(param(v, "name").has_value());
}

TEST_CASE("comments are skipped, as in RFC 2045's own examples") {
    HeaderValue v = parseHeaderValue("text/plain; charset=us-ascii (Plain text)");
    CHECK(param(v, "charset") == "us-ascii");
    CHECK_FALSE(v.malformed);
    HeaderValue w = parseHeaderValue("(lead) text (a (nested) comment) / html ; charset = \"utf-8\"");
    CHECK(w.value == "text/html");
    CHECK(param(w, "charset") == "utf-8");
    CHECK_FALSE(w.malformed);
}

TEST_CASE("a folded field body is unfolded") {
    HeaderValue v = parseHeaderValue("multipart/mixed;\r\n\tboundary=\"abc\"");
    CHECK(v.value == "multipart/mixed");
    CHECK(param(v, "boundary") == "abc");
}

TEST_CASE("RFC 2231 section 3: continuations are joined") {
    HeaderValue v = parseHeaderValue(
        "message/external-body; access-type=URL;\r\n"
        " URL*0=\"ftp://\";\r\n"
        " URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"");
    CHECK(v.value == "message/external-body");
    CHECK(param(v, "access-type") == "URL");
    CHECK(param(v, "url") == "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar");
    CHECK(v.params.size() == 2);
    CHECK_FALSE(v.malformed);
}

TEST_CASE("RFC 2231 section 4: charset, language and percent-encoding are decoded") {
    HeaderValue v =
        parseHeaderValue("application/x-stuff;\r\n title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A");
    CHECK(param(v, "title") == "This is ***fun***");
    CHECK_FALSE(v.malformed);
}

TEST_CASE("RFC 2231 section 4.1: mixed encoded and plain continuations") {
    const std::string body =
        "title*0*=us-ascii'en'This%20is%20even%20more%20;\r\n"
        " title*1*=%2A%2A%2Afun%2A%2A%2A%20;\r\n"
        " title*2=\"isn't it!\"";
    HeaderValue v = parseHeaderValue("application/x-stuff;\r\n " + body);
    CHECK(param(v, "title") == "This is even more ***fun*** isn't it!");
    CHECK_FALSE(v.malformed);
    // The RFC prints the example without the ';' separators; it is still understood.
    std::string literal = body;
    for (auto pos = literal.find(";\r\n"); pos != std::string::npos; pos = literal.find(";\r\n")) literal.erase(pos, 1);
    HeaderValue r = parseHeaderValue("application/x-stuff\r\n " + literal);
    CHECK(r.value == "application/x-stuff");
    CHECK(param(r, "title") == "This is even more ***fun*** isn't it!");
    CHECK(r.malformed);
}

TEST_CASE("continuations are joined in numeric order, not the order written") {
    HeaderValue v = parseHeaderValue("attachment; filename*2=c; filename*0=a; filename*10=k; filename*1=b");
    // 3..9 are missing, so joining stops after 2 and the gap is reported.
    CHECK(param(v, "filename") == "abc");
    CHECK(v.malformed);
    HeaderValue w = parseHeaderValue("attachment; filename*1=b; filename*0=a");
    CHECK(param(w, "filename") == "ab");
    CHECK_FALSE(w.malformed);
}

TEST_CASE("RFC 2231 values are converted from the charset they declare") {
    CHECK(param(parseHeaderValue("attachment; filename*=iso-8859-1''%E9t%E9.txt"), "filename") ==
          "\xC3\xA9t\xC3\xA9.txt");
    CHECK(param(parseHeaderValue("attachment; filename*=UTF-8''%E2%82%AC%20rates.pdf"), "filename") ==
          "\xE2\x82\xAC rates.pdf");
    CHECK(param(parseHeaderValue("attachment; filename*=''caf%C3%A9"), "filename") == "caf\xC3\xA9");
    // A charset where the fallback guess would read the byte differently (0xB1 is "±" in latin-1).
    CHECK(param(parseHeaderValue("attachment; filename*=iso-8859-2'pl'%B1.txt"), "filename") == "\xC4\x85.txt");
    CHECK(param(parseHeaderValue("attachment; filename*0*=koi8-r''%F0; filename*1*=%D2"), "filename") ==
          "\xD0\x9F\xD1\x80");
}

TEST_CASE("an RFC 2231 value without charset quotes is decoded by guess and flagged") {
    HeaderValue v = parseHeaderValue("attachment; filename*=caf%E9.txt");
    CHECK(param(v, "filename") == "caf\xC3\xA9.txt");
    CHECK(v.malformed);
}

TEST_CASE("the RFC 2231 form wins over the plain fallback senders add") {
    HeaderValue v = parseHeaderValue("attachment; filename=\"EUR rates.pdf\"; filename*=UTF-8''%E2%82%AC%20rates.pdf");
    CHECK(param(v, "filename") == "\xE2\x82\xAC rates.pdf");
    CHECK(v.params.size() == 1);
    CHECK_FALSE(v.malformed);
}

TEST_CASE("Thunderbird and Outlook style encoded-words in quoted filenames are decoded") {
    CHECK(param(parseHeaderValue("attachment; filename=\"=?UTF-8?B?w6TDtsO8LnBkZg==?=\""), "filename") ==
          "\xC3\xA4\xC3\xB6\xC3\xBC.pdf");
    CHECK(param(parseHeaderValue("application/pdf; name=\"=?utf-8?Q?Bericht_f=C3=BCr_Q3.pdf?=\""), "name") ==
          "Bericht f\xC3\xBCr Q3.pdf");
    // Split over two words and a fold, as Outlook does for long names.
    CHECK(param(parseHeaderValue("attachment; filename=\"=?UTF-8?B?w6TDtsO8?=\r\n =?UTF-8?B?LnBkZg==?=\""),
                "filename") == "\xC3\xA4\xC3\xB6\xC3\xBC.pdf");
}

TEST_CASE("raw 8-bit filenames are read as UTF-8 when valid, else windows-1252") {
    CHECK(param(parseHeaderValue("attachment; filename=\"caf\xC3\xA9.txt\""), "filename") == "caf\xC3\xA9.txt");
    CHECK(param(parseHeaderValue("attachment; filename=\"caf\xE9.txt\""), "filename") == "caf\xC3\xA9.txt");
}

TEST_CASE("a quoted boundary with special characters comes back byte-exact") {
    const std::string boundary = "=?utf-8?q?x?= '()+_,-./:=? end";
    HeaderValue v = parseHeaderValue("multipart/mixed; boundary=\"" + boundary + "\"; charset=x");
    CHECK(param(v, "boundary") == boundary);
    CHECK(param(v, "charset") == "x");
    CHECK_FALSE(v.malformed);
}

TEST_CASE("an unquoted boundary with '=' and 8-bit bytes is kept as written") {
    CHECK(param(parseHeaderValue("multipart/alternative; boundary=----=_NextPart_000_0001_01D2A1B2.3C4D5E60"),
                "boundary") == "----=_NextPart_000_0001_01D2A1B2.3C4D5E60");
    CHECK(param(parseHeaderValue("multipart/mixed; boundary=\"a\xE9z\""), "boundary") == "a\xE9z");
}

TEST_CASE("quoted-pairs are unescaped, other backslashes kept") {
    CHECK(param(parseHeaderValue("x/y; title=\"a \\\"quoted\\\" \\\\ value\""), "title") == "a \"quoted\" \\ value");
    CHECK(param(parseHeaderValue("attachment; filename=\"C:\\dir\\file.txt\""), "filename") == "C:\\dir\\file.txt");
}

TEST_CASE("a parameter without a value is skipped and flagged") {
    HeaderValue v = parseHeaderValue("attachment; filename; size=10");
    CHECK(v.value == "attachment");
    CHECK_FALSE(param(v, "filename").has_value());
    CHECK(param(v, "size") == "10");
    CHECK(v.malformed);
    HeaderValue w = parseHeaderValue("attachment; filename=; size=10");
    CHECK(param(w, "filename") == "");
    CHECK(param(w, "size") == "10");
    CHECK(w.malformed);
}

TEST_CASE("a missing type gives an empty value and is flagged") {
    HeaderValue v = parseHeaderValue("; charset=utf-8");
    CHECK(v.value.empty());
    CHECK(param(v, "charset") == "utf-8");
    CHECK(v.malformed);
    CHECK(parseHeaderValue("").value.empty());
    CHECK(parseHeaderValue("text/; a=b").malformed);
}

TEST_CASE("garbage after a parameter is skipped up to the next ';'") {
    HeaderValue v = parseHeaderValue("text/plain; charset=utf-8 \"junk; here\" ??? ; format=flowed");
    CHECK(param(v, "charset") == "utf-8");
    CHECK(param(v, "format") == "flowed");
    CHECK(v.params.size() == 2);
    CHECK(v.malformed);
}

TEST_CASE("a forgotten ';' between parameters is recovered") {
    HeaderValue v = parseHeaderValue("text/plain; charset=utf-8 format=flowed");
    CHECK(param(v, "charset") == "utf-8");
    CHECK(param(v, "format") == "flowed");
    CHECK(v.malformed);
}

TEST_CASE("an unterminated quoted string runs to the end of the field") {
    HeaderValue v = parseHeaderValue("attachment; filename=\"abc; size=3");
    CHECK(param(v, "filename") == "abc; size=3");
    CHECK_FALSE(param(v, "size").has_value());
    CHECK(v.malformed);
}

TEST_CASE("an unterminated comment runs to the end of the field") {
    HeaderValue v = parseHeaderValue("text/plain; charset=utf-8 (comment; format=flowed");
    CHECK(param(v, "charset") == "utf-8");
    CHECK_FALSE(param(v, "format").has_value());
    CHECK(v.malformed);
}

TEST_CASE("a duplicate parameter keeps the first value and is flagged") {
    HeaderValue v = parseHeaderValue("multipart/mixed; boundary=first; boundary=second");
    CHECK(param(v, "boundary") == "first");
    CHECK(v.params.size() == 1);
    CHECK(v.malformed);
    HeaderValue w = parseHeaderValue("attachment; filename*0=a; filename*0=b; filename*1=c");
    CHECK(param(w, "filename") == "ac");
    CHECK(w.malformed);
}

TEST_CASE("bad section numbers are ignored and flagged") {
    HeaderValue v = parseHeaderValue("attachment; filename*0=a; filename*01=b; filename*x=c; filename*=''d");
    // *01 (leading zero) and *x are not sections; name* and name*0 together: name* wins.
    CHECK(param(v, "filename") == "d");
    CHECK(v.malformed);
}

TEST_CASE("control characters in decoded values become U+FFFD") {
    HeaderValue v = parseHeaderValue("attachment; filename*=utf-8''a%0D%0AContent-Type:%20x; x-note=\"x\x01y\"");
    CHECK(param(v, "filename") == "a" + kFffd + kFffd + "Content-Type: x");
    CHECK(param(v, "x-note") == "x" + kFffd + "y");
}

TEST_CASE("other values with 8-bit bytes are converted to UTF-8") {
    HeaderValue v = parseHeaderValue("text/plain; x-title=\"caf\xE9\"");
    CHECK(param(v, "x-title") == "caf\xC3\xA9");
}

TEST_CASE("10,000 parameters are bounded by maxParams") {
    std::string raw = "text/plain";
    for (int i = 0; i < 10000; ++i) raw += "; p" + std::to_string(i) + "=v" + std::to_string(i);
    auto start = std::chrono::steady_clock::now();
    HeaderValue v = parseHeaderValue(raw);
    auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(v.params.size() == 100);
    CHECK(v.params.back() == std::pair<std::string, std::string>{"p99", "v99"});
    CHECK(v.malformed);
    CHECK(elapsed < std::chrono::seconds(5));
    CHECK(parseHeaderValue(raw, {.maxParams = 5}).params.size() == 5);
}

TEST_CASE("continuations are bounded by maxContinuations") {
    std::string raw = "attachment";
    for (int i = 0; i < 500; ++i) raw += "; filename*" + std::to_string(i) + "=x";
    HeaderValue v = parseHeaderValue(raw);
    CHECK(param(v, "filename") == std::string(100, 'x'));
    CHECK(v.malformed);
    CHECK(param(parseHeaderValue(raw, {.maxParams = 100, .maxContinuations = 3}), "filename") == "xxx");
}

TEST_CASE("a megabyte of hostile parameter text parses in linear time") {
    std::vector<std::string> inputs = {
        std::string(1 << 20, '('),
        std::string(1 << 20, '"'),
        std::string(1 << 20, ';'),
        "a/b" + std::string(1 << 20, '\\'),
        [] {
            std::string s = "a/b";
            for (int i = 0; i < (1 << 16); ++i) s += "; filename*" + std::to_string(i % 200) + "*=%E9";
            return s;
        }(),
    };
    for (const auto& in : inputs) {
        auto start = std::chrono::steady_clock::now();
        HeaderValue v = parseHeaderValue(in);
        auto elapsed = std::chrono::steady_clock::now() - start;
        CHECK(elapsed < std::chrono::seconds(5));
        for (const auto& [name, value] : v.params) {
            CHECK(isValidUtf8(name + value));
        }
    }
}
