// The message pipeline end to end, without a network: what gets filed,
// what gets answered (and what never is), and what the answer says.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "../support/runtime_fixture.hpp"
#include "secmaild/mime/message.hpp"
#include "secmaild/service/work_feed.hpp"
#include "secmaild/util/strings.hpp"

using namespace secmaild;
using testing::RuntimeFixture;

namespace {

std::string mail(const std::string& headers, const std::string& body) {
    std::string out;
    for (auto line : splitLines(headers)) out += std::string(line) + "\r\n";
    out += "\r\n";
    for (auto line : splitLines(body)) out += std::string(line) + "\r\n";
    return out;
}

const std::string kCompleteBody =
    "Description: Stored XSS in the chat title field lets one user run script in another user's session.\n"
    "\n"
    "Steps to reproduce:\n"
    "1. Create a chat titled <script>alert(zebra42)</script>\n"
    "2. Share it with a second account\n"
    "3. Open it as the second account\n"
    "\n"
    "Impact: an attacker can take over any account that opens the shared chat.\n"
    "\n"
    "Suggested mitigation: escape titles when rendering.\n"
    "\n"
    "Affected version: 0.2.3\n";

std::string complete(const std::string& id = "<r1@researcher.example>",
                     const std::string& subject = "XSS in chat titles") {
    return mail(
        "From: Jane Researcher <jane@researcher.example>\n"
        "To: security@example.org\n"
        "Subject: " +
            subject +
            "\n"
            "Message-ID: " +
            id +
            "\n"
            "Date: Mon, 23 Nov 2026 22:40:00 +0000",
        kCompleteBody);
}

std::string incomplete() {
    return mail(
        "From: Max <max@researcher.example>\n"
        "To: security@example.org\n"
        "Subject: possible SQL injection\n"
        "Message-ID: <i1@researcher.example>",
        "Hi, I think the search box is vulnerable to SQL injection. Regards, Max");
}

// The body of an answer, decoded, as its recipient will read it.
std::string answerText(const store::OutboxItem& item) {
    return mime::parseMessage(item.raw).text;
}

}  // namespace

TEST_CASE("a complete report is filed with its fields and exactly one acknowledgment is queued") {
    RuntimeFixture f;
    REQUIRE_MESSAGE(f.ok(), f.problems());
    auto r = f.ingest(complete());
    CHECK(r.outcome == "new-report");
    REQUIRE(r.reportId);
    CHECK(*r.reportId == "SEC-2026-0001");
    CHECK(r.answerQueued);
    auto report = f.store().report(*r.reportId);
    REQUIRE(report);
    CHECK(report->reporter == "jane@researcher.example");
    CHECK(report->state == "new");
    std::set<std::string> names;
    for (const auto& field : f.store().fields(*r.reportId)) names.insert(field.name);
    for (const char* required : {"description", "steps", "impact", "mitigation", "contact", "version"}) {
        CAPTURE(required);
        CHECK(names.count(required));
    }
    auto answers = f.store().outboxForReport(*r.reportId);
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].kind == "acknowledgment");
    CHECK(answers[0].recipient == "jane@researcher.example");
    auto text = answerText(answers[0]);
    CHECK(text.find("SEC-2026-0001") != std::string::npos);
    CHECK(text.find("everything our policy asks for") != std::string::npos);
    CHECK(text.find("\"0.2.x\", which we support") != std::string::npos);
}

TEST_CASE("the acknowledgment states the policy's timeline as concrete dates in the policy's zone") {
    RuntimeFixture f;
    REQUIRE_MESSAGE(f.ok(), f.problems());
    auto r = f.ingest(complete());
    auto text = answerText(f.store().outboxForReport(*r.reportId).at(0));
    CHECK(text.find("received Mon 23 Nov 2026 22:42 UTC") != std::string::npos);
    CHECK(text.find("Initial acknowledgment of your report: done with this message") != std::string::npos);
    CHECK(text.find("Preliminary assessment and severity classification: by Thu 26 Nov 2026 22:42 UTC") !=
          std::string::npos);
    CHECK(text.find("Security patch release: by Mon 07 Dec 2026 22:42 UTC (for high and critical severity only)") !=
          std::string::npos);
    CHECK(text.find("Public disclosure: 30 days after security patch release (after the fix is deployed)") !=
          std::string::npos);
}

TEST_CASE("the acknowledgment is threaded, auto-submitted, and goes to the sender alone") {
    RuntimeFixture f;
    REQUIRE_MESSAGE(f.ok(), f.problems());
    auto raw = mail(
        "From: Jane <jane@researcher.example>\nTo: security@example.org\n"
        "Cc: friend@elsewhere.example, boss@elsewhere.example\nSubject: XSS\n"
        "Message-ID: <orig@researcher.example>\nReferences: <older@researcher.example>",
        kCompleteBody);
    auto r = f.ingest(raw);
    auto item = f.store().outboxForReport(*r.reportId).at(0);
    auto ack = mime::parseMessage(item.raw);
    CHECK(ack.subject == "[SEC-2026-0001] Re: XSS");
    CHECK(ack.header("In-Reply-To") == "<orig@researcher.example>");
    CHECK(ack.header("References").value().find("<older@researcher.example> <orig@researcher.example>") !=
          std::string::npos);
    CHECK(ack.header("Auto-Submitted") == "auto-replied");
    REQUIRE(ack.to.size() == 1);
    CHECK(ack.to[0].address == "jane@researcher.example");
    CHECK(ack.cc.empty());
    CHECK(ack.messageId.find("@example.org>") != std::string::npos);
    CHECK(item.envelopeFrom == "security@example.org");
}

TEST_CASE("an incomplete report's acknowledgment lists each missing field with a guide") {
    RuntimeFixture f;
    REQUIRE_MESSAGE(f.ok(), f.problems());
    auto r = f.ingest(incomplete());
    REQUIRE(r.reportId);
    auto text = answerText(f.store().outboxForReport(*r.reportId).at(0));
    CHECK(text.find("does not yet have everything") != std::string::npos);
    CHECK(text.find("Steps to reproduce the issue: Numbered steps") != std::string::npos);
    CHECK(text.find("Potential impact assessment:") != std::string::npos);
    // The sender's address is their contact information; the description is the free text.
    CHECK(text.find("Your contact information:") == std::string::npos);
    CHECK(text.find("Description of the vulnerability:") == std::string::npos);
}

TEST_CASE("a follow-up in the thread supplies missing fields and is acknowledged once") {
    RuntimeFixture f;
    REQUIRE_MESSAGE(f.ok(), f.problems());
    auto first = f.ingest(incomplete());
    auto ackId = f.store().outboxForReport(*first.reportId).at(0).messageId;
    f.clock().advance(std::chrono::minutes{30});
    auto follow =
        f.ingest(mail("From: Max <max@researcher.example>\nTo: security@example.org\n"
                      "Subject: Re: [SEC-2026-0001] Re: possible SQL injection\n"
                      "Message-ID: <i2@researcher.example>\nIn-Reply-To: " +
                          ackId +
                          "\n"
                          "References: <i1@researcher.example> " +
                          ackId,
                      "Steps to reproduce:\n1. Search for ' OR 1=1 --\n2. See every user\n\n"
                      "Impact: an attacker can read the whole user table.\n\n"
                      "> quoted text from your acknowledgment\n> Description of the vulnerability: x\n"));
    CHECK(follow.outcome == "follow-up");
    CHECK(follow.reportId == first.reportId);
    CHECK(follow.answerQueued);
    std::set<std::string> names;
    for (const auto& field : f.store().fields(*first.reportId)) names.insert(field.name);
    CHECK(names.count("steps"));
    CHECK(names.count("impact"));
    auto answers = f.store().outboxForReport(*first.reportId);
    REQUIRE(answers.size() == 2);
    CHECK(answers[1].kind == "follow-up-acknowledgment");
    CHECK(answerText(answers[1]).find("now has everything") != std::string::npos);

    SUBCASE("a further follow-up that adds nothing gets no answer") {
        auto again =
            f.ingest(mail("From: max@researcher.example\nSubject: Re: [SEC-2026-0001] thanks\n"
                          "Message-ID: <i3@researcher.example>",
                          "Thanks!"));
        CHECK(again.outcome == "follow-up");
        CHECK_FALSE(again.answerQueued);
        CHECK(f.store().outboxForReport(*first.reportId).size() == 2);
    }
}

TEST_CASE("a stranger's mail in a report's thread is a report of its own: answered, and noted on the old one") {
    RuntimeFixture f;
    REQUIRE_MESSAGE(f.ok(), f.problems());
    auto first = f.ingest(incomplete());
    auto stranger = f.ingest(mail("From: Eve <eve@attacker.example>\nSubject: Fwd: [SEC-2026-0001] Re: SQL injection\n"
                                  "Message-ID: <e1@attacker.example>",
                                  "Steps to reproduce:\n1. trust me\n2. really\n"));
    CHECK(stranger.outcome == "new-report");
    CHECK(stranger.reportId == "SEC-2026-0002");
    CHECK(stranger.answerQueued);
    auto row = f.store().message(f.lastId());
    CHECK(std::find(row->flags.begin(), row->flags.end(), "foreign-sender") != row->flags.end());
    // The first report gained nothing, and Eve's answer is about her own report only.
    for (const auto& field : f.store().fields(*first.reportId)) CHECK(field.name != "steps");
    auto answer = mime::parseMessage(f.store().outboxForReport("SEC-2026-0002").at(0).raw);
    CHECK(answer.to.at(0).address == "eve@attacker.example");
    CHECK(answer.text.find("SEC-2026-0001") == std::string::npos);
    bool noted = false;
    for (const auto& a : f.store().auditOf(*first.reportId)) noted |= a.event == "report.referenced";
    CHECK(noted);
}

TEST_CASE("an out-of-office reply to an acknowledgment is stored with its report and never answered") {
    RuntimeFixture f;
    REQUIRE_MESSAGE(f.ok(), f.problems());
    auto first = f.ingest(complete());
    auto ackId = f.store().outboxForReport(*first.reportId).at(0).messageId;
    auto oof =
        f.ingest(mail("From: Jane Researcher <jane@researcher.example>\n"
                      "Subject: Automatic reply: [SEC-2026-0001] Re: XSS in chat titles\n"
                      "Auto-Submitted: auto-replied\nIn-Reply-To: " +
                          ackId + "\nMessage-ID: <oof@x>",
                      "I am on holiday until Monday."));
    CHECK(oof.outcome == "auto-reply");
    CHECK(oof.reportId == first.reportId);
    CHECK_FALSE(oof.answerQueued);
    CHECK(f.store().outboxForReport(*first.reportId).size() == 1);
}

TEST_CASE("a bounce is stored and never answered") {
    RuntimeFixture f;
    REQUIRE_MESSAGE(f.ok(), f.problems());
    auto r =
        f.ingest(mail("Return-Path: <>\nFrom: Mail Delivery System <MAILER-DAEMON@mx.example.net>\n"
                      "Subject: Undelivered Mail Returned to Sender\n"
                      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"",
                      "--b\n\nThe mail could not be delivered.\n--b\nContent-Type: message/delivery-status\n\n"
                      "Final-Recipient: rfc822; nobody@example.net\nStatus: 5.1.1\n--b--"));
    CHECK(r.outcome == "bounce");
    CHECK_FALSE(r.answerQueued);
    CHECK(f.store().reports().empty());
    CHECK(f.store().dueOutbox(f.clock().now()).empty());
}

TEST_CASE("the same message delivered twice is a duplicate, not a second report") {
    RuntimeFixture f;
    REQUIRE_MESSAGE(f.ok(), f.problems());
    auto first = f.ingest(complete());
    // Through a backup MX: one more Received line, same Message-ID and body.
    auto second = f.ingest(
        "Received: from backup-mx.example.org by mx.example.org; Mon, 23 Nov 2026 22:41:00 +0000\r\n" + complete());
    CHECK(second.outcome == "duplicate");
    CHECK(second.reportId == first.reportId);
    CHECK_FALSE(second.answerQueued);
    CHECK(f.store().reports().size() == 1);
    CHECK(f.store().message(f.lastId())->duplicateOf == f.lastId() - 1);
}

TEST_CASE("the same Message-ID with a different body is a new report, flagged") {
    RuntimeFixture f;
    REQUIRE_MESSAGE(f.ok(), f.problems());
    f.ingest(complete("<same@researcher.example>"));
    auto second =
        f.ingest(mail("From: Jane Researcher <jane@researcher.example>\nSubject: another one\n"
                      "Message-ID: <same@researcher.example>",
                      "A different report about CSRF in settings."));
    CHECK(second.outcome == "new-report");
    auto flags = f.store().message(f.lastId())->flags;
    CHECK(std::find(flags.begin(), flags.end(), "message-id-reused") != flags.end());
}

TEST_CASE("after the hourly allowance a sender's reports are filed but not answered") {
    RuntimeFixture f("personal-chatter.toml", "[answers]\nper_sender_per_hour = 2\n");
    REQUIRE_MESSAGE(f.ok(), f.problems());
    for (int i = 0; i < 3; ++i) {
        auto r = f.ingest(complete("<n" + std::to_string(i) + "@researcher.example>", "report " + std::to_string(i)));
        CHECK(r.outcome == "new-report");
        CHECK(r.answerQueued == (i < 2));
    }
    auto flags = f.store().message(f.lastId())->flags;
    CHECK(std::find(flags.begin(), flags.end(), "rate-limited") != flags.end());
    CHECK(f.store().reports().size() == 3);
    f.clock().advance(std::chrono::minutes{61});
    CHECK(f.ingest(complete("<n9@researcher.example>", "report 9")).answerQueued);
}

TEST_CASE("template syntax in the subject and body is never evaluated, and the subject stays one line") {
    RuntimeFixture f;
    REQUIRE_MESSAGE(f.ok(), f.problems());
    auto r =
        f.ingest(mail("From: Mallory <mallory@researcher.example>\n"
                      "Subject: {{report_id}} {{#timeline}}x{{/timeline}} "
                      "=?UTF-8?B?e3tyZXBvcnRfaWR9fQ0KQmNjOiB2aWN0aW1AZXhhbXBsZS5uZXQ=?=\n"
                      "Message-ID: <m1@researcher.example>",
                      "Description: {{contact}} {{{project}}} {{> partial}} {{=<% %>=}}\n"));
    REQUIRE(r.answerQueued);
    auto item = f.store().outboxForReport(*r.reportId).at(0);
    auto ack = mime::parseMessage(item.raw);
    CHECK(ack.subject.find("{{report_id}} {{#timeline}}x{{/timeline}}") != std::string::npos);
    CHECK(ack.subject.find("Bcc") != std::string::npos);  // kept as text ...
    CHECK_FALSE(ack.header("Bcc"));                       // ... never a header
    // Only the template's own tags were rendered; nothing from the mail.
    CHECK(ack.text.find("{{") == std::string::npos);
    CHECK(ack.text.find("Personal Chatter") != std::string::npos);
    int subjects = 0;
    for (const auto& h : ack.headers) subjects += iequals(h.name, "Subject");
    CHECK(subjects == 1);
}

TEST_CASE("no answer ever contains the report's text") {
    RuntimeFixture f;
    REQUIRE_MESSAGE(f.ok(), f.problems());
    auto r = f.ingest(complete());
    auto text = answerText(f.store().outboxForReport(*r.reportId).at(0));
    for (const char* secret : {"zebra42", "chat title", "escape titles", "take over", "0.2.3"}) {
        CAPTURE(secret);
        CHECK(text.find(secret) == std::string::npos);
    }
}

TEST_CASE("mail with no usable sender is stored as unreadable and not answered") {
    RuntimeFixture f;
    REQUIRE_MESSAGE(f.ok(), f.problems());
    auto r = f.ingest(mail("Subject: who am I\nFrom: not an address", "text"));
    CHECK(r.outcome == "unreadable");
    CHECK_FALSE(r.answerQueued);
    auto flags = f.store().message(f.lastId())->flags;
    CHECK(std::find(flags.begin(), flags.end(), "no-sender") != flags.end());
    CHECK(f.ingest("").outcome == "unreadable");
}

TEST_CASE("a report that could only be partly read is filed, flagged, and still acknowledged") {
    RuntimeFixture f;
    REQUIRE_MESSAGE(f.ok(), f.problems());
    std::string body;
    std::string headers =
        "From: Deep <deep@researcher.example>\nSubject: nested\nMessage-ID: <d1@r.example>\n"
        "Content-Type: multipart/mixed; boundary=\"b0\"";
    for (int i = 0; i < 1000; ++i)
        body += "--b" + std::to_string(i) + "\nContent-Type: multipart/mixed; boundary=\"b" + std::to_string(i + 1) +
                "\"\n\n";
    body += "Description: deep\n";
    auto r = f.ingest(mail(headers, body));
    CHECK(r.outcome == "new-report");
    CHECK(r.answerQueued);
    auto flags = f.store().message(f.lastId())->flags;
    CHECK(std::find(flags.begin(), flags.end(), "limit-hit") != flags.end());
    auto text = answerText(f.store().outboxForReport(*r.reportId).at(0));
    CHECK(text.find("could not be read automatically") != std::string::npos);
}

TEST_CASE("a message already processed by another process is not processed again") {
    RuntimeFixture f;
    REQUIRE_MESSAGE(f.ok(), f.problems());
    auto r = f.ingest(complete());
    auto again = service::processMessage(f.rt(), f.lastId());
    CHECK(again.outcome == "new-report");
    CHECK(f.store().reports().size() == 1);
    CHECK(f.store().outboxForReport(*r.reportId).size() == 1);
}

TEST_CASE("every processed message records its parts and what it was") {
    RuntimeFixture f;
    REQUIRE_MESSAGE(f.ok(), f.problems());
    f.ingest(
        mail("From: a@researcher.example\nSubject: with attachment\nMessage-ID: <p1@r.example>\n"
             "Content-Type: multipart/mixed; boundary=x",
             "--x\nContent-Type: text/plain\n\nDescription: see the attached PoC\n--x\n"
             "Content-Type: application/octet-stream; name=poc.bin\nContent-Disposition: attachment; "
             "filename=poc.bin\nContent-Transfer-Encoding: base64\n\nAAECAw==\n--x--"));
    auto parts = f.store().parts(f.lastId());
    REQUIRE(parts.size() == 3);
    CHECK(parts[2].filename == "poc.bin");
    CHECK(parts[2].attachment);
    CHECK(parts[2].size == 4);
    CHECK(parts[2].sha256 == "054edec1d0211f624fed0cbca9d4f9400b0e491c43742af2c5b0abebf0c990d8");
    auto row = f.store().message(f.lastId());
    CHECK(row->outcome == "new-report");
    CHECK(row->sender == "a@researcher.example");
    CHECK(row->state == "processed");
}

TEST_CASE("beside an intake, the filing also takes mail stored after it began, and each message once") {
    RuntimeFixture f;
    REQUIRE_MESSAGE(f.ok(), f.problems());
    auto& rt = f.rt();
    REQUIRE(rt.intakeStore);
    // The intake's own connection, as in a pass.
    auto storeIncoming = [&](const std::string& raw) {
        store::IncomingMessage m;
        m.receivedAt = f.clock().now();
        m.source = "imap";
        m.raw = raw;
        return rt.intakeStore->storeIncoming(m, f.clock().now());
    };
    const auto first = storeIncoming(complete());
    service::WorkFeed stored, answers;
    int processed = 0;
    std::thread filing([&] { processed = service::processPending(rt, nullptr, &answers, &stored); });
    // The second message comes once the first is filed, so after the filing
    // listed what was pending: only a filing that keeps looking finds it.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (rt.intakeStore->isPending(first) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const bool firstFiled = !rt.intakeStore->isPending(first);
    const auto second = storeIncoming(incomplete());
    stored.added();
    stored.finished();
    filing.join();
    REQUIRE(firstFiled);
    CHECK(processed == 2);
    CHECK_FALSE(f.store().isPending(second));
    CHECK(f.store().reports().size() == 2);
}
