// Escalations through the service with a fake clock and a real store: mails
// queued to each level's addresses at the policy's moments, each alert once
// across passes and restarts, quiet reports not looked at, and nothing
// after the stage is done.
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <tuple>

#include "../support/runtime_fixture.hpp"
#include "secmaild/ctl/deadlines.hpp"
#include "secmaild/ctl/status.hpp"
#include "secmaild/mime/message.hpp"
#include "secmaild/service/bounces.hpp"
#include "secmaild/service/escalations.hpp"
#include "secmaild/service/key_health.hpp"
#include "secmaild/util/time_format.hpp"

using namespace secmaild;
using testing::RuntimeFixture;

namespace {

const std::string kReport =
    "From: Jane Researcher <jane@researcher.example>\r\nTo: security@example.org\r\nSubject: XSS\r\n"
    "Message-ID: <e1@researcher.example>\r\n\r\nDescription: stored XSS in titles.\r\n\r\nSteps to reproduce:\r\n"
    "1. Name a chat <script>\r\n\r\nImpact: account takeover.\r\n";

std::vector<store::OutboxItem> escalationMails(store::Store& store, const std::string& reportId) {
    std::vector<store::OutboxItem> out;
    for (auto& o : store.outboxForReport(reportId))
        if (o.kind == "escalation") out.push_back(std::move(o));
    return out;
}

std::string subjectOf(const std::string& raw) {
    return mime::parseMessage(raw).subject;
}

}  // namespace

TEST_CASE("an unassessed report is escalated at 75%, at the deadline, daily, then to the second level") {
    RuntimeFixture f;
    REQUIRE_MESSAGE(f.ok(), f.problems());
    const TimePoint received = f.clock().now();
    auto filed = f.ingest(kReport);
    REQUIRE(filed.reportId);
    const std::string id = *filed.reportId;
    // The acknowledgment was "sent" at once (the automatic ack completes its stage).
    f.store().completeStage(id, "acknowledgment", received, "test");

    auto first = service::runEscalations(f.rt(), received);
    CHECK(first.reportsLooked == 1);
    CHECK(first.alertsQueued == 0);
    REQUIRE(first.nextDue);
    CHECK(*first.nextDue == received + std::chrono::hours{54});  // 75% of 72 hours

    // Quiet until then: the report is not even looked at.
    CHECK(service::runEscalations(f.rt(), received + std::chrono::hours{10}).reportsLooked == 0);

    auto warned = service::runEscalations(f.rt(), received + std::chrono::hours{54});
    CHECK(warned.alertsQueued == 1);  // the shipped level has one address
    auto mails = escalationMails(f.store(), id);
    REQUIRE(mails.size() == 1);
    CHECK(mails[0].recipient == "security@personal-chatter.org");
    CHECK(subjectOf(mails[0].raw) == "[" + id + "] Due soon: Preliminary assessment and severity classification");
    CHECK(mails[0].raw.find("in 18 hours") != std::string::npos);
    // The report's words never go to maintainers in clear.
    CHECK(mails[0].raw.find("stored XSS") == std::string::npos);

    // Twice at the same moment (a restart): nothing new.
    CHECK(service::runEscalations(f.rt(), received + std::chrono::hours{54}).alertsQueued == 0);
    f.store().invalidateAlertPlan(id);
    CHECK(service::runEscalations(f.rt(), received + std::chrono::hours{55}).alertsQueued == 0);

    service::runEscalations(f.rt(), received + std::chrono::hours{72});
    service::runEscalations(f.rt(), received + std::chrono::hours{96});
    service::runEscalations(f.rt(), received + std::chrono::hours{120});
    mails = escalationMails(f.store(), id);
    REQUIRE(mails.size() == 5);
    CHECK(subjectOf(mails[1].raw) == "[" + id + "] MISSED: Preliminary assessment and severity classification");
    CHECK(mails[1].raw.find("It is 0 minutes late") != std::string::npos);
    CHECK(subjectOf(mails[2].raw).rfind("[" + id + "] Still missed", 0) == 0);
    // At 120 hours: the second repeat and the second level (48 hours after the deadline).
    bool escalated = false;
    for (const auto& m : mails) escalated |= subjectOf(m.raw).find("ESCALATED") != std::string::npos;
    CHECK(escalated);
    auto alerts = f.store().alertsOf(id);
    CHECK(alerts.size() == 5);

    // Assessed: no more about it.
    f.store().completeStage(id, "assessment", received + std::chrono::hours{121}, "maintainer");
    service::runEscalations(f.rt(), received + std::chrono::hours{150});
    for (const auto& m : escalationMails(f.store(), id))
        if (m.createdAt > received + std::chrono::hours{121})
            CHECK(subjectOf(m.raw).find("Preliminary assessment") == std::string::npos);
}

TEST_CASE("a closed report is never escalated") {
    RuntimeFixture f;
    REQUIRE_MESSAGE(f.ok(), f.problems());
    const TimePoint received = f.clock().now();
    auto filed = f.ingest(kReport);
    REQUIRE(filed.reportId);
    f.store().setReportState(*filed.reportId, "closed", received);
    auto r = service::runEscalations(f.rt(), received + std::chrono::hours{24 * 60});
    CHECK(r.alertsQueued == 0);
    CHECK(r.reportsLooked == 0);
    CHECK_FALSE(r.nextDue);
}

TEST_CASE("secmailctl overdue lists what is late and since when; timeline shows due, done and alert times") {
    RuntimeFixture f;
    REQUIRE_MESSAGE(f.ok(), f.problems());
    const TimePoint received = f.clock().now();
    auto filed = f.ingest(kReport);
    REQUIRE(filed.reportId);
    const std::string id = *filed.reportId;
    f.store().completeStage(id, "acknowledgment", received, "test");
    CHECK(ctl::overdueReports(f.rt())["overdue"].empty());

    f.clock().set(received + std::chrono::hours{80});
    service::runEscalations(f.rt(), f.clock().now());
    auto overdue = ctl::overdueReports(f.rt());
    REQUIRE(overdue["overdue"].size() == 1);
    CHECK(overdue["overdue"][0]["report_id"] == id);
    CHECK(overdue["overdue"][0]["stage"] == "assessment");
    CHECK(overdue["overdue"][0]["late_seconds"] == 8 * 3600);
    CHECK(overdue["overdue"][0]["alerts_sent"] == 1);  // the missed mail (the stale warning gave way)
    CHECK(overdue["overdue"][0]["last_alert"]["kind"] == "missed");
    std::ostringstream text;
    ctl::writeOverdue(text, f.rt(), ctl::OverdueWriter::Format::Text);
    CHECK(text.str() == id + "  Preliminary assessment and severity classification  due " + overdue["overdue"][0]["due"].get<std::string>() +
                            ", late 0d 8h  (1 alerts sent)\n");

    auto timeline = ctl::reportTimeline(f.rt(), id);
    REQUIRE(timeline);
    CHECK((*timeline)["stages"][0]["state"] == "done");
    CHECK((*timeline)["stages"][1]["state"] == "overdue");
    CHECK((*timeline)["stages"][1]["alerts"][0]["kind"] == "missed");
    CHECK((*timeline)["stages"][4]["due"].is_null());  // disclosure waits for the release
    CHECK_FALSE(ctl::reportTimeline(f.rt(), "SEC-1999-0001"));
}

TEST_CASE("overdue reads the deadlines stored with each plan and computes only reports changed since") {
    RuntimeFixture f;
    REQUIRE_MESSAGE(f.ok(), f.problems());
    const TimePoint received = f.clock().now();
    auto reportFrom = [&](const std::string& who) {
        std::string raw = kReport;
        raw.replace(raw.find("jane@"), 5, who + "@");
        raw.replace(raw.find("<e1@"), 4, "<" + who + "@");
        auto filed = f.ingest(raw);
        REQUIRE(filed.reportId);
        return *filed.reportId;
    };
    const std::string a = reportFrom("ann"), b = reportFrom("bob"), closed = reportFrom("cid");
    f.store().setReportState(closed, "closed", received);
    f.clock().set(received + std::chrono::hours{24 * 30});
    auto pass = service::runEscalations(f.rt(), f.clock().now());
    CHECK(pass.reportsLooked == 2);
    REQUIRE(f.store().planPolicy() == f.rt().policy.digest);

    const auto planned = ctl::overdueReports(f.rt());
    std::set<std::string> reports;
    for (const auto& o : planned["overdue"]) {
        reports.insert(o["report_id"].get<std::string>());
        int sent = 0;
        for (const auto& al : f.store().alertsOf(o["report_id"].get<std::string>())) sent += al.stage == o["stage"];
        CHECK(o["alerts_sent"] == sent);
    }
    CHECK(reports == std::set<std::string>{a, b});
    CHECK(planned["overdue"].size() == f.store().deadlinesDueBy(f.clock().now()).size());

    SUBCASE("the stored rows are what it reads") {
        f.store().db().exec("UPDATE deadlines SET alerts_sent = 99 WHERE report_id = '" + b + "'");
        const auto edited = ctl::overdueReports(f.rt());
        for (const auto& o : edited["overdue"]) CHECK((o["alerts_sent"] == 99) == (o["report_id"] == b));
    }
    SUBCASE("plans made under another policy text are computed, with the same result, and replanned by the next pass") {
        CHECK_FALSE(f.store().adoptPlanPolicy("another policy"));
        CHECK(f.store().deadlinesDueBy(f.clock().now()).empty());
        CHECK(ctl::overdueReports(f.rt()) == planned);
        const auto queuedBefore = escalationMails(f.store(), a).size();
        auto again = service::runEscalations(f.rt(), f.clock().now());
        CHECK(again.reportsLooked == 2);
        CHECK(again.alertsQueued == 0);  // replanning sends nothing twice
        CHECK(escalationMails(f.store(), a).size() == queuedBefore);
        CHECK(ctl::overdueReports(f.rt()) == planned);
    }
    SUBCASE("a report changed since the pass is computed from its facts at once") {
        f.store().completeStage(a, "assessment", f.clock().now(), "test");
        auto now = ctl::overdueReports(f.rt());
        bool aAssessment = false, bLate = false;
        for (const auto& o : now["overdue"]) {
            aAssessment |= o["report_id"] == a && o["stage"] == "assessment";
            bLate |= o["report_id"] == b;
        }
        CHECK_FALSE(aAssessment);
        CHECK(bLate);
        // Computed and stored rows merged in one order: the longest late first.
        for (std::size_t i = 1; i < now["overdue"].size(); ++i) {
            const auto& x = now["overdue"][i - 1];
            const auto& y = now["overdue"][i];
            CHECK(std::tie(x["due"], x["report_id"], x["stage"]) <= std::tie(y["due"], y["report_id"], y["stage"]));
        }
        CHECK(now["overdue"].size() < planned["overdue"].size());
    }
}

TEST_CASE("overdue JSON is valid JSON for any stored text: quotes, backslashes, control bytes, broken UTF-8") {
    RuntimeFixture f;
    REQUIRE_MESSAGE(f.ok(), f.problems());
    std::ostringstream out;
    ctl::OverdueWriter writer(out, ctl::OverdueWriter::Format::Json, f.rt().policy, fromUnix(2000000));
    store::DeadlineRow d;
    d.reportId = "SEC-2026-0001";
    d.stage = "no-such-stage";  // a stage the policy no longer has is shown by its name
    d.dueAt = fromUnix(1000000);
    d.reportState = "new";
    d.reporter = std::string("\"odd\\name\"\t\x01@example.org \xff", 26);
    writer.add(d);
    d.stage = "assessment";
    d.alertsSent = 3;
    d.lastAlertKind = "repeat";
    d.lastAlertLevel = 1;
    d.lastAlertAt = fromUnix(1500000);
    writer.add(d);
    writer.finish();
    const auto j = nlohmann::json::parse(out.str());
    REQUIRE(j["overdue"].size() == 2);
    CHECK(j["now"] == formatIsoUtc(fromUnix(2000000)));
    CHECK(j["overdue"][0]["reporter"] == "\"odd\\name\"\t\x01@example.org \xef\xbf\xbd");
    CHECK(j["overdue"][0]["title"] == "no-such-stage");
    CHECK(j["overdue"][0]["last_alert"].is_null());
    CHECK(j["overdue"][0]["late_seconds"] == 1000000);
    CHECK(j["overdue"][1]["title"] == "Preliminary assessment and severity classification");
    CHECK(j["overdue"][1]["last_alert"] ==
          nlohmann::json{{"kind", "repeat"}, {"level", 1}, {"sent_at", formatIsoUtc(fromUnix(1500000))}});
    std::ostringstream none;
    ctl::OverdueWriter(none, ctl::OverdueWriter::Format::Json, f.rt().policy, fromUnix(0)).finish();
    CHECK(nlohmann::json::parse(none.str())["overdue"].empty());
}

TEST_CASE("a bounced escalation is matched to its level and the next level is told at once") {
    // The shipped policy with a dead first-level address and a live second level.
    testing::TempDir policyDir;
    std::ifstream in(std::filesystem::path(SECMAILD_SOURCE_DIR) / "config/policies/personal-chatter.toml");
    std::string policy((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string level = "addresses = [\"security@personal-chatter.org\"]\nafter = \"";
    auto first = policy.find(level);
    REQUIRE(first != std::string::npos);
    policy.replace(first, level.size(), "addresses = [\"dead@example.org\"]\nafter = \"");
    auto second = policy.find(level);
    REQUIRE(second != std::string::npos);
    policy.replace(second, level.size(), "addresses = [\"lead@example.org\"]\nafter = \"");
    std::ofstream(policyDir / "p.toml") << policy;

    RuntimeFixture f((policyDir / "p.toml").string());
    REQUIRE_MESSAGE(f.ok(), f.problems());
    const TimePoint received = f.clock().now();
    auto id = *f.ingest(kReport).reportId;
    f.store().completeStage(id, "acknowledgment", received, "test");
    service::runEscalations(f.rt(), received + std::chrono::hours{72});
    std::optional<store::OutboxItem> missed;
    for (auto& m : escalationMails(f.store(), id))
        if (subjectOf(m.raw).find("MISSED") != std::string::npos) missed = m;
    REQUIRE(missed);
    REQUIRE(missed->recipient == "dead@example.org");

    // Postfix's bounce: the returned headers name the escalation; nothing else does.
    const std::string dsn =
        "From: MAILER-DAEMON@mail.example.org (Mail Delivery System)\r\nTo: security@example.org\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nAuto-Submitted: auto-replied\r\n"
        "Message-ID: <bounce-1@mail.example.org>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r\n\r\n"
        "--b1\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your message could not\r\n"
        "be delivered.\r\n--b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mail.example.org\r\n\r\n"
        "Final-Recipient: rfc822; dead@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        "--b1\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: security@example.org\r\nTo: dead@example.org\r\n"
        "Subject: " + subjectOf(missed->raw) + "\r\nMessage-ID: " + missed->messageId + "\r\n\r\n--b1--\r\n";
    f.clock().advance(std::chrono::hours{72} + std::chrono::minutes{5});
    CHECK(service::returnedMessageIds(dsn) == std::vector<std::string>{missed->messageId});
    auto bounced = f.ingest(dsn);
    CHECK(bounced.outcome == "bounce");
    CHECK(bounced.reportId == id);
    CHECK_FALSE(bounced.answerQueued);
    std::vector<store::OutboxItem> toLead;
    for (auto& m : escalationMails(f.store(), id))
        if (m.recipient == "lead@example.org") toLead.push_back(m);
    REQUIRE(toLead.size() == 1);
    CHECK(subjectOf(toLead[0].raw).find("bounced") != std::string::npos);
    CHECK(mime::parseMessage(toLead[0].raw).text.find("dead@example.org") != std::string::npos);
    bool audited = false;
    for (const auto& a : f.store().auditOf(id)) audited = audited || a.event == "escalation.bounced";
    CHECK(audited);
}

TEST_CASE("a key is healthy until 14 days before it expires; revoked, expired or unable to encrypt it is not") {
    const TimePoint now = fromUnix(1795473753);
    pgp::KeyInfo k;
    k.fingerprint = "0123456789ABCDEF0123456789ABCDEF01234567";
    k.canEncrypt = true;
    CHECK(pgp::keyHealth(k, now) == "ok");  // never expires
    k.expires = now + pgp::kKeyExpiryWarning + std::chrono::hours{1};
    CHECK(pgp::keyHealth(k, now) == "ok");
    k.expires = now + pgp::kKeyExpiryWarning - std::chrono::hours{1};
    CHECK(pgp::keyHealth(k, now) == "expires-soon");
    k.expires = now - std::chrono::seconds{1};
    CHECK(pgp::keyHealth(k, now) == "expired");
    k.expires.reset();
    k.canEncrypt = false;
    CHECK(pgp::keyHealth(k, now) == "unusable");
    k.revoked = true;
    CHECK(pgp::keyHealth(k, now) == "revoked");
}

TEST_CASE("an expiring key is told to the maintainers once a week, at once when it then expires, never when healthy") {
    RuntimeFixture f("personal-chatter.toml", "[notify]\nmaintainers = [\"lead@example.org\"]\n");
    REQUIRE_MESSAGE(f.ok(), f.problems());
    auto& rt = f.rt();
    // OpenPGP's key facts without gpg: the notices depend only on them.
    rt.config.gpg = config::Gpg{};
    rt.config.gpg->signAnswers = false;
    rt.openpgp.emplace();
    const TimePoint start = f.clock().now();
    rt.openpgp->ourKey.fingerprint = "0123456789ABCDEF0123456789ABCDEF01234567";
    rt.openpgp->ourKey.userIds = {"Example security team <security@example.org>"};
    rt.openpgp->ourKey.canEncrypt = true;
    rt.openpgp->ourKey.expires = start + std::chrono::hours{24 * 20};
    auto notices = [&] {
        std::vector<store::OutboxItem> out;
        for (auto& o : f.store().dueOutbox(start + std::chrono::hours{24 * 400}))
            if (o.kind == "key-health") out.push_back(std::move(o));
        return out;
    };
    CHECK(service::noticeKeyHealth(rt, start) == 0);  // 20 days left: healthy
    CHECK(service::noticeKeyHealth(rt, start + std::chrono::hours{24 * 7}) == 1);  // 13 days left
    auto first = notices();
    REQUIRE(first.size() == 1);
    CHECK(first[0].recipient == "lead@example.org");
    CHECK(subjectOf(first[0].raw).find("expires on") != std::string::npos);
    CHECK(first[0].raw.find("once a week until it is fixed") != std::string::npos);
    CHECK(service::noticeKeyHealth(rt, start + std::chrono::hours{24 * 10}) == 0);  // within the week
    CHECK(service::noticeKeyHealth(rt, start + std::chrono::hours{24 * 14}) == 1);  // a week later
    CHECK(service::noticeKeyHealth(rt, start + std::chrono::hours{24 * 20}) == 1);  // expired: at once
    CHECK(subjectOf(notices().back().raw).find("EXPIRED") != std::string::npos);
    CHECK(service::noticeKeyHealth(rt, start + std::chrono::hours{24 * 21}) == 0);

    SUBCASE("a revoked maintainer key is told at once, to the first escalation level without [notify]") {
        rt.config.notify.maintainers.clear();
        pgp::KeyInfo theirs;
        theirs.fingerprint = "FEDCBA9876543210FEDCBA9876543210FEDCBA98";
        theirs.canEncrypt = true;
        theirs.revoked = true;
        rt.openpgp->maintainerKeys.push_back(theirs);
        CHECK(service::noticeKeyHealth(rt, start + std::chrono::hours{24 * 22}) ==
              static_cast<int>(rt.policy.escalation.levels.front().addresses.size()));
        CHECK(subjectOf(notices().back().raw).find("REVOKED") != std::string::npos);
    }
}
