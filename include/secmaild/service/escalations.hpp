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

// Plans made under another policy text are forgotten first, so an edited
// policy reaches every open report. Reports are written in batches of
// `kPlanBatch` per transaction: a report's alerts, their mails and its new
// plan still commit together.
EscalationResult runEscalations(Runtime& rt, TimePoint now);
constexpr int kPlanBatch = 200;

// The facts the policy functions need, from the store.
policy::ReportFacts reportFacts(store::Store& store, const store::ReportRow& report);

// A report's open stages that have a due time (done, waiting, not applicable
// and severity-conditional stages have none to miss), each with the alerts
// sent about it: what the plan stores for `secmailctl overdue`.
std::vector<store::DeadlineRow> openDeadlines(const Runtime& rt, const store::ReportRow& report,
                                              const policy::ReportFacts& facts,
                                              const std::vector<store::AlertRow>& alerts);

}  // namespace secmaild::service
