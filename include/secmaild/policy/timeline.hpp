// A report's timeline under a policy: for each stage, when it is due, whether
// it is done, and whether it applies. A pure function of the policy, the
// report's facts and `now` — the scheduler (a later issue) and the
// acknowledgment both read it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "secmaild/policy/calendar.hpp"
#include "secmaild/policy/policy.hpp"

namespace secmaild::policy {

struct StageStatus {
    enum class State { Done, Open, Overdue, Waiting, NotApplicable };
    const Stage* stage = nullptr;
    State state = State::Open;
    std::optional<TimePoint> start;        // when its window opened (its anchor); unset while waiting
    std::optional<TimePoint> due;          // unset while its anchor stage is not done
    std::optional<TimePoint> completedAt;  // set when done
    bool conditional = false;              // applies only for some severities, and the severity is not known yet
};

struct ReportFacts {
    TimePoint receivedAt;
    std::map<std::string, TimePoint> completed;  // stage name -> when
    std::optional<std::string> severity;         // low, medium, high, critical
    bool closed = false;                         // closed reports have no open windows
};

std::vector<StageStatus> computeTimeline(const Policy& policy, const Calendar& calendar, const ReportFacts& facts,
                                         TimePoint now);
std::string_view stateName(StageStatus::State s);  // "done", "open", "overdue", "waiting", "not-applicable"

}  // namespace secmaild::policy
