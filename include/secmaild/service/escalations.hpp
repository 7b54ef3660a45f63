// Sends what the policy's escalation plan says is due (policy/escalation.hpp)
// for every open report that needs a look, as mail to the level's addresses
// through the outbox, and records each alert once. Reports are looked at only
// when they changed or their next alert came due (reports.next_alert_at), so
// a pass over 100,000 quiet reports costs one indexed query.
#pragma once

#include <optional>

#include "secmaild/policy/timeline.hpp"
#include "secmaild/service/runtime.hpp"

namespace secmaild::service {

struct EscalationResult {
    int reportsLooked = 0;
    int alertsQueued = 0;              // mails queued (one per address)
    std::optional<TimePoint> nextDue;  // the scheduler's next wake-up for alerts
};

EscalationResult runEscalations(Runtime& rt, TimePoint now);

// The facts the policy functions need, from the store.
policy::ReportFacts reportFacts(store::Store& store, const store::ReportRow& report);

}  // namespace secmaild::service
