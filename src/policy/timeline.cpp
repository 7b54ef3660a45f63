// computeTimeline: stages are in policy order and anchors only point back,
// so one pass resolves every anchor.
#include "secmaild/policy/timeline.hpp"

#include <algorithm>

namespace secmaild::policy {

std::vector<StageStatus> computeTimeline(const Policy& policy, const Calendar& calendar, const ReportFacts& facts,
                                         TimePoint now) {
    std::vector<StageStatus> out;
    std::map<std::string, TimePoint> anchors{{"receipt", facts.receivedAt}};
    for (const auto& [name, when] : facts.completed) anchors[name] = when;
    for (const auto& stage : policy.stages) {
        StageStatus s;
        s.stage = &stage;
        auto done = facts.completed.find(stage.name);
        if (done != facts.completed.end()) s.completedAt = done->second;
        bool applies = true;
        if (!stage.severities.empty()) {
            if (facts.severity)
                applies = std::find(stage.severities.begin(), stage.severities.end(), *facts.severity) !=
                          stage.severities.end();
            else
                s.conditional = true;
        }
        auto anchor = anchors.find(stage.anchor);
        if (anchor != anchors.end()) {
            s.start = anchor->second;
            s.due = calendar.due(anchor->second, stage.window);
        }
        if (s.completedAt)
            s.state = StageStatus::State::Done;
        else if (!applies || facts.closed)
            s.state = StageStatus::State::NotApplicable;
        else if (!s.due)
            s.state = StageStatus::State::Waiting;
        else if (now > *s.due && !s.conditional)
            s.state = StageStatus::State::Overdue;
        else
            s.state = StageStatus::State::Open;
        out.push_back(s);
    }
    return out;
}

std::string_view stateName(StageStatus::State s) {
    switch (s) {
        case StageStatus::State::Done:
            return "done";
        case StageStatus::State::Open:
            return "open";
        case StageStatus::State::Overdue:
            return "overdue";
        case StageStatus::State::Waiting:
            return "waiting";
        case StageStatus::State::NotApplicable:
            return "not-applicable";
    }
    return "open";
}

}  // namespace secmaild::policy
