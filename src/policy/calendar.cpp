// Calendar arithmetic with HH date: convert to local time, step in local days,
// convert back. Local times that do not exist (the hour skipped at a DST
// change) resolve to the transition, ambiguous ones to the earlier instant.
#include "secmaild/policy/calendar.hpp"

#include <date/tz.h>

#include <algorithm>

namespace secmaild::policy {

Result<Calendar> Calendar::forPolicy(const Policy& policy) {
    try {
        const date::time_zone* zone = date::locate_zone(policy.timezone);
        return Calendar(zone, policy.timezone, policy.workingDays, policy.holidays);
    } catch (const std::exception& e) {
        return fail("unknown time zone '" + policy.timezone + "': " + e.what());
    }
}

bool Calendar::isWorkingDay(unsigned isoWeekday) const {
    return std::find(workingDays_.begin(), workingDays_.end(), isoWeekday) != workingDays_.end();
}

bool Calendar::isBusinessDay(std::int64_t daysSinceEpoch) const {
    date::local_days day{date::days{daysSinceEpoch}};
    return isWorkingDay(date::weekday{day}.iso_encoding()) &&
           !std::binary_search(holidays_.begin(), holidays_.end(), daysSinceEpoch);
}

TimePoint Calendar::due(TimePoint anchor, const Window& window) const {
    using namespace std::chrono;
    if (window.unit == Window::Unit::Seconds) return anchor + seconds{window.amount};
    if (window.unit == Window::Unit::Hours) return anchor + hours{window.amount};

    auto local = zone_->to_local(anchor);
    auto day = date::floor<date::days>(local);
    auto timeOfDay = local - day;
    auto toSys = [&](date::local_seconds t) {
        return time_point_cast<seconds>(zone_->to_sys(t, date::choose::earliest));
    };
    if (window.unit == Window::Unit::Days) return toSys(day + date::days{window.amount} + timeOfDay);

    auto business = [&](date::local_days d) { return isBusinessDay(d.time_since_epoch().count()); };
    if (workingDays_.empty()) return toSys(day + date::days{window.amount} + timeOfDay);
    // Holidays are finite and working days recur weekly, so these loops end.
    if (!business(day)) {
        do day += date::days{1};
        while (!business(day));
        timeOfDay = seconds{0};
    }
    for (std::int64_t counted = 0; counted < window.amount;) {
        day += date::days{1};
        if (business(day)) ++counted;
    }
    return toSys(day + timeOfDay);
}

std::string Calendar::formatLocal(TimePoint t) const {
    date::zoned_time<std::chrono::seconds> zoned{zone_, t};
    return date::format("%a %d %b %Y %H:%M %Z", zoned);
}

int Calendar::localYear(TimePoint t) const {
    auto local = zone_->to_local(t);
    date::year_month_day ymd{date::floor<date::days>(local)};
    return static_cast<int>(ymd.year());
}

}  // namespace secmaild::policy
