// planAlerts (see escalation.hpp). Durations in windows use the policy's
// calendar, so "repeat every 1 business day" skips weekends and holidays.
#include "secmaild/policy/escalation.hpp"

#include <algorithm>

namespace secmaild::policy {

std::string_view alertKindName(Alert::Kind k) {
    switch (k) {
        case Alert::Kind::Warning: return "warning";
        case Alert::Kind::Missed: return "missed";
        case Alert::Kind::Repeat: return "repeat";
        case Alert::Kind::Level: return "level";
        case Alert::Kind::ReporterReminder: return "reporter-reminder";
    }
    return "missed";
}

namespace {

class Planner {
public:
    Planner(const Policy& policy, const Calendar& calendar, const std::set<std::string>& sent, TimePoint now)
        : policy_(policy), calendar_(calendar), sent_(sent), now_(now) {}

    void stage(const StageStatus& s) {
        const auto& e = policy_.escalation;
        if (e.levels.empty()) return;
        bool open = s.state == StageStatus::State::Open || s.state == StageStatus::State::Overdue;
        if (!open || s.conditional || !s.due || !s.start) return;
        const TimePoint due = *s.due;
        const std::string& name = s.stage->name;

        if (e.warnAt > 0 && due > *s.start) {
            auto span = std::chrono::duration_cast<std::chrono::seconds>((due - *s.start) * e.warnAt);
            TimePoint at = *s.start + span;
            // Once the deadline has passed, the missed-window mail says more.
            if (now_ < due) offer({Alert::Kind::Warning, name, 0, 0, at, due, name + "/warning"});
        }
        offer({Alert::Kind::Missed, name, 0, 0, due, due, name + "/missed"});
        if (e.repeatEvery) {
            auto [n, at, following] = latestStep(due, *e.repeatEvery);
            if (n > 0) offer({Alert::Kind::Repeat, name, 0, n, at, due, name + "/repeat/" + std::to_string(n)});
            noteFuture(following);
        }
        for (std::size_t i = 1; i < e.levels.size(); ++i) {
            TimePoint at = calendar_.due(due, e.levels[i].after);
            offer({Alert::Kind::Level, name, i, 0, at, due, name + "/level/" + std::to_string(i)});
        }
    }

    void reminder(std::optional<TimePoint> lastContact) {
        const auto& e = policy_.escalation;
        if (!e.reporterRemindAfter || !lastContact || e.levels.empty()) return;
        auto [n, at, following] = latestStep(*lastContact, *e.reporterRemindAfter);
        if (n > 0)
            offer({Alert::Kind::ReporterReminder, "", 0, n, at, std::nullopt,
                   "reminder/" + std::to_string(toUnix(*lastContact)) + "/" + std::to_string(n)});
        noteFuture(following);
    }

    AlertPlan finish() {
        std::sort(plan_.due.begin(), plan_.due.end(), [](const Alert& a, const Alert& b) {
            return a.at != b.at ? a.at < b.at : a.key < b.key;
        });
        return std::move(plan_);
    }

private:
    struct Step {
        int n;                // steps of `every` from `from` that have passed by now (0: none)
        TimePoint at;         // when the n-th came due (`from` when n is 0)
        TimePoint following;  // when the next one comes due
    };

    // Counting in hours is arithmetic; days and business days are counted
    // with the calendar (DST, holidays), bounded so a report overdue for
    // years costs no more than a few thousand steps.
    Step latestStep(TimePoint from, const Window& every) const {
        if (every.unit == Window::Unit::Hours || every.unit == Window::Unit::Seconds) {
            const std::chrono::seconds period =
                every.unit == Window::Unit::Hours ? std::chrono::hours{every.amount} : std::chrono::seconds{every.amount};
            int n = now_ < from ? 0 : static_cast<int>((now_ - from) / period);
            return {n, from + period * n, from + period * (n + 1)};
        }
        int n = 0;
        TimePoint at = from;
        for (int guard = 0; guard < 5000; ++guard) {
            TimePoint following = calendar_.due(at, every);
            if (following > now_ || following <= at) return {n, at, following};
            at = following;
            ++n;
        }
        return {n, at, calendar_.due(at, every)};
    }

    void offer(Alert a) {
        if (a.at > now_) {
            noteFuture(a.at);
            return;
        }
        if (!sent_.count(a.key)) plan_.due.push_back(std::move(a));
    }

    void noteFuture(TimePoint t) {
        if (t > now_ && (!plan_.next || t < *plan_.next)) plan_.next = t;
    }

    const Policy& policy_;
    const Calendar& calendar_;
    const std::set<std::string>& sent_;
    TimePoint now_;
    AlertPlan plan_;
};

}  // namespace

AlertPlan planAlerts(const Policy& policy, const Calendar& calendar, const ReportFacts& facts,
                     const std::set<std::string>& sent, std::optional<TimePoint> lastReporterContact, TimePoint now) {
    Planner planner(policy, calendar, sent, now);
    if (facts.closed) return planner.finish();
    for (const auto& s : computeTimeline(policy, calendar, facts, now)) planner.stage(s);
    planner.reminder(lastReporterContact);
    return planner.finish();
}

}  // namespace secmaild::policy
