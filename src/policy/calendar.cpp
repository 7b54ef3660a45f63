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
        return Calendar(zone, policy.timezone, policy.workingDays);
    } catch (const std::exception& e) {
        return fail("unknown time zone '" + policy.timezone + "': " + e.what());
    }
}

bool Calendar::isWorkingDay(unsigned isoWeekday) const {
    return std::find(workingDays_.begin(), workingDays_.end(), isoWeekday) != workingDays_.end();
}

TimePoint Calendar::due(TimePoint anchor, const Window& window) const {
    using namespace std::chrono;
    if (window.unit == Window::Unit::Hours) return anchor + hours{window.amount};

    auto local = zone_->to_local(anchor);
    auto day = date::floor<date::days>(local);
    auto timeOfDay = local - day;
    auto toSys = [&](date::local_seconds t) {
        return time_point_cast<seconds>(zone_->to_sys(t, date::choose::earliest));
    };
    if (window.unit == Window::Unit::Days) return toSys(day + date::days{window.amount} + timeOfDay);

    auto weekday = [](date::local_days d) { return date::weekday{d}.iso_encoding(); };
    if (workingDays_.empty()) return toSys(day + date::days{window.amount} + timeOfDay);
    if (!isWorkingDay(weekday(day))) {
        do day += date::days{1};
        while (!isWorkingDay(weekday(day)));
        timeOfDay = seconds{0};
    }
    for (std::int64_t counted = 0; counted < window.amount;) {
        day += date::days{1};
        if (isWorkingDay(weekday(day))) ++counted;
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
