// What the maintainers must be told, and when: a pure function of the
// policy, a report's facts, the alerts already sent, and `now`. The
// scheduler (service/) sends what is due and sleeps until `next`.
//
// Each alert has a stable key, so an alert is sent once however often the
// plan is computed (restarts, a clock stepped back). After a jump forward
// (suspend, downtime) superseded alerts are not sent late: a warning whose
// deadline has already passed gives way to the missed-window mail, and of
// several repeats that came due only the latest is sent.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "secmaild/policy/timeline.hpp"

namespace secmaild::policy {

struct Alert {
    enum class Kind { Warning, Missed, Repeat, Level, ReporterReminder };
    Kind kind = Kind::Missed;
    std::string stage;      // "" for a reporter reminder
    std::size_t level = 0;  // index into escalation.levels: who gets it
    int repeat = 0;         // Repeat: 1, 2, ...; ReporterReminder: the n-th reminder
    TimePoint at;           // when it came due
    std::optional<TimePoint> deadline;
    std::string key;  // "assessment/warning", "assessment/missed", "assessment/repeat/2", "assessment/level/1",
                      // "reminder/<unix time of the last contact>/1"
};
std::string_view alertKindName(Alert::Kind k);  // "warning", "missed", "repeat", "level", "reporter-reminder"

struct AlertPlan {
    std::vector<Alert> due;          // due now and not sent, in time order
    std::optional<TimePoint> next;   // the earliest alert still in the future
};

// `lastReporterContact`: when we last mailed the reporter (acknowledgment,
// status, reply); reminders count from it.
AlertPlan planAlerts(const Policy& policy, const Calendar& calendar, const ReportFacts& facts,
                     const std::set<std::string>& sent, std::optional<TimePoint> lastReporterContact, TimePoint now);

}  // namespace secmaild::policy
