// Tests for the IMAP session (imap/session.hpp) over a scripted Transport: a
// queue of the exact bytes the session must send and the canned bytes the
// server answers with (after PowerDNS's ExpectedStep). An unexpected
// command, a receive with no reply scripted, or steps left over fail the
// test. Replies can be delivered in small pieces to show that the session
// does not depend on how the server's bytes are split.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "secmaild/imap/session.hpp"

using namespace secmaild;
using namespace secmaild::imap;
using namespace std::string_literals;
using std::chrono::milliseconds;

namespace {

class ScriptedTransport final : public Transport {
public:
    // `piece` > 0 delivers each reply in pieces of that many bytes.
    explicit ScriptedTransport(std::size_t piece = 0) : piece_(piece) {}

    ~ScriptedTransport() override {
        if (!steps_.empty()) {
            std::string left;
            for (const auto& s : steps_) left += describe(s) + "\n";
            FAIL_CHECK("scripted IMAP steps left over:\n" << left);
        }
    }

    // The session must send exactly `bytes` next.
    ScriptedTransport& expect(std::string bytes) {
        steps_.push_back({Step::Send, std::move(bytes)});
        return *this;
    }
    // The server's next bytes.
    ScriptedTransport& reply(std::string bytes) {
        steps_.push_back({Step::Reply, std::move(bytes)});
        return *this;
    }
    // The connection breaks on the next receive.
    ScriptedTransport& drop() {
        steps_.push_back({Step::Drop, {}});
        return *this;
    }

    Status send(std::string_view bytes, milliseconds timeout) override {
        timeouts.push_back(timeout);
        if (steps_.empty() || steps_.front().kind != Step::Send) {
            FAIL_CHECK("unexpected send of \""
                       << printable(bytes) << "\""
                       << (steps_.empty() ? " (script finished)" : ", expected " + describe(steps_.front())));
            failure_ = Failure::Protocol;
            return fail("unexpected send");
        }
        CHECK_MESSAGE(bytes == steps_.front().bytes,
                      "sent \"" << printable(bytes) << "\", expected \"" << printable(steps_.front().bytes) << "\"");
        sent.emplace_back(bytes);
        steps_.pop_front();
        return {};
    }

    Result<std::string> receive(milliseconds timeout) override {
        timeouts.push_back(timeout);
        if (steps_.empty() || steps_.front().kind == Step::Send) {
            FAIL_CHECK("unexpected receive"
                       << (steps_.empty() ? " (script finished)" : ", expected " + describe(steps_.front())));
            failure_ = Failure::Timeout;
            return fail("no reply scripted");
        }
        auto& step = steps_.front();
        if (step.kind == Step::Drop) {
            steps_.pop_front();
            failure_ = Failure::Closed;
            return fail("the IMAP server closed the connection");
        }
        std::size_t n = piece_ == 0 ? step.bytes.size() : std::min(piece_, step.bytes.size());
        std::string out = step.bytes.substr(0, n);
        step.bytes.erase(0, n);
        if (step.bytes.empty()) steps_.pop_front();
        return out;
    }

    Failure lastFailure() const override { return failure_; }

    bool finished() const { return steps_.empty(); }

    std::vector<std::string> sent;
    std::vector<milliseconds> timeouts;

private:
    struct Step {
        enum Kind { Send, Reply, Drop } kind;
        std::string bytes;
    };

    static std::string printable(std::string_view s) {
        std::string out;
        for (char c : s) {
            if (c == '\r')
                out += "\\r";
            else if (c == '\n')
                out += "\\n";
            else
                out.push_back(c);
        }
        return out;
    }
    static std::string describe(const Step& s) {
        switch (s.kind) {
            case Step::Send:
                return "send \"" + printable(s.bytes) + "\"";
            case Step::Reply:
                return "reply \"" + printable(s.bytes) + "\"";
            case Step::Drop:
                return "drop";
        }
        return "?";
    }

    std::deque<Step> steps_;
    std::size_t piece_;
    Failure failure_ = Failure::Closed;
};

constexpr milliseconds kTimeout{5000};

// The pieces each reply is delivered in: whole, one byte, a few bytes.
const std::vector<std::size_t> kPieces = {0, 1, 7};

}  // namespace

TEST_SUITE("imap session") {
    TEST_CASE("select reports UIDVALIDITY, UIDNEXT and EXISTS") {
        for (auto piece : kPieces) {
            CAPTURE(piece);
            ScriptedTransport t(piece);
            t.expect("S1 SELECT \"INBOX\"\r\n")
                .reply(
                    "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
                    "* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n"
                    "* 172 EXISTS\r\n"
                    "* 1 RECENT\r\n"
                    "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n"
                    "* OK [UIDNEXT 4392] Predicted next UID\r\n"
                    "S1 OK [READ-WRITE] SELECT completed\r\n");
            Session s(t, kTimeout);
            auto r = s.select("INBOX");
            REQUIRE(r.ok());
            CHECK_FALSE(r.error);
            CHECK(r.value->uidValidity == 3857529045);
            CHECK(r.value->uidNext == 4392);
            CHECK(r.value->exists == 172);
            CHECK(s.usable());
        }
    }

    TEST_CASE("select without UIDVALIDITY is an error, and the connection is still fine") {
        ScriptedTransport t;
        t.expect("S1 SELECT \"INBOX\"\r\n")
            .reply("* 3 EXISTS\r\n* OK [UIDNEXT 4] next\r\nS1 OK [READ-WRITE] SELECT completed\r\n");
        Session s(t, kTimeout);
        auto r = s.select("INBOX");
        CHECK_FALSE(r.ok());
        REQUIRE(r.error);
        CHECK(r.error->message.find("UIDVALIDITY") != std::string::npos);
        CHECK_FALSE(r.error->connectionLost);
        CHECK(s.usable());
    }

    TEST_CASE("select sends a non-ASCII mailbox name in modified UTF-7, quoted") {
        ScriptedTransport t;
        t.expect("S1 SELECT \"Entw&APw-rfe\"\r\n").reply("* OK [UIDVALIDITY 7] x\r\nS1 OK done\r\n");
        Session s(t, kTimeout);
        auto r = s.select("Entwürfe");
        REQUIRE(r.ok());
        CHECK(r.value->uidValidity == 7);
    }

    TEST_CASE("commands are tagged S1, S2, ... and each gets the session's timeout") {
        ScriptedTransport t;
        t.expect("S1 CAPABILITY\r\n")
            .reply("* CAPABILITY IMAP4rev1 MOVE uidplus\r\nS1 OK done\r\n")
            .expect("S2 UID SEARCH UID 1:*\r\n")
            .reply("* SEARCH\r\nS2 OK done\r\n");
        Session s(t, kTimeout);
        auto caps = s.capability();
        REQUIRE(caps.ok());
        CHECK(*caps.value == std::set<std::string>{"IMAP4REV1", "MOVE", "UIDPLUS"});
        auto uids = s.searchUidsAfter(0);
        REQUIRE(uids.ok());
        CHECK(uids.value->empty());
        REQUIRE_FALSE(t.timeouts.empty());
        for (auto timeout : t.timeouts) CHECK(timeout == kTimeout);
    }

    TEST_CASE("searchUidsAfter drops the n:* quirk's UID below n, sorts and removes duplicates") {
        SUBCASE("the server returns only its highest UID, below n") {
            ScriptedTransport t;
            t.expect("S1 UID SEARCH UID 11:*\r\n").reply("* SEARCH 7\r\nS1 OK Search completed\r\n");
            Session s(t, kTimeout);
            auto r = s.searchUidsAfter(10);
            REQUIRE(r.ok());
            CHECK(r.value->empty());
        }
        SUBCASE("unsorted, duplicated, and the boundary UID itself excluded") {
            ScriptedTransport t;
            t.expect("S1 UID SEARCH UID 11:*\r\n").reply("* SEARCH 15 12 10 12 11\r\nS1 OK Search completed\r\n");
            Session s(t, kTimeout);
            auto r = s.searchUidsAfter(10);
            REQUIRE(r.ok());
            CHECK(*r.value == std::vector<std::int64_t>{11, 12, 15});
        }
        SUBCASE("UIDs spread over two SEARCH responses and unrelated untagged data") {
            ScriptedTransport t(3);
            t.expect("S1 UID SEARCH UID 101:*\r\n")
                .reply(
                    "* 40 EXISTS\r\n* SEARCH 300 101\r\n* 4 FETCH (FLAGS (\\Seen))\r\n* SEARCH 200\r\nS1 OK done\r\n");
            Session s(t, kTimeout);
            auto r = s.searchUidsAfter(100);
            REQUIRE(r.ok());
            CHECK(*r.value == std::vector<std::int64_t>{101, 200, 300});
        }
    }

    TEST_CASE("fetch asks for BODY.PEEK (never sets \\Seen) and returns the exact message bytes") {
        // The body holds the completion line of this very command, a BYE, a
        // literal announcement, a bare CR and NUL bytes, and no final newline.
        const std::string body =
            "From: researcher@example.org\r\n"
            "Subject: a bug\r\n"
            "\r\n"
            "S1 OK done\r\n"
            "* BYE\r\n"
            "{5}\r\n"
            "bare\rCR and nul\0\0\r\n"
            "S1 OK FETCH completed\r\n"
            "last line without newline"s;
        for (auto piece : kPieces) {
            CAPTURE(piece);
            ScriptedTransport t(piece);
            t.expect("S1 UID FETCH 42 (UID RFC822.SIZE INTERNALDATE BODY.PEEK[]<0.1048576>)\r\n")
                .reply(
                    "* 3 FETCH (FLAGS (\\Seen))\r\n"  // an unsolicited flags update first
                    "* 12 FETCH (UID 42 RFC822.SIZE " +
                    std::to_string(body.size()) + " INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" BODY[]<0> {" +
                    std::to_string(body.size()) + "}\r\n" + body +
                    ")\r\n"
                    "S1 OK Fetch completed.\r\n");
            Session s(t, kTimeout);
            auto r = s.fetch(42, 1u << 20);
            REQUIRE(r.ok());
            CHECK(r.value->uid == 42);
            CHECK(r.value->raw == body);
            CHECK(r.value->size == body.size());
            CHECK_FALSE(r.value->truncated);
            REQUIRE(r.value->internalDate);
            CHECK(toUnix(*r.value->internalDate) == 837596665);  // 1996-07-17 09:44:25 UTC
            CHECK(s.usable());
            REQUIRE(t.sent.size() == 1);
            CHECK(t.sent[0].find("BODY.PEEK[]") != std::string::npos);
            CHECK(t.sent[0].find("BODY[]") == std::string::npos);
            CHECK(t.finished());  // the fake completion inside the body did not end the command early
        }
    }

    TEST_CASE("fetch ignores FETCH responses for other UIDs, even with a body") {
        ScriptedTransport t(5);
        t.expect("S1 UID FETCH 42 (UID RFC822.SIZE INTERNALDATE BODY.PEEK[]<0.100>)\r\n")
            .reply(
                "* 11 FETCH (UID 41 RFC822.SIZE 5 BODY[]<0> {5}\r\nwrong)\r\n"
                "* 7 FETCH (UID 99 FLAGS (\\Seen \\Deleted))\r\n"
                "* 12 FETCH (UID 42 FLAGS (\\Flagged))\r\n"  // ours, but without the body
                "* 12 FETCH (UID 42 RFC822.SIZE 5 INTERNALDATE \" 3-Nov-2026 08:00:00 +0000\" BODY[]<0> "
                "{5}\r\nright)\r\n"
                "S1 OK done\r\n");
        Session s(t, kTimeout);
        auto r = s.fetch(42, 100);
        REQUIRE(r.ok());
        CHECK(r.value->raw == "right");
        CHECK(r.value->internalDate.has_value());
    }

    TEST_CASE("fetch marks a message larger than maxBytes as truncated") {
        ScriptedTransport t;
        t.expect("S1 UID FETCH 9 (UID RFC822.SIZE INTERNALDATE BODY.PEEK[]<0.10>)\r\n")
            .reply("* 1 FETCH (UID 9 RFC822.SIZE 1000 BODY[]<0> {10}\r\n0123456789)\r\nS1 OK done\r\n")
            .expect("S2 UID FETCH 10 (UID RFC822.SIZE INTERNALDATE BODY.PEEK[]<0.10>)\r\n")
            .reply("* 2 FETCH (UID 10 RFC822.SIZE 10 BODY[]<0> {10}\r\nabcdefghij)\r\nS2 OK done\r\n");
        Session s(t, kTimeout);
        auto big = s.fetch(9, 10);
        REQUIRE(big.ok());
        CHECK(big.value->truncated);
        CHECK(big.value->size == 1000);
        CHECK(big.value->raw == "0123456789");
        auto exact = s.fetch(10, 10);  // exactly maxBytes: complete, not truncated
        REQUIRE(exact.ok());
        CHECK_FALSE(exact.value->truncated);
        CHECK(exact.value->raw == "abcdefghij");
    }

    TEST_CASE("fetch returns at most maxBytes even when the server sends more") {
        // Regression (session.cpp, Session::fetch, fixed): session.hpp promises "at most
        // maxBytes" of the message, but the body literal is returned whole; a
        // server that ignores the <0.max> partial (or a hostile one) can hand
        // the caller up to ReaderLimits::maxLiteralBytes (1 GB by default).
        ScriptedTransport t;
        t.expect("S1 UID FETCH 9 (UID RFC822.SIZE INTERNALDATE BODY.PEEK[]<0.10>)\r\n")
            .reply("* 1 FETCH (UID 9 RFC822.SIZE 20 BODY[] {20}\r\n0123456789abcdefghij)\r\nS1 OK done\r\n");
        Session s(t, kTimeout);
        auto r = s.fetch(9, 10);
        REQUIRE(r.ok());
        CHECK(r.value->raw.size() <= 10);
        CHECK(r.value->truncated);
    }

    TEST_CASE("fetch of a vanished UID (OK without a FETCH) is an error; the connection is fine") {
        ScriptedTransport t;
        t.expect("S1 UID FETCH 77 (UID RFC822.SIZE INTERNALDATE BODY.PEEK[]<0.100>)\r\n")
            .reply("S1 OK Fetch completed (0.001 + 0.000 secs).\r\n")
            .expect("S2 UID SEARCH UID 78:*\r\n")
            .reply("* SEARCH 80\r\nS2 OK done\r\n");
        Session s(t, kTimeout);
        auto r = s.fetch(77, 100);
        CHECK_FALSE(r.ok());
        REQUIRE(r.error);
        CHECK_FALSE(r.error->connectionLost);
        CHECK(r.error->message.find("77") != std::string::npos);
        CHECK(s.usable());
        auto next = s.searchUidsAfter(77);  // the session goes on
        REQUIRE(next.ok());
        CHECK(*next.value == std::vector<std::int64_t>{80});
    }

    TEST_CASE("addKeyword sends UID STORE +FLAGS.SILENT with the keyword") {
        ScriptedTransport t;
        t.expect("S1 UID STORE 42 +FLAGS.SILENT ($SecmaildFiled)\r\n").reply("S1 OK Store completed.\r\n");
        Session s(t, kTimeout);
        auto r = s.addKeyword(42, "$SecmaildFiled");
        REQUIRE(r.ok());
        CHECK(*r.value);
    }

    TEST_CASE("move succeeds only when the server reports COPYUID") {
        SUBCASE("COPYUID in an untagged OK (Dovecot)") {
            ScriptedTransport t;
            t.expect("S1 UID MOVE 42 \"Filed\"\r\n")
                .reply("* OK [COPYUID 1700000000 42 7] Moved UIDs.\r\n* 5 EXPUNGE\r\nS1 OK Move completed.\r\n");
            Session s(t, kTimeout);
            CHECK(s.move(42, "Filed").ok());
        }
        SUBCASE("COPYUID in the tagged OK") {
            ScriptedTransport t;
            t.expect("S1 UID MOVE 42 \"Filed\"\r\n").reply("* 5 EXPUNGE\r\nS1 OK [COPYUID 17 42 7] Done\r\n");
            Session s(t, kTimeout);
            CHECK(s.move(42, "Filed").ok());
        }
        SUBCASE("an OK without COPYUID (nothing moved) is an error") {
            ScriptedTransport t;
            t.expect("S1 UID MOVE 42 \"Filed\"\r\n").reply("S1 OK No messages found.\r\n");
            Session s(t, kTimeout);
            auto r = s.move(42, "Filed");
            CHECK_FALSE(r.ok());
            REQUIRE(r.error);
            CHECK_FALSE(r.error->connectionLost);
            CHECK(s.usable());
        }
        SUBCASE("another response code is not COPYUID") {
            ScriptedTransport t;
            t.expect("S1 UID MOVE 42 \"Filed\"\r\n")
                .reply("* OK [HIGHESTMODSEQ 9] x\r\nS1 OK [COPYUIDX 1 2 3] Done\r\n");
            Session s(t, kTimeout);
            CHECK_FALSE(s.move(42, "Filed").ok());
        }
    }

    TEST_CASE("ensureFolder lists first and creates only a missing folder") {
        SUBCASE("present: no CREATE") {
            ScriptedTransport t;
            t.expect("S1 LIST \"\" \"Filed\"\r\n")
                .reply("* LIST (\\HasNoChildren) \"/\" Filed\r\nS1 OK List completed.\r\n");
            Session s(t, kTimeout);
            auto r = s.ensureFolder("Filed");
            CHECK(r.ok());
        }
        SUBCASE("missing: CREATE") {
            ScriptedTransport t;
            t.expect("S1 LIST \"\" \"Entw&APw-rfe\"\r\n")
                .reply("S1 OK List completed.\r\n")
                .expect("S2 CREATE \"Entw&APw-rfe\"\r\n")
                .reply("S2 OK Create completed.\r\n");
            Session s(t, kTimeout);
            auto r = s.ensureFolder("Entwürfe");
            CHECK(r.ok());
        }
        SUBCASE("a refused CREATE is an error") {
            ScriptedTransport t;
            t.expect("S1 LIST \"\" \"Filed\"\r\n")
                .reply("S1 OK List completed.\r\n")
                .expect("S2 CREATE \"Filed\"\r\n")
                .reply("S2 NO [NOPERM] Permission denied\r\n");
            Session s(t, kTimeout);
            auto r = s.ensureFolder("Filed");
            CHECK_FALSE(r.ok());
            REQUIRE(r.error);
            CHECK(r.error->message.find("Permission denied") != std::string::npos);
            CHECK(s.usable());
        }
    }

    TEST_CASE("a NO reply is an error carrying the server's text; the session stays usable") {
        ScriptedTransport t;
        t.expect("S1 SELECT \"Missing\"\r\n")
            .reply("S1 NO [NONEXISTENT] Mailbox doesn't exist: Missing\r\n")
            .expect("S2 SELECT \"INBOX\"\r\n")
            .reply("* OK [UIDVALIDITY 5] ok\r\nS2 OK done\r\n");
        Session s(t, kTimeout);
        auto r = s.select("Missing");
        CHECK_FALSE(r.ok());
        REQUIRE(r.error);
        CHECK(r.error->message.find("NO") == 0);
        CHECK(r.error->message.find("Mailbox doesn't exist: Missing") != std::string::npos);
        CHECK_FALSE(r.error->connectionLost);
        CHECK(s.usable());
        auto again = s.select("INBOX");
        REQUIRE(again.ok());
        CHECK(again.value->uidValidity == 5);
    }

    TEST_CASE("a BAD reply is an error too") {
        ScriptedTransport t;
        t.expect("S1 UID STORE 1 +FLAGS.SILENT ($X)\r\n").reply("S1 BAD Error in IMAP command\r\n");
        Session s(t, kTimeout);
        auto r = s.addKeyword(1, "$X");
        CHECK_FALSE(r.ok());
        REQUIRE(r.error);
        CHECK(r.error->message.find("BAD") == 0);
        CHECK(s.usable());
    }

    TEST_CASE("the server's error text is cut and made safe for logs") {
        ScriptedTransport t;
        t.expect("S1 SELECT \"X\"\r\n").reply("S1 NO bad\x01\x7f\rname " + std::string(1000, 'y') + "\r\n");
        Session s(t, kTimeout);
        auto r = s.select("X");
        REQUIRE(r.error);
        const auto& m = r.error->message;
        CHECK(m.find("bad name") != std::string::npos);
        CHECK(m.size() < 320);
        for (char c : m) CHECK((static_cast<unsigned char>(c) >= 0x20 && c != 0x7f));
        CHECK(s.usable());
    }

    TEST_CASE("a dropped connection makes the session unusable; later commands fail without sending") {
        ScriptedTransport t(4);
        t.expect("S1 UID SEARCH UID 1:*\r\n").reply("* SEARCH 1 2").drop();
        Session s(t, kTimeout);
        auto r = s.searchUidsAfter(0);
        CHECK_FALSE(r.ok());
        REQUIRE(r.error);
        CHECK(r.error->connectionLost);
        CHECK_FALSE(s.usable());

        // Nothing more is scripted: any send would fail the test.
        auto again = s.fetch(1, 100);
        CHECK_FALSE(again.ok());
        REQUIRE(again.error);
        CHECK(again.error->connectionLost);
        CHECK(t.sent.size() == 1);
        s.logout();  // sends nothing either
        CHECK(t.sent.size() == 1);
    }

    TEST_CASE("a dropped connection in the middle of a literal loses the session") {
        ScriptedTransport t;
        t.expect("S1 UID FETCH 5 (UID RFC822.SIZE INTERNALDATE BODY.PEEK[]<0.100>)\r\n")
            .reply("* 1 FETCH (UID 5 BODY[]<0> {50}\r\nonly part of it")
            .drop();
        Session s(t, kTimeout);
        auto r = s.fetch(5, 100);
        CHECK_FALSE(r.ok());
        REQUIRE(r.error);
        CHECK(r.error->connectionLost);
        CHECK_FALSE(s.usable());
    }

    TEST_CASE("a send failure loses the session") {
        struct Refusing final : Transport {
            int sends = 0;
            Status send(std::string_view, milliseconds) override {
                ++sends;
                return fail("broken pipe");
            }
            Result<std::string> receive(milliseconds) override { return fail("not connected"); }
            Failure lastFailure() const override { return Failure::Closed; }
        } refusing;
        Session s(refusing, kTimeout);
        auto r = s.select("INBOX");
        REQUIRE(r.error);
        CHECK(r.error->connectionLost);
        CHECK(r.error->message.find("broken pipe") != std::string::npos);
        CHECK_FALSE(s.usable());
        CHECK_FALSE(s.select("INBOX").ok());
        CHECK(refusing.sends == 1);
    }

    TEST_CASE("an untagged BYE during a command loses the session, even if the command completes") {
        SUBCASE("BYE, then the tagged OK") {
            ScriptedTransport t;
            t.expect("S1 UID SEARCH UID 1:*\r\n")
                .reply("* SEARCH 4\r\n* BYE Server shutting down\r\nS1 OK Search completed\r\n");
            Session s(t, kTimeout);
            auto r = s.searchUidsAfter(0);
            CHECK_FALSE(r.ok());
            REQUIRE(r.error);
            CHECK(r.error->connectionLost);
            CHECK_FALSE(s.usable());
        }
        SUBCASE("BYE, then the server closes") {
            ScriptedTransport t;
            t.expect("S1 UID SEARCH UID 1:*\r\n").reply("* BYE Disconnected for inactivity.\r\n").drop();
            Session s(t, kTimeout);
            auto r = s.searchUidsAfter(0);
            REQUIRE(r.error);
            CHECK(r.error->connectionLost);
            CHECK_FALSE(s.usable());
        }
        SUBCASE("BYE, then a tagged NO") {
            ScriptedTransport t;
            t.expect("S1 UID SEARCH UID 1:*\r\n").reply("* BYE going away\r\nS1 NO no\r\n");
            Session s(t, kTimeout);
            auto r = s.searchUidsAfter(0);
            REQUIRE(r.error);
            CHECK(r.error->connectionLost);
            CHECK_FALSE(s.usable());
        }
    }

    TEST_CASE("logout sends LOGOUT with a short timeout, accepts BYE, and ends the session") {
        ScriptedTransport t;
        t.expect("S1 LOGOUT\r\n").reply("* BYE Logging out\r\nS1 OK Logout completed.\r\n");
        Session s(t, std::chrono::seconds{60});
        s.logout();
        CHECK_FALSE(s.usable());
        REQUIRE_FALSE(t.timeouts.empty());
        for (auto timeout : t.timeouts) CHECK(timeout <= milliseconds{2000});
        s.logout();  // a second logout sends nothing
    }

    TEST_CASE("a tagged reply with another tag is skipped") {
        ScriptedTransport t(2);
        t.expect("S1 UID STORE 3 +FLAGS.SILENT ($A)\r\n")
            .reply("S0 NO stale reply to an abandoned command\r\nA9 BAD not ours\r\nS1 OK Store completed\r\n");
        Session s(t, kTimeout);
        auto r = s.addKeyword(3, "$A");
        CHECK(r.ok());
        CHECK(s.usable());
    }

    TEST_CASE("a continuation request we did not ask for loses the session") {
        ScriptedTransport t;
        t.expect("S1 CAPABILITY\r\n").reply("+ send more\r\n");
        Session s(t, kTimeout);
        auto r = s.capability();
        REQUIRE(r.error);
        CHECK(r.error->connectionLost);
        CHECK_FALSE(s.usable());
    }

    TEST_CASE("a stream the reader refuses (a literal over the limit) loses the session") {
        ScriptedTransport t;
        t.expect("S1 UID FETCH 5 (UID RFC822.SIZE INTERNALDATE BODY.PEEK[]<0.100>)\r\n")
            .reply("* 1 FETCH (UID 5 BODY[]<0> {2000}\r\n");
        ReaderLimits limits;
        limits.maxLiteralBytes = 1000;
        Session s(t, kTimeout, limits);
        auto r = s.fetch(5, 100);
        REQUIRE(r.error);
        CHECK(r.error->connectionLost);
        CHECK_FALSE(s.usable());
    }

}  // TEST_SUITE

TEST_SUITE("imap mailbox names") {
    TEST_CASE("encodeModifiedUtf7 follows RFC 3501 §5.1.3") {
        CHECK(encodeModifiedUtf7("INBOX") == "INBOX");
        CHECK(encodeModifiedUtf7("Entwürfe") == "Entw&APw-rfe");
        CHECK(encodeModifiedUtf7("&") == "&-");
        CHECK(encodeModifiedUtf7("Tom & Jerry") == "Tom &- Jerry");
        CHECK(encodeModifiedUtf7("ÜÜÜ") == "&ANwA3ADc-");  // one run for consecutive characters
        CHECK(encodeModifiedUtf7("Привет мир") == "&BB8EQAQ4BDIENQRC- &BDwEOARA-");
        // The RFC's own example.
        CHECK(encodeModifiedUtf7("~peter/mail/台北/日本語") == "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
    }

    TEST_CASE("characters outside the BMP are encoded as UTF-16 surrogate pairs") {
        CHECK(encodeModifiedUtf7("😀") == "&2D3eAA-");  // U+1F600 = D83D DE00
        CHECK(encodeModifiedUtf7("a😀b") == "a&2D3eAA-b");
        CHECK(encodeModifiedUtf7("x😀📧y") == "x&2D3eANg93Oc-y");  // two pairs in one run
    }

    TEST_CASE("invalid UTF-8 becomes U+FFFD, never raw 8-bit bytes") {
        CHECK(encodeModifiedUtf7("\xff") == "&,,0-");
        CHECK(encodeModifiedUtf7("a\xc3") == "a&,,0-");  // a truncated sequence at the end
        auto out = encodeModifiedUtf7("\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80 x");
        for (char c : out) CHECK((c >= 0x20 && c < 0x7f));
    }

    TEST_CASE("quoteMailbox quotes the encoded name and escapes quotes and backslashes") {
        CHECK(quoteMailbox("INBOX") == "\"INBOX\"");
        CHECK(quoteMailbox("Entwürfe") == "\"Entw&APw-rfe\"");
        CHECK(quoteMailbox("&") == "\"&-\"");
        CHECK(quoteMailbox("a\"b\\c") == "\"a\\\"b\\\\c\"");
        CHECK(quoteMailbox("") == "\"\"");
    }

    TEST_CASE("quoteMailbox never lets CR or LF into the command line") {
        auto q = quoteMailbox("Filed\r\nS9 DELETE INBOX");
        CHECK(q.find('\r') == std::string::npos);
        CHECK(q.find('\n') == std::string::npos);
        CHECK(q.front() == '"');
        CHECK(q.back() == '"');
        // The brief says CR/LF are removed; the encoder in fact turns them (like
        // every control character) into modified base64, which also keeps them
        // off the wire. MESSAGE rather than pin down which.
        MESSAGE("quoteMailbox(\"Filed\\r\\nS9 DELETE INBOX\") = " << q);
    }

}  // TEST_SUITE
