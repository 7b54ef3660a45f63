// Classification: mail that must never be answered is recognised by the
// headers RFC 3834 and real autoresponders use; answers go to exactly one
// address; subject tags and answer subjects are read and written safely.
#include <doctest/doctest.h>

#include "secmaild/mime/message.hpp"
#include "secmaild/report/classify.hpp"

using namespace secmaild;
using namespace secmaild::report;

namespace {
const std::vector<std::string> kOwn{"security@example.org"};

mime::ParsedMessage parse(const std::string& headers, const std::string& body = "Hello\r\n") {
    return mime::parseMessage(headers + "\r\n" + body);
}

std::optional<Automatic> detect(const std::string& headers, const std::string& body = "Hello\r\n") {
    return detectAutomatic(parse(headers, body), kOwn);
}

const std::string kHuman = "From: Jane <jane@example.net>\r\nTo: security@example.org\r\nSubject: XSS\r\n";
}  // namespace

TEST_CASE("mail from a person is not automatic") {
    CHECK_FALSE(detect(kHuman));
}

TEST_CASE("Auto-Submitted other than no marks an automatic reply") {
    auto r = detect(kHuman + "Auto-Submitted: auto-replied\r\n");
    REQUIRE(r);
    CHECK(r->outcome == Outcome::AutoReply);
    CHECK(detect(kHuman + "Auto-Submitted: auto-generated; owner-email=x@y\r\n")->outcome == Outcome::AutoReply);
    CHECK_FALSE(detect(kHuman + "Auto-Submitted: no\r\n"));
    CHECK_FALSE(detect(kHuman + "Auto-Submitted: No (comment)\r\n"));
}

TEST_CASE("vendor autoresponder headers and out-of-office subjects are automatic replies") {
    for (const char* h : {"X-Autoreply: yes", "X-Autorespond: x", "Precedence: auto_reply",
                          "X-Auto-Response-Suppress: All", "X-Auto-Response-Suppress: DR, OOF", "X-Loop: me@x",
                          "X-POST-MessageClass: 9; Autoresponder", "X-Vacation: yes"}) {
        CAPTURE(h);
        auto r = detect(kHuman + h + "\r\n");
        REQUIRE(r);
        CHECK(r->outcome == Outcome::AutoReply);
    }
    auto oof = detect("From: Bob <bob@example.net>\r\nSubject: Automatic reply: [SEC-2026-0001] Re: XSS\r\n");
    REQUIRE(oof);
    CHECK(oof->outcome == Outcome::AutoReply);
    CHECK_FALSE(detect("From: Bob <bob@example.net>\r\nSubject: Automatic reply bypass in the mailer\r\n"));
}

TEST_CASE("delivery reports, MDNs and feedback reports are bounces") {
    auto dsn = detect(
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\nSubject: Undelivered\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n",
        "--b\r\n\r\nsorry\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n--b--\r\n");
    REQUIRE(dsn);
    CHECK(dsn->outcome == Outcome::Bounce);
    CHECK(dsn->reason.find("delivery-status") != std::string::npos);
    auto mdn = detect(kHuman + "Content-Type: multipart/report; report-type=disposition-notification; boundary=b\r\n",
                      "--b\r\n\r\nread\r\n--b--\r\n");
    REQUIRE(mdn);
    CHECK(mdn->outcome == Outcome::Bounce);
    CHECK(detect("From: MAILER-DAEMON@mx.example.net\r\nSubject: failure\r\n")->outcome == Outcome::Bounce);
    CHECK(detect("From: postmaster@example.net\r\nSubject: failure\r\n")->outcome == Outcome::Bounce);
}

TEST_CASE("a null Return-Path marks automatic mail") {
    auto r = detect("Return-Path: <>\r\n" + kHuman);
    REQUIRE(r);
    CHECK(r->outcome == Outcome::Bounce);
    CHECK_FALSE(detect("Return-Path: <jane@example.net>\r\n" + kHuman));
}

TEST_CASE("list and bulk mail is recognised") {
    for (const char* h : {"List-Id: <dev.lists.example.net>", "List-Unsubscribe: <mailto:x@y>", "Precedence: bulk",
                          "Precedence: list", "Precedence: junk", "Mailing-List: contact x@y"}) {
        CAPTURE(h);
        auto r = detect(kHuman + h + "\r\n");
        REQUIRE(r);
        CHECK(r->outcome == Outcome::List);
    }
}

TEST_CASE("mail from our own addresses is a loop, whatever else it says") {
    auto r = detect("From: Security <Security@Example.org>\r\nSubject: [SEC-2026-0001] Re: x\r\n");
    REQUIRE(r);
    CHECK(r->outcome == Outcome::Loop);
    CHECK(detect(kHuman + "Reply-To: security@example.org\r\n")->outcome == Outcome::Loop);
}

TEST_CASE("an answer goes to a single Reply-To, else to From, and never to Cc") {
    auto m = parse(kHuman + "Reply-To: Jane Work <jane@work.example>\r\nCc: boss@example.net\r\n");
    auto a = answerAddress(m, config::ReplyAddress::ReplyTo);
    REQUIRE(a);
    CHECK(a->address == "jane@work.example");
    CHECK(answerAddress(m, config::ReplyAddress::From)->address == "jane@example.net");
    auto two = parse(kHuman + "Reply-To: a@x.example, b@y.example\r\n");
    CHECK(answerAddress(two, config::ReplyAddress::ReplyTo)->address == "jane@example.net");
    CHECK_FALSE(answerAddress(parse("Subject: no sender\r\n"), config::ReplyAddress::ReplyTo));
}

TEST_CASE("the report tag is found in a subject and only in its exact form") {
    CHECK(findReportTag("Re: [SEC-2026-0001] XSS", "SEC") == "SEC-2026-0001");
    CHECK(findReportTag("[x] [SEC-2026-12345] y", "SEC") == "SEC-2026-12345");
    CHECK_FALSE(findReportTag("SEC-2026-0001 without brackets", "SEC"));
    CHECK_FALSE(findReportTag("[SEC-26-0001]", "SEC"));
    CHECK_FALSE(findReportTag("[VULN-2026-0001]", "SEC"));
    CHECK_FALSE(findReportTag("[SEC-2026-00a1]", "SEC"));
}

TEST_CASE("the answer subject is [ID] Re: original on one clean line") {
    CHECK(answerSubject("SEC-2026-0001", "XSS in login") == "[SEC-2026-0001] Re: XSS in login");
    CHECK(answerSubject("SEC-2026-0001", "Re: RE: XSS") == "[SEC-2026-0001] Re: XSS");
    CHECK(answerSubject("SEC-2026-0001", "Re: [SEC-2026-0001] XSS") == "[SEC-2026-0001] Re: XSS");
    auto injected = answerSubject("SEC-2026-0001", "hi\r\nBcc: victim@example.net\r\n\r\nbody");
    CHECK(injected.find('\r') == std::string::npos);
    CHECK(injected.find('\n') == std::string::npos);
    CHECK(injected == "[SEC-2026-0001] Re: hi Bcc: victim@example.net body");
    CHECK(answerSubject("SEC-2026-0001", std::string(1000, 'a')).size() < 200);
    CHECK(answerSubject("SEC-2026-0001", "tab\there\x01\x7f") == "[SEC-2026-0001] Re: tab here");
}
