// Maintainer actions through the service with a fake clock and a real store:
// a report walked through every stage of a shipped policy to closed, each
// action completing its stage, moving the deadlines, writing the audit
// trail and telling the reporter under the content rules; refusals that
// change nothing.
#include <doctest/doctest.h>

#include "../support/runtime_fixture.hpp"
#include "secmaild/ctl/deadlines.hpp"
#include "secmaild/mime/message.hpp"
#include "secmaild/service/actions.hpp"
#include "secmaild/service/escalations.hpp"

using namespace secmaild;
using report::Action;
using report::Verb;
using testing::RuntimeFixture;

namespace {

const std::string kReport =
    "From: Jane Researcher <jane@researcher.example>\r\nTo: security@example.org\r\nSubject: XSS in titles\r\n"
    "Message-ID: <a1@researcher.example>\r\n\r\nDescription: stored XSS, marker Quokka42.\r\n\r\n"
    "Steps to reproduce:\r\n1. Name a chat <script>\r\n\r\nImpact: account takeover.\r\n";

Action make(Verb v) {
    Action a;
    a.verb = v;
    return a;
}

service::ActionOutcome apply(RuntimeFixture& f, const std::string& id, const Action& a) {
    store::Transaction tx(f.store().db());
    auto out = service::applyAction(f.rt(), f.store(), id, a, "secmailctl:alice", f.clock().now());
    tx.commit();
    return out;
}

std::vector<store::OutboxItem> mailsOfKind(store::Store& store, const std::string& id, const std::string& kind) {
    std::vector<store::OutboxItem> out;
    for (auto& o : store.outboxForReport(id))
        if (o.kind == kind) out.push_back(std::move(o));
    return out;
}

std::string bodyOf(const std::string& raw) {
    return mime::parseMessage(raw).text;
}

bool hasAudit(store::Store& store, const std::string& id, const std::string& event) {
    for (const auto& a : store.auditOf(id))
        if (a.event == event) return true;
    return false;
}

}  // namespace

TEST_CASE("a report walked through personal-chatter's policy: every action completes its stage and tells the reporter") {
    RuntimeFixture f;
    REQUIRE_MESSAGE(f.ok(), f.problems());
    auto filed = f.ingest(kReport);
    REQUIRE(filed.reportId);
    const std::string id = *filed.reportId;

    f.clock().advance(std::chrono::hours{2});
    auto ack = apply(f, id, make(Verb::Ack));
    CHECK(ack.done);
    CHECK(ack.stagesCompleted == std::vector<std::string>{"acknowledgment"});
    CHECK(ack.state == "acknowledged");
    CHECK_FALSE(ack.mailKind);  // the reporter already had the automatic acknowledgment

    // Assessing as high: the stage is done, and the high-only release stage now applies.
    f.clock().advance(std::chrono::hours{20});
    Action assess = make(Verb::Assess);
    assess.severity = "High";
    auto assessed = apply(f, id, assess);
    REQUIRE(assessed.done);
    CHECK(assessed.stagesCompleted == std::vector<std::string>{"assessment"});
    CHECK(f.store().report(id)->severity == "high");
    auto timeline = ctl::reportTimeline(f.rt(), id);
    REQUIRE(timeline);
    bool releaseApplies = false;
    for (const auto& s : (*timeline)["stages"])
        if (s["stage"] == "release") releaseApplies = s["state"] != "not-applicable";
    CHECK(releaseApplies);
    auto status = mailsOfKind(f.store(), id, "status");
    REQUIRE(status.size() == 1);
    CHECK(status[0].recipient == "jane@researcher.example");
    auto body = bodyOf(status[0].raw);
    CHECK(body.find("severity high") != std::string::npos);
    CHECK(body.find("$200 - $500") != std::string::npos);  // the seed's reward for high
    CHECK(body.find("Quokka42") == std::string::npos);     // never the report's text
    auto parsed = mime::parseMessage(status[0].raw);
    CHECK(parsed.subject.find(id) != std::string::npos);
    CHECK(parsed.header("In-Reply-To") == "<a1@researcher.example>");

    f.clock().advance(std::chrono::hours{24 * 3});
    CHECK(apply(f, id, make(Verb::Fix)).stagesCompleted == std::vector<std::string>{"fix"});
    Action release = make(Verb::Release);
    release.version = "0.2.7";
    auto released = apply(f, id, release);
    CHECK(released.stagesCompleted == std::vector<std::string>{"release"});
    CHECK(f.store().report(id)->fixedVersion == "0.2.7");
    auto releasedMail = bodyOf(mailsOfKind(f.store(), id, "status").back().raw);
    CHECK(releasedMail.find("released in version 0.2.7") != std::string::npos);

    Action disclose = make(Verb::Disclose);
    disclose.date = "2027-01-15";
    auto disclosed = apply(f, id, disclose);
    CHECK(disclosed.stagesCompleted == std::vector<std::string>{"disclosure"});
    CHECK(bodyOf(mailsOfKind(f.store(), id, "status").back().raw).find("2027-01-15") != std::string::npos);

    Action close = make(Verb::Close);
    close.reason = "fixed and disclosed";
    auto closed = apply(f, id, close);
    CHECK(closed.state == "closed");
    CHECK(mailsOfKind(f.store(), id, "status").size() == 5);  // assess, fix, release, disclose, close
    // Every stage is done: nothing is overdue and nothing will be escalated.
    auto final = ctl::reportTimeline(f.rt(), id);
    REQUIRE(final);
    for (const auto& s : (*final)["stages"]) CHECK(s["state"] == "done");
    CHECK(service::runEscalations(f.rt(), f.clock().now() + std::chrono::hours{24 * 90}).alertsQueued == 0);
    CHECK(hasAudit(f.store(), id, "action.assess"));
    CHECK(hasAudit(f.store(), id, "action.close"));
    for (const auto& a : f.store().auditOf(id))
        if (a.event == "action.assess") CHECK(a.actor == "secmailctl:alice");
}

TEST_CASE("an assessment stops the escalation of the assessment window") {
    RuntimeFixture f;
    REQUIRE_MESSAGE(f.ok(), f.problems());
    const TimePoint received = f.clock().now();
    auto id = *f.ingest(kReport).reportId;
    f.store().completeStage(id, "acknowledgment", received, "test");
    // The warning at 75% of the 72 hours was sent...
    CHECK(service::runEscalations(f.rt(), received + std::chrono::hours{54}).alertsQueued == 1);
    f.clock().advance(std::chrono::hours{60});
    Action assess = make(Verb::Assess);
    assess.severity = "low";
    REQUIRE(apply(f, id, assess).done);
    // ...and after the assessment nothing more about it: no missed-window mail at 72 hours.
    auto later = service::runEscalations(f.rt(), received + std::chrono::hours{80});
    CHECK(later.alertsQueued == 0);
}

TEST_CASE("refused actions change nothing and say why") {
    RuntimeFixture f;
    REQUIRE_MESSAGE(f.ok(), f.problems());
    auto id = *f.ingest(kReport).reportId;
    const auto auditBefore = f.store().auditOf(id).size();

    auto unknown = apply(f, "SEC-2026-9999", make(Verb::Ack));
    CHECK_FALSE(unknown.done);
    CHECK(unknown.refusal.find("no report SEC-2026-9999") != std::string::npos);

    Action badSeverity = make(Verb::Assess);
    badSeverity.severity = "urgent";
    auto bad = apply(f, id, badSeverity);
    CHECK_FALSE(bad.done);
    CHECK(bad.refusal.find("severity") != std::string::npos);
    CHECK_FALSE(f.store().report(id)->severity);

    auto reopenOpen = apply(f, id, make(Verb::Reopen));
    CHECK_FALSE(reopenOpen.done);
    CHECK(reopenOpen.refusal.find("not closed") != std::string::npos);

    Action close = make(Verb::Close);
    close.reason = "duplicate";
    REQUIRE(apply(f, id, close).done);
    auto fixClosed = apply(f, id, make(Verb::Fix));
    CHECK_FALSE(fixClosed.done);
    CHECK(fixClosed.refusal.find("closed") != std::string::npos);
    // Only the close wrote to the trail (its action, its status mail).
    auto trail = f.store().auditOf(id);
    CHECK(trail.size() == auditBefore + 2);

    // A note is taken on a closed report, and kept sealed from the reporter.
    Action note = make(Verb::Note);
    note.text = "internal: same root cause as the earlier report";
    CHECK(apply(f, id, note).done);
    auto notes = f.store().notes(id);
    REQUIRE(notes.size() == 1);
    CHECK(notes[0].text == note.text);
    CHECK(notes[0].actor == "secmailctl:alice");
    CHECK(mailsOfKind(f.store(), id, "status").size() == 1);  // the close only

    auto reopened = apply(f, id, make(Verb::Reopen));
    CHECK(reopened.done);
    CHECK(reopened.state == "reopened");
}

TEST_CASE("a reply goes to the reporter threaded with the report, as the maintainer wrote it") {
    RuntimeFixture f;
    REQUIRE_MESSAGE(f.ok(), f.problems());
    auto id = *f.ingest(kReport).reportId;
    Action reply = make(Verb::Reply);
    reply.text = "Thanks Jane, could you tell us which browser you used?";
    auto out = apply(f, id, reply);
    REQUIRE(out.done);
    CHECK(out.mailKind == "reply");
    auto mails = mailsOfKind(f.store(), id, "reply");
    REQUIRE(mails.size() == 1);
    auto parsed = mime::parseMessage(mails[0].raw);
    CHECK(parsed.text.find("which browser you used?") != std::string::npos);
    CHECK(parsed.header("In-Reply-To") == "<a1@researcher.example>");
    CHECK_FALSE(parsed.header("Auto-Submitted"));  // a person wrote it
    CHECK(mails[0].recipient == "jane@researcher.example");
    // The text is in the outbox (sealed at rest when [gpg] is on), never in the audit trail.
    for (const auto& a : f.store().auditOf(id)) CHECK(a.detail.find("browser") == std::string::npos);
}

TEST_CASE("a critical report walked through PersonaLab's policy: business-day assessment, then resolution by release") {
    // Friday 2026-11-27 10:00 UTC: five business days later is Friday 2026-12-04.
    RuntimeFixture f("personalab.toml", "", fromUnix(1795773600));
    REQUIRE_MESSAGE(f.ok(), f.problems());
    auto id = *f.ingest(kReport).reportId;
    REQUIRE(apply(f, id, make(Verb::Ack)).stagesCompleted == std::vector<std::string>{"acknowledgment"});
    auto before = ctl::reportTimeline(f.rt(), id);
    REQUIRE(before);
    for (const auto& s : (*before)["stages"]) {
        if (s["stage"] == "assessment") CHECK(s["due"] == "2026-12-04T10:00:00Z");
        if (s["stage"] == "resolution") CHECK(s["conditional"] == true);  // only for critical; no severity yet
    }
    f.clock().advance(std::chrono::hours{24 * 3});
    Action assess = make(Verb::Assess);
    assess.severity = "critical";
    CHECK(apply(f, id, assess).stagesCompleted == std::vector<std::string>{"assessment"});
    auto after = ctl::reportTimeline(f.rt(), id);
    REQUIRE(after);
    for (const auto& s : (*after)["stages"])
        if (s["stage"] == "resolution") {
            CHECK(s["state"] == "open");  // critical: the 90-day window applies
            CHECK(s["conditional"] == false);
        }
    Action release = make(Verb::Release);
    release.version = "1.4.0";
    CHECK(apply(f, id, release).stagesCompleted == std::vector<std::string>{"resolution"});
    Action close = make(Verb::Close);
    close.reason = "released in 1.4.0";
    CHECK(apply(f, id, close).state == "closed");
    auto final = ctl::reportTimeline(f.rt(), id);
    REQUIRE(final);
    for (const auto& s : (*final)["stages"]) CHECK(s["state"] == "done");
    // A reporter's mail on the closed report reopens it for triage and tells the maintainers.
    const std::string followUp =
        "From: Jane Researcher <jane@researcher.example>\r\nTo: security@example.org\r\nSubject: Re: [" + id +
        "] XSS in titles\r\nIn-Reply-To: <a1@researcher.example>\r\nMessage-ID: <a2@researcher.example>\r\n\r\n"
        "It still works in 1.4.0.\r\n";
    auto again = f.ingest(followUp);
    CHECK(again.outcome == "follow-up");
    CHECK(f.store().report(id)->state == "reopened");
    bool told = false;
    for (const auto& o : f.store().outboxForReport(id))
        if (o.kind == "maintainer-notice" && o.raw.find("Reopened") != std::string::npos) told = true;
    CHECK(told);
}
