// Due-date arithmetic in a policy's time zone (HH date's tz, since GCC 12
// has no std::chrono tzdb). Hours are elapsed time; days are calendar days
// at the same local time of day (so across a DST change a "day" is 23 or 25
// hours); business days count the policy's working days that are not its
// holidays. Pure: no clock.
#pragma once

#include <string>
#include <vector>

#include "secmaild/policy/policy.hpp"
#include "secmaild/util/clock.hpp"
#include "secmaild/util/result.hpp"

namespace date {
class time_zone;
}

namespace secmaild::policy {

class Calendar {
public:
    // Fails when the policy's time zone is unknown to the system tz database.
    static Result<Calendar> forPolicy(const Policy& policy);

    // The end of a window that starts at `anchor`. A business-day window that
    // starts on a day off starts at 00:00 of the next working day.
    TimePoint due(TimePoint anchor, const Window& window) const;
    // "Tue 24 Nov 2026 22:42 UTC", "Mon 30 Mar 2026 09:00 CEST"
    std::string formatLocal(TimePoint t) const;
    int localYear(TimePoint t) const;
    bool isWorkingDay(unsigned isoWeekday) const;
    // A working day of the week that is not one of the policy's holidays.
    bool isBusinessDay(std::int64_t daysSinceEpoch) const;
    const std::string& zoneName() const { return zoneName_; }

private:
    Calendar(const date::time_zone* zone, std::string zoneName, std::vector<unsigned> workingDays,
             std::vector<std::int64_t> holidays)
        : zone_(zone),
          zoneName_(std::move(zoneName)),
          workingDays_(std::move(workingDays)),
          holidays_(std::move(holidays)) {}
    const date::time_zone* zone_;
    std::string zoneName_;
    std::vector<unsigned> workingDays_;
    std::vector<std::int64_t> holidays_;  // sorted
};

}  // namespace secmaild::policy
