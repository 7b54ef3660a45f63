// Store: each open report's deadlines as its last alert plan computed them.
// The escalation pass writes them with the plan; every change that forgets
// the plan (invalidateAlertPlan) deletes them, so a row is never staler than
// next_alert_at. `secmailctl overdue` reads them in one query instead of
// computing 100,000 timelines; reports without a plan it computes itself.
#include "secmaild/store/store.hpp"

namespace secmaild::store {

bool Store::adoptPlanPolicy(const std::string& digest) {
    if (planPolicy() == digest) return true;
    Transaction tx(db_);
    // Windows, calendar or escalation may differ: every plan is recomputed.
    db_.exec("UPDATE reports SET next_alert_at = NULL WHERE state <> 'closed'");
    db_.exec("DELETE FROM deadlines");
    db_.cached("INSERT INTO plan_policy (id, digest) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET digest = excluded.digest")
        ->bind(1, digest)
        .run();
    tx.commit();
    return false;
}

std::optional<std::string> Store::planPolicy() {
    auto stmt = db_.cached("SELECT digest FROM plan_policy WHERE id = 1");
    if (!stmt->step()) return std::nullopt;
    return stmt->text(0);
}

void Store::setDeadlines(const std::string& reportId, const std::vector<DeadlineRow>& rows) {
    db_.cached("DELETE FROM deadlines WHERE report_id = ?")->bind(1, reportId).run();
    auto insert = db_.cached(
        "INSERT INTO deadlines (report_id, stage, due_at, report_state, reporter, alerts_sent, last_alert_kind, "
        "last_alert_level, last_alert_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const auto& d : rows) {
        insert->bind(1, reportId)
            .bind(2, d.stage)
            .bind(3, toUnix(d.dueAt))
            .bind(4, d.reportState)
            .bind(5, d.reporter)
            .bind(6, d.alertsSent)
            .bind(7, d.lastAlertKind)
            .bind(8, d.lastAlertLevel)
            .bind(9, d.lastAlertAt ? std::optional<std::int64_t>(toUnix(*d.lastAlertAt)) : std::nullopt)
            .run();
    }
}

void Store::eachDeadlineDueBy(TimePoint at, const std::function<void(const DeadlineRow&)>& visit) {
    auto stmt = db_.cached(
        "SELECT report_id, stage, due_at, report_state, reporter, alerts_sent, last_alert_kind, last_alert_level, "
        "last_alert_at FROM deadlines WHERE due_at <= ? ORDER BY due_at, report_id, stage");
    stmt->bind(1, toUnix(at));
    // One row object, reused: its strings keep their capacity (100,000 rows).
    DeadlineRow d;
    while (stmt->step()) {
        d.reportId.assign(stmt->view(0));
        d.stage.assign(stmt->view(1));
        d.dueAt = fromUnix(stmt->integer(2));
        d.reportState.assign(stmt->view(3));
        d.reporter.assign(stmt->view(4));
        d.alertsSent = static_cast<int>(stmt->integer(5));
        if (stmt->isNull(6))
            d.lastAlertKind.reset();
        else
            d.lastAlertKind.emplace(stmt->view(6));
        if (stmt->isNull(7))
            d.lastAlertLevel.reset();
        else
            d.lastAlertLevel = static_cast<int>(stmt->integer(7));
        if (stmt->isNull(8))
            d.lastAlertAt.reset();
        else
            d.lastAlertAt = fromUnix(stmt->integer(8));
        visit(d);
    }
}

std::vector<DeadlineRow> Store::deadlinesDueBy(TimePoint at) {
    std::vector<DeadlineRow> out;
    eachDeadlineDueBy(at, [&](const DeadlineRow& d) { out.push_back(d); });
    return out;
}

std::vector<std::string> Store::reportsWithoutPlan() {
    auto stmt = db_.cached("SELECT id FROM reports WHERE state <> 'closed' AND next_alert_at IS NULL ORDER BY +id");
    std::vector<std::string> out;
    while (stmt->step()) out.push_back(stmt->text(0));
    return out;
}

}  // namespace secmaild::store
