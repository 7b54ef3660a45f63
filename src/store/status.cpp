// Store: the service's own state (what the daemon last did) and counts over
// the whole store, for `secmailctl status` and the Prometheus metrics. All
// counts come from durable rows, so counters survive restarts.
#include "secmaild/store/store.hpp"

namespace secmaild::store {

namespace {
std::map<std::string, std::int64_t> countBy(Db& db, const std::string& sql) {
    std::map<std::string, std::int64_t> out;
    auto stmt = db.cached(sql);
    while (stmt->step()) out[stmt->isNull(0) ? "none" : stmt->text(0)] = stmt->integer(1);
    return out;
}

std::int64_t countOf(Db& db, const std::string& sql) {
    auto stmt = db.cached(sql);
    return stmt->step() ? stmt->integer(0) : 0;
}
}  // namespace

void Store::setServiceStatus(const std::string& name, const std::string& jsonValue, TimePoint at) {
    db_.cached(
           "INSERT INTO service_status (name, value, at) VALUES (?, ?, ?) "
           "ON CONFLICT(name) DO UPDATE SET value = excluded.value, at = excluded.at")
        ->bind(1, name)
        .bind(2, jsonValue)
        .bind(3, toUnix(at))
        .run();
}

std::optional<ServiceStatusRow> Store::serviceStatus(const std::string& name) {
    auto stmt = db_.cached("SELECT value, at FROM service_status WHERE name = ?");
    stmt->bind(1, name);
    if (!stmt->step()) return std::nullopt;
    return ServiceStatusRow{stmt->text(0), fromUnix(stmt->integer(1))};
}

StoreTotals Store::totals() {
    StoreTotals t;
    auto states = countBy(db_, "SELECT state = 'closed', COUNT(*) FROM reports GROUP BY state = 'closed'");
    t.openReports = states["0"];
    t.closedReports = states["1"];
    t.pendingMessages = countOf(db_, "SELECT COUNT(*) FROM messages WHERE state = 'pending'");
    t.outboxQueued = countOf(db_, "SELECT COUNT(*) FROM outbox WHERE state = 'queued'");
    t.outboxFailed = countOf(db_, "SELECT COUNT(*) FROM outbox WHERE state = 'failed'");
    auto oldest = db_.cached("SELECT MIN(created_at) FROM outbox WHERE state = 'queued'");
    if (oldest->step() && !oldest->isNull(0)) t.oldestQueued = fromUnix(oldest->integer(0));
    t.messagesByOutcome =
        countBy(db_, "SELECT outcome, COUNT(*) FROM messages WHERE state = 'processed' GROUP BY outcome");
    t.sentByKind = countBy(db_, "SELECT kind, COUNT(*) FROM outbox WHERE state = 'sent' GROUP BY kind");
    t.alertsByKind = countBy(db_, "SELECT kind, COUNT(*) FROM alerts GROUP BY kind");
    return t;
}

std::optional<DeadlineRow> Store::nextDeadline(TimePoint now) {
    auto stmt = db_.cached(
        "SELECT report_id, stage, due_at, report_state, reporter FROM deadlines WHERE due_at > ? "
        "ORDER BY due_at LIMIT 1");
    stmt->bind(1, toUnix(now));
    if (!stmt->step()) return std::nullopt;
    DeadlineRow d;
    d.reportId = stmt->text(0);
    d.stage = stmt->text(1);
    d.dueAt = fromUnix(stmt->integer(2));
    d.reportState = stmt->text(3);
    d.reporter = stmt->text(4);
    return d;
}

}  // namespace secmaild::store
