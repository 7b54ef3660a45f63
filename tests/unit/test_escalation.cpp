// The escalation plan with a fake clock: months of a policy in milliseconds.
// A simulated scheduler steps the clock, "sends" what is due (remembers its
// key) and records when; the tests read that log.
#include <doctest/doctest.h>

#include <date/date.h>

#include "secmaild/policy/calendar.hpp"
#include "secmaild/policy/escalation.hpp"

using namespace secmaild;
using namespace secmaild::policy;
using namespace std::chrono;

namespace {

TimePoint utc(int y, unsigned m, unsigned d, int hh, int mm = 0) {
    return TimePoint{date::sys_days{date::year{y} / date::month{m} / date::day{d}}} + hours{hh} + minutes{mm};
}

Policy shipped(const char* name) {
    auto loaded = loadPolicy(std::filesystem::path(SECMAILD_SOURCE_DIR) / "config/policies" / name);
    for (const auto& p : loaded.problems) MESSAGE(config::describe(p));
    REQUIRE(loaded.policy);
    return *loaded.policy;
}

struct Sent {
    std::string key;
    TimePoint at;  // when the simulated scheduler sent it
    Alert alert;
};

// Runs the plan from `from` to `to`, waking at each `next` (as the daemon's
// timer would) and additionally every `tick` (as its poll would).
class Simulation {
public:
    Simulation(const Policy& p, ReportFacts facts) : policy_(p), calendar_(Calendar::forPolicy(p).value()), facts_(std::move(facts)) {}

    void runUntil(TimePoint to, minutes tick = minutes{60}) {
        while (now_ < to) {
            step();
            auto plan = planAlerts(policy_, calendar_, facts_, keys_, lastContact_, now_);
            TimePoint wake = now_ + tick;
            if (plan.next && *plan.next < wake) wake = *plan.next;
            now_ = std::min(wake, to);
        }
        step();
    }

    // One wake-up: send everything due now.
    void step() {
        auto plan = planAlerts(policy_, calendar_, facts_, keys_, lastContact_, now_);
        for (const auto& a : plan.due) {
            CHECK_MESSAGE(keys_.insert(a.key).second, "sent twice: " << a.key);
            log_.push_back({a.key, now_, a});
        }
    }

    std::vector<std::string> keys() const {
        std::vector<std::string> out;
        for (const auto& s : log_) out.push_back(s.key);
        return out;
    }
    const Sent* find(const std::string& key) const {
        for (const auto& s : log_)
            if (s.key == key) return &s;
        return nullptr;
    }

    const Policy& policy_;
    Calendar calendar_;
    ReportFacts facts_;
    std::set<std::string> keys_;
    std::optional<TimePoint> lastContact_;
    std::vector<Sent> log_;
    TimePoint now_;
};

}  // namespace

TEST_CASE("a report nobody assesses: warning at 75%, missed at the deadline, daily repeats, the lead after 48h") {
    auto p = shipped("personal-chatter.toml");
    ReportFacts facts;
    facts.receivedAt = utc(2026, 11, 23, 10);
    facts.completed["acknowledgment"] = facts.receivedAt;  // the automatic acknowledgment
    Simulation sim(p, facts);
    sim.now_ = facts.receivedAt;
    sim.runUntil(utc(2026, 11, 29, 10));  // six days

    // Assessment: 72h window, so the warning comes at 54h, the miss at 72h.
    auto warning = sim.find("assessment/warning");
    REQUIRE(warning);
    CHECK(warning->at == utc(2026, 11, 25, 16));
    CHECK(warning->alert.level == 0);
    auto missed = sim.find("assessment/missed");
    REQUIRE(missed);
    CHECK(missed->at == utc(2026, 11, 26, 10));
    auto lead = sim.find("assessment/level/1");
    REQUIRE(lead);
    CHECK(lead->at == utc(2026, 11, 28, 10));
    CHECK(lead->alert.level == 1);
    REQUIRE(sim.find("assessment/repeat/1"));
    CHECK(sim.find("assessment/repeat/1")->at == utc(2026, 11, 27, 10));
    CHECK(sim.find("assessment/repeat/3"));
    CHECK_FALSE(sim.find("assessment/repeat/4"));
    // The fix window (7 days) has only reached its warning (at 126h = 28 Nov 16:00).
    CHECK(sim.find("fix/warning"));
    CHECK_FALSE(sim.find("fix/missed"));
    // The release stage depends on a severity nobody has set: it never alerts.
    for (const auto& k : sim.keys()) CHECK(k.rfind("release/", 0) != 0);
    // Acknowledgment was done at once: nothing about it.
    for (const auto& k : sim.keys()) CHECK(k.rfind("acknowledgment/", 0) != 0);
}

TEST_CASE("completing a stage stops its alerts, and the next stage's window counts from it") {
    auto p = shipped("personal-chatter.toml");
    ReportFacts facts;
    facts.receivedAt = utc(2026, 11, 23, 10);
    facts.completed["acknowledgment"] = facts.receivedAt;
    Simulation sim(p, facts);
    sim.now_ = facts.receivedAt;
    sim.runUntil(utc(2026, 11, 26, 12));  // assessment missed at 10:00
    CHECK(sim.find("assessment/missed"));
    sim.facts_.completed["assessment"] = utc(2026, 11, 26, 12);
    sim.facts_.severity = "high";
    sim.facts_.completed["fix"] = utc(2026, 11, 27, 9);
    sim.facts_.completed["release"] = utc(2026, 12, 1, 9);
    sim.runUntil(utc(2027, 1, 2, 0));
    CHECK_FALSE(sim.find("assessment/repeat/1"));
    CHECK_FALSE(sim.find("fix/missed"));
    CHECK_FALSE(sim.find("release/missed"));
    // Disclosure: 30 days after the release (31 Dec 09:00), warned at 75% (22.5 days: 23 Dec 21:00).
    REQUIRE(sim.find("disclosure/warning"));
    CHECK(sim.find("disclosure/warning")->at == utc(2026, 12, 23, 21));
    REQUIRE(sim.find("disclosure/missed"));
    CHECK(sim.find("disclosure/missed")->at == utc(2026, 12, 31, 9));
}

TEST_CASE("the release window alerts only once the severity makes it apply") {
    auto p = shipped("personal-chatter.toml");
    ReportFacts facts;
    facts.receivedAt = utc(2026, 11, 23, 10);
    facts.completed["acknowledgment"] = facts.receivedAt;
    facts.completed["assessment"] = utc(2026, 11, 24, 10);
    facts.completed["fix"] = utc(2026, 11, 25, 10);
    SUBCASE("low: never") {
        facts.severity = "low";
        Simulation sim(p, facts);
        sim.now_ = facts.receivedAt;
        sim.runUntil(utc(2026, 12, 20, 0));
        CHECK_FALSE(sim.find("release/missed"));
    }
    SUBCASE("critical: at 14 days") {
        facts.severity = "critical";
        Simulation sim(p, facts);
        sim.now_ = facts.receivedAt;
        sim.runUntil(utc(2026, 12, 20, 0));
        REQUIRE(sim.find("release/missed"));
        CHECK(sim.find("release/missed")->at == utc(2026, 12, 7, 10));
    }
}

TEST_CASE("after the daemon was down, a stale warning gives way to the missed mail and only the latest repeat goes") {
    auto p = shipped("personal-chatter.toml");
    ReportFacts facts;
    facts.receivedAt = utc(2026, 11, 23, 10);
    facts.completed["acknowledgment"] = facts.receivedAt;
    auto cal = Calendar::forPolicy(p).value();
    // Down from receipt until 5 days and 1 hour later (assessment missed 2 days and 1 hour ago).
    auto plan = planAlerts(p, cal, facts, {}, std::nullopt, utc(2026, 11, 28, 11));
    std::vector<std::string> keys;
    for (const auto& a : plan.due) keys.push_back(a.key);
    CHECK(std::find(keys.begin(), keys.end(), "assessment/warning") == keys.end());
    CHECK(std::find(keys.begin(), keys.end(), "assessment/missed") != keys.end());
    CHECK(std::find(keys.begin(), keys.end(), "assessment/repeat/2") != keys.end());
    CHECK(std::find(keys.begin(), keys.end(), "assessment/repeat/1") == keys.end());
    CHECK(std::find(keys.begin(), keys.end(), "assessment/level/1") != keys.end());
    // The fix window's warning (at 126 of its 168 hours) is still ahead: it is the next wake-up.
    CHECK(std::find(keys.begin(), keys.end(), "fix/warning") == keys.end());
    REQUIRE(plan.next);
    CHECK(*plan.next == utc(2026, 11, 28, 16));
}

TEST_CASE("a clock stepped back sends nothing a second time") {
    auto p = shipped("personal-chatter.toml");
    ReportFacts facts;
    facts.receivedAt = utc(2026, 11, 23, 10);
    facts.completed["acknowledgment"] = facts.receivedAt;
    Simulation sim(p, facts);
    sim.now_ = facts.receivedAt;
    sim.runUntil(utc(2026, 11, 27, 0));
    auto before = sim.log_.size();
    sim.now_ = utc(2026, 11, 25, 0);  // NTP steps the clock back two days
    sim.runUntil(utc(2026, 11, 27, 0));
    CHECK(sim.log_.size() == before);  // Simulation::step also CHECKs that no key repeats
}

TEST_CASE("a closed report has no alerts") {
    auto p = shipped("personal-chatter.toml");
    ReportFacts facts;
    facts.receivedAt = utc(2026, 11, 23, 10);
    facts.closed = true;
    auto plan = planAlerts(p, Calendar::forPolicy(p).value(), facts, {}, facts.receivedAt, utc(2027, 3, 1, 0));
    CHECK(plan.due.empty());
    CHECK_FALSE(plan.next);
}

TEST_CASE("PersonaLab: five business days across a weekend and a holiday, and a reminder after a week of silence") {
    auto p = shipped("personalab.toml");
    p.holidays = {date::sys_days{date::year{2026} / 12 / 24}.time_since_epoch().count(),
                  date::sys_days{date::year{2026} / 12 / 25}.time_since_epoch().count()};
    ReportFacts facts;
    facts.receivedAt = utc(2026, 12, 22, 9);  // a Tuesday
    facts.completed["acknowledgment"] = utc(2026, 12, 22, 9, 1);
    Simulation sim(p, facts);
    sim.lastContact_ = utc(2026, 12, 22, 9, 1);
    sim.now_ = facts.receivedAt;
    sim.runUntil(utc(2027, 1, 10, 0));
    // Wed 23, (24, 25 holidays, weekend), Mon 28, Tue 29, Wed 30, Thu 31 -> due Thu 31 Dec 09:00.
    REQUIRE(sim.find("assessment/missed"));
    CHECK(sim.find("assessment/missed")->at == utc(2026, 12, 31, 9));
    auto reminder = sim.find("reminder/" + std::to_string(toUnix(utc(2026, 12, 22, 9, 1))) + "/1");
    REQUIRE(reminder);
    CHECK(reminder->at == utc(2026, 12, 29, 9, 1));
    CHECK(reminder->alert.kind == Alert::Kind::ReporterReminder);
    // A status mail to the reporter restarts the count.
    sim.lastContact_ = utc(2027, 1, 4, 12);
    sim.runUntil(utc(2027, 1, 12, 0));
    CHECK(sim.find("reminder/" + std::to_string(toUnix(utc(2027, 1, 4, 12))) + "/1"));
}

TEST_CASE("a report walks through every Personal Chatter stage to closed in 90 simulated days") {
    auto p = shipped("personal-chatter.toml");
    ReportFacts facts;
    facts.receivedAt = utc(2026, 3, 20, 10);  // across the EU DST change (the policy is UTC: no effect)
    Simulation sim(p, facts);
    sim.now_ = facts.receivedAt;
    sim.facts_.completed["acknowledgment"] = facts.receivedAt;
    sim.runUntil(utc(2026, 3, 22, 10));
    sim.facts_.completed["assessment"] = utc(2026, 3, 22, 10);
    sim.facts_.severity = "high";
    sim.runUntil(utc(2026, 3, 30, 10));  // fix due 27 Mar 10:00: missed, repeated
    CHECK(sim.find("fix/missed"));
    CHECK(sim.find("fix/repeat/2"));
    sim.facts_.completed["fix"] = utc(2026, 3, 30, 10);
    sim.runUntil(utc(2026, 4, 2, 10));
    sim.facts_.completed["release"] = utc(2026, 4, 2, 10);
    sim.runUntil(utc(2026, 5, 1, 10));
    sim.facts_.completed["disclosure"] = utc(2026, 5, 1, 10);
    sim.facts_.closed = true;
    auto before = sim.log_.size();
    sim.runUntil(utc(2026, 6, 18, 0));
    CHECK(sim.log_.size() == before);
    // Release: 14 days from receipt (due 3 Apr 10:00), warned at 75% (30 Mar 22:00), done 2 Apr.
    REQUIRE(sim.find("release/warning"));
    CHECK(sim.find("release/warning")->at == utc(2026, 3, 30, 22));
    CHECK_FALSE(sim.find("release/missed"));
    // Disclosure: 30 days after the release, warned at 75% (24 Apr 22:00), done 1 May.
    CHECK(sim.find("disclosure/warning"));
    CHECK_FALSE(sim.find("disclosure/missed"));
}
