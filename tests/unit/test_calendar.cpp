// Due dates: hours are elapsed time, days keep the local time of day across
// DST, business days skip the policy's days off; the timeline says which
// stage is done, open, overdue, waiting or does not apply.
#include <doctest/doctest.h>

#include <date/date.h>

#include "secmaild/policy/calendar.hpp"
#include "secmaild/policy/timeline.hpp"

using namespace secmaild;
using namespace secmaild::policy;
using namespace std::chrono;

namespace {
TimePoint utc(int y, unsigned m, unsigned d, int hh, int mm = 0) {
    return TimePoint{date::sys_days{date::year{y} / date::month{m} / date::day{d}}} + hours{hh} + minutes{mm};
}

Policy policyIn(const std::string& zone, std::vector<unsigned> workingDays = {1, 2, 3, 4, 5}) {
    Policy p;
    p.timezone = zone;
    p.workingDays = std::move(workingDays);
    return p;
}

Calendar calendarFor(const Policy& p) {
    return Calendar::forPolicy(p).value();
}
}  // namespace

TEST_CASE("an hour window is elapsed time, even across a DST change") {
    auto cal = calendarFor(policyIn("Europe/Berlin"));
    // 28 Mar 2026 12:00 CET (11:00 UTC); the clocks go forward on 29 Mar.
    CHECK(cal.due(utc(2026, 3, 28, 11), {Window::Unit::Hours, 24}) == utc(2026, 3, 29, 11));
}

TEST_CASE("a day window keeps the local time of day across a DST change") {
    auto cal = calendarFor(policyIn("Europe/Berlin"));
    // 12:00 CET on 28 Mar is 11:00 UTC; 12:00 CEST on 29 Mar is 10:00 UTC.
    CHECK(cal.due(utc(2026, 3, 28, 11), {Window::Unit::Days, 1}) == utc(2026, 3, 29, 10));
    // Back in autumn: 12:00 CEST on 24 Oct (10:00 UTC) + 1 day = 12:00 CET (11:00 UTC).
    CHECK(cal.due(utc(2026, 10, 24, 10), {Window::Unit::Days, 1}) == utc(2026, 10, 25, 11));
}

TEST_CASE("business days skip the weekend") {
    auto cal = calendarFor(policyIn("UTC"));
    // Friday 20 Nov 2026 15:00 + 5 business days = Friday 27 Nov 15:00.
    CHECK(cal.due(utc(2026, 11, 20, 15), {Window::Unit::BusinessDays, 5}) == utc(2026, 11, 27, 15));
    // Wednesday + 3 business days = Monday.
    CHECK(cal.due(utc(2026, 11, 18, 9), {Window::Unit::BusinessDays, 3}) == utc(2026, 11, 23, 9));
}

TEST_CASE("a business-day window that starts on a day off starts the next working morning") {
    auto cal = calendarFor(policyIn("UTC"));
    // Saturday 21 Nov 10:00: counting starts Monday 00:00; 5 business days later is Monday 30 Nov 00:00.
    CHECK(cal.due(utc(2026, 11, 21, 10), {Window::Unit::BusinessDays, 5}) == utc(2026, 11, 30, 0));
}

TEST_CASE("business days follow the policy's own working days") {
    auto cal = calendarFor(policyIn("UTC", {7, 1, 2, 3, 4}));  // Sunday to Thursday
    // Thursday 19 Nov 12:00 + 1 business day = Sunday 22 Nov 12:00.
    CHECK(cal.due(utc(2026, 11, 19, 12), {Window::Unit::BusinessDays, 1}) == utc(2026, 11, 22, 12));
}

TEST_CASE("business days in a zone east of UTC use the local date") {
    auto cal = calendarFor(policyIn("Asia/Tokyo"));
    // Friday 23:30 UTC is Saturday 08:30 in Tokyo: a day off, so counting starts Monday 00:00 JST.
    // Monday 00:00 JST + 1 business day = Tuesday 00:00 JST = Monday 15:00 UTC.
    CHECK(cal.due(utc(2026, 11, 20, 23, 30), {Window::Unit::BusinessDays, 1}) == utc(2026, 11, 23, 15));
}

TEST_CASE("local times are shown with the policy's zone abbreviation") {
    auto cal = calendarFor(policyIn("Europe/Berlin"));
    CHECK(cal.formatLocal(utc(2026, 7, 1, 10)) == "Wed 01 Jul 2026 12:00 CEST");
    CHECK(calendarFor(policyIn("UTC")).formatLocal(utc(2026, 11, 23, 22, 42)) == "Mon 23 Nov 2026 22:42 UTC");
}

TEST_CASE("the report year is the local year of receipt") {
    auto cal = calendarFor(policyIn("Asia/Tokyo"));
    CHECK(cal.localYear(utc(2026, 12, 31, 20)) == 2027);
}

TEST_CASE("the Personal Chatter timeline from a receipt: concrete dates, release only for high/critical") {
    auto loaded = loadPolicy(std::filesystem::path(SECMAILD_SOURCE_DIR) / "config/policies/personal-chatter.toml");
    REQUIRE(loaded.policy);
    const auto& p = *loaded.policy;
    auto cal = calendarFor(p);
    ReportFacts facts;
    facts.receivedAt = utc(2026, 11, 23, 22, 42);
    auto t = computeTimeline(p, cal, facts, facts.receivedAt);
    REQUIRE(t.size() == 5);
    CHECK(*t[0].due == utc(2026, 11, 24, 22, 42));
    CHECK(*t[1].due == utc(2026, 11, 26, 22, 42));
    CHECK(*t[2].due == utc(2026, 11, 30, 22, 42));
    CHECK(*t[3].due == utc(2026, 12, 7, 22, 42));
    CHECK(t[3].conditional);
    CHECK_FALSE(t[4].due);
    CHECK(t[4].state == StageStatus::State::Waiting);

    SUBCASE("a missed window is overdue, a done one is done") {
        facts.completed["acknowledgment"] = utc(2026, 11, 23, 22, 43);
        auto later = computeTimeline(p, cal, facts, utc(2026, 11, 27, 0));
        CHECK(later[0].state == StageStatus::State::Done);
        CHECK(later[1].state == StageStatus::State::Overdue);
        CHECK(later[2].state == StageStatus::State::Open);
    }
    SUBCASE("once released, disclosure is due 30 days after the release") {
        facts.completed["release"] = utc(2026, 12, 1, 9);
        auto later = computeTimeline(p, cal, facts, utc(2026, 12, 2, 0));
        REQUIRE(later[4].due);
        CHECK(*later[4].due == utc(2026, 12, 31, 9));
    }
    SUBCASE("a low-severity report has no release deadline") {
        facts.severity = "low";
        auto later = computeTimeline(p, cal, facts, utc(2026, 12, 30, 0));
        CHECK(later[3].state == StageStatus::State::NotApplicable);
    }
}

TEST_CASE("the PersonaLab assessment is due five business days after receipt") {
    auto loaded = loadPolicy(std::filesystem::path(SECMAILD_SOURCE_DIR) / "config/policies/personalab.toml");
    REQUIRE(loaded.policy);
    auto cal = calendarFor(*loaded.policy);
    ReportFacts facts;
    facts.receivedAt = utc(2026, 11, 26, 16);  // a Thursday
    auto t = computeTimeline(*loaded.policy, cal, facts, facts.receivedAt);
    CHECK(*t[0].due == utc(2026, 11, 28, 16));
    CHECK(*t[1].due == utc(2026, 12, 3, 16));
    CHECK(*t[2].due == utc(2027, 2, 24, 16));
}

TEST_CASE("business days skip the policy's holidays, and a window that starts on one starts the next working day") {
    auto p = policyIn("Europe/Berlin");
    auto day = [](int y, unsigned m, unsigned d) {
        return date::sys_days{date::year{y} / date::month{m} / date::day{d}}.time_since_epoch().count();
    };
    p.holidays = {day(2026, 12, 24), day(2026, 12, 25), day(2026, 12, 31), day(2027, 1, 1)};
    auto cal = calendarFor(p);
    CHECK_FALSE(cal.isBusinessDay(day(2026, 12, 25)));
    CHECK(cal.isBusinessDay(day(2026, 12, 23)));
    // Wed 23 Dec 2026 10:00 CET + 5 business days: Thu 24 and Fri 25 are holidays, then the weekend;
    // Mon 28, Tue 29, Wed 30, (Thu 31 off, Fri 1 off), Mon 4, Tue 5 Jan 10:00 CET = 09:00 UTC.
    CHECK(cal.due(utc(2026, 12, 23, 9), {Window::Unit::BusinessDays, 5}) == utc(2027, 1, 5, 9));
    // Received on Christmas Day: counting starts Monday 28 Dec 00:00 CET; 1 business day later is Tue 29 00:00 CET.
    CHECK(cal.due(utc(2026, 12, 25, 12), {Window::Unit::BusinessDays, 1}) == utc(2026, 12, 28, 23));
    // Hour and day windows ignore holidays: the promise is elapsed or calendar time.
    CHECK(cal.due(utc(2026, 12, 23, 9), {Window::Unit::Days, 2}) == utc(2026, 12, 25, 9));
}
