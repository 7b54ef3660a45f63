// Tests for the IMAP response reader and tokenizer (imap/response.hpp). Every
// reader input is fed whole, one byte at a time and in random-sized pieces,
// and must give the same responses each way: a server's TCP segments can
// split a response anywhere, literals included.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "secmaild/imap/response.hpp"

using namespace secmaild::imap;
using namespace std::string_literals;

namespace {

struct Outcome {
    std::vector<Response> responses;
    std::optional<std::string> error;  // the reader's error, if it stopped
};

bool sameResponse(const Response& a, const Response& b) {
    return a.kind == b.kind && a.tag == b.tag && a.status == b.status && a.text == b.text && a.literals == b.literals;
}

std::string describe(const Outcome& o) {
    std::string s = std::to_string(o.responses.size()) + " responses";
    if (o.error) s += ", error: " + *o.error;
    return s;
}

// Feeds `input` in the pieces given by `pieceSize` (called before each
// piece), taking out every complete response after each feed.
template <class PieceSize>
Outcome readInPieces(std::string_view input, ReaderLimits limits, PieceSize pieceSize) {
    ResponseReader reader(limits);
    Outcome out;
    std::size_t pos = 0;
    while (pos < input.size() && !out.error) {
        std::size_t n = std::min(pieceSize(), input.size() - pos);
        reader.feed(input.substr(pos, n));
        pos += n;
        for (;;) {
            auto next = reader.next();
            if (!next) {
                out.error = next.error().message;
                break;
            }
            if (!*next) break;
            out.responses.push_back(std::move(**next));
        }
    }
    if (!out.error) {
        // One more call with nothing new: a complete response must not be held back.
        auto next = reader.next();
        if (!next)
            out.error = next.error().message;
        else if (*next)
            out.responses.push_back(std::move(**next));
    }
    return out;
}

// Whole, byte by byte, and in random pieces (fixed seeds, 1..97 bytes);
// every way must agree with the whole-feed result, which is returned.
Outcome readEveryWay(std::string_view input, ReaderLimits limits = {}) {
    Outcome whole = readInPieces(input, limits, [&] { return input.size() + 1; });
    auto agree = [&](const Outcome& other, const std::string& how) {
        INFO("fed " << how << ": " << describe(other) << " / whole: " << describe(whole));
        CHECK(other.error.has_value() == whole.error.has_value());
        REQUIRE(other.responses.size() == whole.responses.size());
        for (std::size_t i = 0; i < whole.responses.size(); ++i) {
            INFO("response " << i);
            CHECK(sameResponse(other.responses[i], whole.responses[i]));
        }
    };
    agree(readInPieces(input, limits, [] { return std::size_t{1}; }), "one byte at a time");
    for (unsigned seed : {1u, 2u, 3u, 42u}) {
        std::mt19937 rng(seed);
        std::uniform_int_distribution<std::size_t> size(1, 97);
        agree(readInPieces(input, limits, [&] { return size(rng); }), "in random pieces, seed " + std::to_string(seed));
    }
    return whole;
}

std::vector<Token> tokens(std::string_view text, const std::vector<std::string>& literals = {}) {
    auto t = tokenize(text, literals);
    REQUIRE_MESSAGE(t.ok(), (t.ok() ? "" : t.error().message));
    return *t;
}

}  // namespace

TEST_SUITE("imap response reader") {
    TEST_CASE("tagged, untagged and continuation responses are told apart, with their status") {
        auto out = readEveryWay(
            "* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n"
            "* 172 EXISTS\r\n"
            "* PREAUTH logged in already\r\n"
            "+ go ahead\r\n"
            "+\r\n"
            "A1 OK [READ-WRITE] SELECT completed\r\n"
            "A2 no Mailbox doesn't exist\r\n"
            "A3 BAD Error in IMAP command\r\n"
            "* BYE Server shutting down\r\n"
            "A4 OK\r\n");
        REQUIRE(out.responses.size() == 10);
        CHECK_FALSE(out.error);
        const auto& r = out.responses;

        CHECK(r[0].kind == Response::Kind::Untagged);
        CHECK(r[0].status == "OK");
        CHECK(r[0].text == "[CAPABILITY IMAP4rev1] Dovecot ready.");
        CHECK(r[0].tag.empty());

        CHECK(r[1].kind == Response::Kind::Untagged);
        CHECK(r[1].status.empty());
        CHECK(r[1].text == "172 EXISTS");

        CHECK(r[2].kind == Response::Kind::Untagged);
        CHECK(r[2].status == "PREAUTH");
        CHECK(r[2].text == "logged in already");

        CHECK(r[3].kind == Response::Kind::Continuation);
        CHECK(r[3].text == "go ahead");
        CHECK(r[4].kind == Response::Kind::Continuation);
        CHECK(r[4].text.empty());

        CHECK(r[5].kind == Response::Kind::Tagged);
        CHECK(r[5].tag == "A1");
        CHECK(r[5].status == "OK");
        CHECK(r[5].text == "[READ-WRITE] SELECT completed");

        CHECK(r[6].tag == "A2");
        CHECK(r[6].status == "NO");  // status words are case-insensitive and reported upper-case
        CHECK(r[6].text == "Mailbox doesn't exist");

        CHECK(r[7].tag == "A3");
        CHECK(r[7].status == "BAD");

        CHECK(r[8].kind == Response::Kind::Untagged);
        CHECK(r[8].status == "BYE");
        CHECK(r[8].text == "Server shutting down");

        CHECK(r[9].tag == "A4");
        CHECK(r[9].status == "OK");
        CHECK(r[9].text.empty());
    }

    TEST_CASE("a bare LF ends a line like CRLF") {
        auto out = readEveryWay("* 3 EXISTS\nA1 OK done\n");
        REQUIRE(out.responses.size() == 2);
        CHECK(out.responses[0].text == "3 EXISTS");
        CHECK(out.responses[1].text == "done");
    }

    TEST_CASE("a response without its line end is not returned yet") {
        auto out = readEveryWay("* 3 EXISTS\r\nA1 OK don");
        REQUIRE(out.responses.size() == 1);
        CHECK_FALSE(out.error);
        auto completed = readEveryWay("* 3 EXISTS\r\nA1 OK done\r\n");
        REQUIRE(completed.responses.size() == 2);
        CHECK(completed.responses[1].text == "done");
    }

    TEST_CASE("a literal is taken by its count: protocol lines inside a message body do not end the command") {
        // Everything a naive line reader would trip over: the current tag's
        // completion, BYE, a literal announcement, a bare CR, NUL bytes, and no
        // final newline.
        const std::string body =
            "From: researcher@example.org\r\n"
            "Subject: test\r\n"
            "\r\n"
            "S3 OK done\r\n"
            "* BYE\r\n"
            "{5}\r\n"
            "bare\rCR\r\n"
            "nul\0\0bytes\r\n"
            "+ continue\r\n"
            "no final newline"s;
        const std::string input = "* 12 FETCH (UID 42 BODY[]<0> {" + std::to_string(body.size()) + "}\r\n" + body +
                                  " FLAGS (\\Recent))\r\n"
                                  "S3 OK FETCH completed\r\n";
        auto out = readEveryWay(input);
        CHECK_FALSE(out.error);
        REQUIRE(out.responses.size() == 2);
        const auto& fetch = out.responses[0];
        CHECK(fetch.kind == Response::Kind::Untagged);
        REQUIRE(fetch.literals.size() == 1);
        CHECK(fetch.literals[0].size() == body.size());
        CHECK(fetch.literals[0] == body);
        CHECK(fetch.text == "12 FETCH (UID 42 BODY[]<0> {#0} FLAGS (\\Recent))");
        CHECK(out.responses[1].kind == Response::Kind::Tagged);
        CHECK(out.responses[1].tag == "S3");
        CHECK(out.responses[1].text == "FETCH completed");
    }

    TEST_CASE("a literal that is not yet complete keeps the response pending") {
        // Even with what looks like a complete response inside the missing part.
        auto out = readEveryWay("* 1 FETCH (BODY[] {19}\r\n12345\r\nA1 OK\r\n");
        CHECK(out.responses.empty());
        CHECK_FALSE(out.error);
        auto completed = readEveryWay("* 1 FETCH (BODY[] {19}\r\n12345\r\nA1 OK\r\n67890)\r\n");
        REQUIRE(completed.responses.size() == 1);
        CHECK(completed.responses[0].literals.at(0) == "12345\r\nA1 OK\r\n67890");
    }

    TEST_CASE("a literal of size 0 is an empty string") {
        auto out = readEveryWay("* 1 FETCH (UID 5 BODY[] {0}\r\n)\r\nA1 OK\r\n");
        REQUIRE(out.responses.size() == 2);
        REQUIRE(out.responses[0].literals.size() == 1);
        CHECK(out.responses[0].literals[0].empty());
        CHECK(out.responses[0].text == "1 FETCH (UID 5 BODY[] {#0})");
    }

    TEST_CASE("two literals in one response are both kept, in order") {
        auto out = readEveryWay(
            "* 7 FETCH (BODY[HEADER] {6}\r\nH: 1\r\n BODY[TEXT] {4}\r\nbody)\r\n"
            "A9 OK\r\n");
        REQUIRE(out.responses.size() == 2);
        const auto& r = out.responses[0];
        REQUIRE(r.literals.size() == 2);
        CHECK(r.literals[0] == "H: 1\r\n");
        CHECK(r.literals[1] == "body");
        CHECK(r.text == "7 FETCH (BODY[HEADER] {#0} BODY[TEXT] {#1})");
    }

    TEST_CASE("the non-synchronising literal form {n+} is read like {n}") {
        auto out = readEveryWay("* LIST () \"/\" {8+}\r\nA B\r\nC D\r\nA1 OK\r\n");
        REQUIRE(out.responses.size() == 2);
        REQUIRE(out.responses[0].literals.size() == 1);
        CHECK(out.responses[0].literals[0] == "A B\r\nC D");
        CHECK(out.responses[0].text == "LIST () \"/\" {#0}");
    }

    TEST_CASE("braces that are not a literal announcement stay text") {
        auto out = readEveryWay("* OK [ALERT] see {x}\r\n* OK {}\r\n* OK {+}\r\n* OK \"{5}\"\r\n");
        REQUIRE(out.responses.size() == 4);
        for (const auto& r : out.responses) CHECK(r.literals.empty());
        CHECK(out.responses[0].text == "[ALERT] see {x}");
        CHECK(out.responses[3].text == "\"{5}\"");
    }

    TEST_CASE("a line longer than maxLineBytes is an error") {
        ReaderLimits limits;
        limits.maxLineBytes = 64;
        SUBCASE("with its line end") {
            auto out = readEveryWay("* OK short\r\n* " + std::string(100, 'x') + "\r\nA1 OK\r\n", limits);
            CHECK(out.error);
            CHECK(out.responses.size() == 1);  // the line before it was fine
        }
        SUBCASE("without a line end: the reader does not wait for more") {
            auto out = readEveryWay("* " + std::string(100, 'x'), limits);
            CHECK(out.error);
            CHECK(out.responses.empty());
        }
        SUBCASE("a line after a literal counts on its own") {
            auto out = readEveryWay("* 1 FETCH (BODY[] {3}\r\nabc " + std::string(100, 'x') + ")\r\n", limits);
            CHECK(out.error);
        }
    }

    TEST_CASE("a line of exactly maxLineBytes is accepted however it is fed") {
        // Regression (response.cpp, ResponseReader::next, no-newline branch, fixed): while the
        // LF has not arrived, the pending bytes including the CR are compared
        // with maxLineBytes, but a complete line is measured without its CR. A
        // line of exactly maxLineBytes whose CR arrives before its LF is
        // rejected when fed in pieces and accepted when fed whole.
        ReaderLimits limits;
        limits.maxLineBytes = 16;
        const std::string line = "* " + std::string(14, 'x');  // 16 bytes
        auto out = readEveryWay(line + "\r\nA1 OK\r\n", limits);
        CHECK_FALSE(out.error);
        CHECK(out.responses.size() == 2);
    }

    TEST_CASE("a literal announced above maxLiteralBytes is an error, not an allocation of that size") {
        ReaderLimits limits;
        limits.maxLiteralBytes = 1000;
        auto out = readEveryWay("* 1 FETCH (BODY[] {1001}\r\nabc)\r\n", limits);
        CHECK(out.error);
        CHECK(out.responses.empty());

        // The default limit: an announcement of 999 GB must fail at once (an
        // attempt to allocate it would throw or take the machine down).
        auto huge = readEveryWay("* 1 FETCH (BODY[] {999999999999}\r\nabc)\r\n");
        CHECK(huge.error);
    }

    TEST_CASE("a literal of exactly maxLiteralBytes is accepted") {
        ReaderLimits limits;
        limits.maxLiteralBytes = 10;
        auto out = readEveryWay("* 1 FETCH (BODY[] {10}\r\n0123456789)\r\n", limits);
        CHECK_FALSE(out.error);
        REQUIRE(out.responses.size() == 1);
        CHECK(out.responses[0].literals.at(0) == "0123456789");
    }

    TEST_CASE("a literal announcement too long to be a number is an error, not text") {
        // Regression (response.cpp, literalSize, fixed): more than 12 digits makes literalSize
        // return nullopt, so "{10000000000000}" is taken as ordinary text, the
        // response ends there, and the literal's bytes are then read as
        // responses: the reader desynchronises instead of refusing the stream.
        auto out = readEveryWay("* 1 FETCH (BODY[] {10000000000000}\r\nA1 OK injected\r\n");
        CHECK(out.error);
        CHECK(out.responses.empty());
    }

    TEST_CASE("more literals in one response than maxLiterals is an error") {
        ReaderLimits limits;
        limits.maxLiterals = 2;
        auto ok = readEveryWay("* X {1}\r\na {1}\r\nb\r\n", limits);
        CHECK_FALSE(ok.error);
        auto tooMany = readEveryWay("* X {1}\r\na {1}\r\nb {1}\r\nc\r\n", limits);
        CHECK(tooMany.error);
    }

    TEST_CASE("a 20 MB literal fed in 4 KB pieces comes back intact") {
        const std::size_t size = 20u << 20;
        std::string body(size, '\0');
        for (std::size_t i = 0; i < size; ++i) body[i] = static_cast<char>("abc\r\nS1 OK\0"[i % 11]);
        const std::string input =
            "* 1 FETCH (UID 9 BODY[] {" + std::to_string(size) + "}\r\n" + body + ")\r\nS1 OK\r\n";

        auto start = std::chrono::steady_clock::now();
        auto out = readInPieces(input, {}, [] { return std::size_t{4096}; });
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
        MESSAGE("20 MB literal in 4 KB pieces: " << ms.count() << " ms");

        CHECK_FALSE(out.error);
        REQUIRE(out.responses.size() == 2);
        REQUIRE(out.responses[0].literals.size() == 1);
        CHECK(out.responses[0].literals[0].size() == size);
        CHECK(out.responses[0].literals[0] == body);
        CHECK(out.responses[1].tag == "S1");
    }

    TEST_CASE("long lines fed in small pieces: time is measured, not asserted") {
        // The reader searches for the line end from the start of the pending
        // line on every call, so a long line arriving in small pieces costs
        // (length / piece) * length. Doubling the line shows the growth.
        auto timeLine = [](std::size_t length) {
            const std::string input = "* SEARCH " + std::string(length, '7') + "\r\n";
            auto start = std::chrono::steady_clock::now();
            auto out = readInPieces(input, {}, [] { return std::size_t{256}; });
            auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
            CHECK_FALSE(out.error);
            CHECK(out.responses.size() == 1);
            return ms.count();
        };
        auto small = timeLine(512u << 10);
        auto large = timeLine(1u << 20);
        MESSAGE("a 512 KB line in 256-byte pieces: " << small << " ms; 1 MB: " << large << " ms");
    }

}  // TEST_SUITE

TEST_SUITE("imap tokenize") {
    TEST_CASE("atoms keep their [] sections and <partial> suffixes") {
        auto t = tokens("BODY[]<0> BODY[HEADER.FIELDS (SUBJECT)] BODY.PEEK[1.2]<0.1024> FLAGS");
        REQUIRE(t.size() == 4);
        CHECK(t[0].type == Token::Type::Atom);
        CHECK(t[0].value == "BODY[]<0>");
        CHECK(t[1].type == Token::Type::Atom);
        CHECK(t[1].value == "BODY[HEADER.FIELDS (SUBJECT)]");
        CHECK(t[2].value == "BODY.PEEK[1.2]<0.1024>");
        CHECK(t[3].value == "FLAGS");
    }

    TEST_CASE("quoted strings unescape \\\" and \\\\ and may contain spaces and parens") {
        auto t = tokens(R"x("a \"quoted\" word" "back\\slash" "(not a list)" "")x");
        REQUIRE(t.size() == 4);
        for (const auto& tok : t) CHECK(tok.type == Token::Type::String);
        CHECK(t[0].value == "a \"quoted\" word");
        CHECK(t[1].value == "back\\slash");
        CHECK(t[2].value == "(not a list)");
        CHECK(t[3].value.empty());
    }

    TEST_CASE("an unterminated quoted string is an error") {
        CHECK_FALSE(tokenize(R"(("abc))", {}).ok());
        CHECK_FALSE(tokenize(R"("ends in a backslash\)", {}).ok());
    }

    TEST_CASE("NIL is its own token type, in any case; \"NIL\" quoted is a string") {
        auto t = tokens(R"(NIL nil "NIL" NILS)");
        REQUIRE(t.size() == 4);
        CHECK(t[0].type == Token::Type::Nil);
        CHECK(t[1].type == Token::Type::Nil);
        CHECK(t[2].type == Token::Type::String);
        CHECK(t[3].type == Token::Type::Atom);
    }

    TEST_CASE("nested lists keep their structure") {
        auto t = tokens(R"((UID 5 FLAGS (\Seen $Bot) ENVELOPE (NIL "s" ((NIL NIL "a" "b")))) X)");
        REQUIRE(t.size() == 2);
        REQUIRE(t[0].type == Token::Type::List);
        const auto& items = t[0].items;
        REQUIRE(items.size() == 6);
        CHECK(items[0].value == "UID");
        CHECK(items[1].value == "5");
        REQUIRE(items[3].type == Token::Type::List);
        REQUIRE(items[3].items.size() == 2);
        CHECK(items[3].items[0].value == "\\Seen");
        CHECK(items[3].items[1].value == "$Bot");
        const auto& envelope = items[5];
        REQUIRE(envelope.type == Token::Type::List);
        REQUIRE(envelope.items.size() == 3);
        CHECK(envelope.items[0].type == Token::Type::Nil);
        REQUIRE(envelope.items[2].type == Token::Type::List);
        REQUIRE(envelope.items[2].items.size() == 1);
        REQUIRE(envelope.items[2].items[0].items.size() == 4);
        CHECK(envelope.items[2].items[0].items[3].value == "b");
        CHECK(t[1].value == "X");
        CHECK(tokens("()").at(0).items.empty());
    }

    TEST_CASE("literal references become string tokens with the literal's exact bytes") {
        std::vector<std::string> literals = {"first\r\n) (", "second\0"s};
        auto t = tokens("(BODY[HEADER] {#0} BODY[TEXT] {#1})", literals);
        REQUIRE(t.size() == 1);
        REQUIRE(t[0].items.size() == 4);
        CHECK(t[0].items[1].type == Token::Type::String);
        CHECK(t[0].items[1].value == literals[0]);
        CHECK(t[0].items[3].type == Token::Type::String);
        CHECK(t[0].items[3].value == literals[1]);
    }

    TEST_CASE("a reference to a literal that does not exist is an error") {
        CHECK_FALSE(tokenize("(BODY[] {#1})", {"only one"}).ok());
        CHECK_FALSE(tokenize("(BODY[] {#0})", {}).ok());
        CHECK_FALSE(tokenize("(BODY[] {#x})", {"a"}).ok());
        CHECK_FALSE(tokenize("(BODY[] {#0", {"a"}).ok());
    }

    TEST_CASE("the reader's output tokenizes back to the literal's bytes") {
        const std::string body = "line one\r\n(unbalanced\r\n\"quote\r\n";
        auto out = readEveryWay("* 2 FETCH (UID 8 BODY[] {" + std::to_string(body.size()) + "}\r\n" + body + ")\r\n");
        REQUIRE(out.responses.size() == 1);
        const auto& r = out.responses[0];
        auto t = tokens(std::string_view(r.text).substr(std::string_view("2 FETCH ").size()), r.literals);
        REQUIRE(t.size() == 1);
        REQUIRE(t[0].items.size() == 4);
        CHECK(t[0].items[3].value == body);
    }

    TEST_CASE("unbalanced parentheses are an error") {
        CHECK_FALSE(tokenize("(a (b)", {}).ok());
        CHECK_FALSE(tokenize("a)", {}).ok());
        CHECK_FALSE(tokenize("(", {}).ok());
        CHECK_FALSE(tokenize(")(", {}).ok());
    }

    TEST_CASE("nesting deeper than 64 is an error; 64 is fine") {
        auto nested = [](int depth) {
            return std::string(static_cast<std::size_t>(depth), '(') + "x" +
                   std::string(static_cast<std::size_t>(depth), ')');
        };
        CHECK(tokenize(nested(64), {}).ok());
        CHECK_FALSE(tokenize(nested(65), {}).ok());
        // Far deeper input must fail fast, not recurse or allocate per level.
        CHECK_FALSE(tokenize(std::string(1u << 20, '('), {}).ok());
    }

    TEST_CASE("more than 100,000 tokens is an error") {
        std::string many;
        for (int i = 0; i < 100001; ++i) many += "a ";
        CHECK_FALSE(tokenize(many, {}).ok());
        std::string enough;
        for (int i = 0; i < 100000; ++i) enough += "a ";
        CHECK(tokenize(enough, {}).ok());
    }

    TEST_CASE("responseCode gives the bracketed code of a status text") {
        CHECK(responseCode("[UIDVALIDITY 3857529045] UIDs valid") ==
              std::optional<std::string>("UIDVALIDITY 3857529045"));
        CHECK(responseCode("[READ-WRITE]") == std::optional<std::string>("READ-WRITE"));
        CHECK_FALSE(responseCode("no code [HERE]"));
        CHECK_FALSE(responseCode("[unterminated"));
        CHECK_FALSE(responseCode(""));
    }

}  // TEST_SUITE
