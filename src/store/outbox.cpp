// Store: the outbox. An answer is inserted in the same transaction as the
// report it answers (invariant 2); the SMTP side only ever moves an item from
// queued to sent or failed, or pushes its next attempt later.
#include "secmaild/store/store.hpp"

namespace secmaild::store {

namespace {

constexpr const char* kOutboxColumns =
    "id, created_at, kind, report_id, in_reply_to, recipient, envelope_from, message_id, raw, state, attempts, "
    "next_attempt_at, last_error, sent_at, protection";

}  // namespace

OutboxItem Store::readOutboxItem(const Statement& s) const {
    OutboxItem o;
    o.id = s.integer(0);
    o.createdAt = fromUnix(s.integer(1));
    o.kind = s.text(2);
    o.reportId = s.optText(3);
    o.inReplyTo = s.optInteger(4);
    o.recipient = s.text(5);
    o.envelopeFrom = s.text(6);
    o.messageId = s.text(7);
    o.raw = unseal(s.blob(8), "outbox.raw");
    o.state = s.text(9);
    o.attempts = static_cast<int>(s.integer(10));
    o.nextAttemptAt = fromUnix(s.integer(11));
    o.lastError = s.optText(12);
    if (auto t = s.optInteger(13)) o.sentAt = fromUnix(*t);
    o.protection = s.text(14);
    return o;
}

std::vector<OutboxItem> Store::readOutboxItems(Statement& stmt) const {
    std::vector<OutboxItem> out;
    while (stmt.step()) out.push_back(readOutboxItem(stmt));
    return out;
}

std::int64_t Store::enqueue(const OutboxItem& o) {
    db_.cached(
           "INSERT INTO outbox (created_at, kind, report_id, in_reply_to, recipient, envelope_from, message_id, raw, "
           "state, attempts, next_attempt_at, protection) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?)")
        ->bind(1, toUnix(o.createdAt))
        .bind(2, o.kind)
        .bind(3, o.reportId)
        .bind(4, o.inReplyTo)
        .bind(5, o.recipient)
        .bind(6, o.envelopeFrom)
        .bind(7, o.messageId)
        .bindBlob(8, sealer_ ? sealBinary(o.raw, "outbox.raw") : o.raw)
        .bind(9, toUnix(o.nextAttemptAt))
        .bind(10, o.protection)
        .run();
    return db_.lastInsertId();
}

std::vector<OutboxItem> Store::dueOutbox(TimePoint now) {
    auto stmt = db_.cached(std::string("SELECT ") + kOutboxColumns +
                           " FROM outbox WHERE state = 'queued' AND next_attempt_at <= ? ORDER BY id");
    stmt->bind(1, toUnix(now));
    return readOutboxItems(*stmt);
}

bool Store::hasDueOutbox(TimePoint now) {
    auto stmt = db_.cached("SELECT 1 FROM outbox WHERE state = 'queued' AND next_attempt_at <= ? LIMIT 1");
    stmt->bind(1, toUnix(now));
    return stmt->step();
}

std::vector<OutboxItem> Store::outboxForMessage(std::int64_t messageId) {
    auto stmt = db_.cached(std::string("SELECT ") + kOutboxColumns + " FROM outbox WHERE in_reply_to = ? ORDER BY id");
    stmt->bind(1, messageId);
    return readOutboxItems(*stmt);
}

std::vector<OutboxItem> Store::outboxForReport(const std::string& reportId) {
    auto stmt = db_.cached(std::string("SELECT ") + kOutboxColumns + " FROM outbox WHERE report_id = ? ORDER BY id");
    stmt->bind(1, reportId);
    return readOutboxItems(*stmt);
}

std::optional<TimePoint> Store::nextOutboxAttempt() {
    auto stmt = db_.cached("SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'queued'");
    stmt->step();
    if (stmt->isNull(0)) return std::nullopt;
    return fromUnix(stmt->integer(0));
}

bool Store::claimOutbox(std::int64_t id, TimePoint now, TimePoint leaseUntil) {
    db_.cached("UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND state = 'queued' AND next_attempt_at <= ?")
        ->bind(1, toUnix(leaseUntil))
        .bind(2, id)
        .bind(3, toUnix(now))
        .run();
    return db_.changes() == 1;
}

std::vector<OutboxItem> Store::claimDueOutbox(TimePoint now, TimePoint leaseUntil) {
    Transaction tx(db_);
    auto due = dueOutbox(now);
    std::vector<OutboxItem> claimed;
    for (auto& item : due)
        if (claimOutbox(item.id, now, leaseUntil)) claimed.push_back(std::move(item));
    tx.commit();
    return claimed;
}

void Store::releaseOutbox(std::int64_t id, TimePoint when) {
    db_.cached("UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND state = 'queued'")
        ->bind(1, toUnix(when))
        .bind(2, id)
        .run();
}

void Store::markSent(std::int64_t id, TimePoint at) {
    db_.cached("UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?")
        ->bind(1, toUnix(at))
        .bind(2, id)
        .run();
}

void Store::markDeferred(std::int64_t id, TimePoint next, const std::string& error) {
    db_.cached("UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?")
        ->bind(1, toUnix(next))
        .bind(2, error)
        .bind(3, id)
        .run();
}

void Store::markFailed(std::int64_t id, TimePoint at, const std::string& error) {
    db_.cached(
           "UPDATE outbox SET state = 'failed', attempts = attempts + 1, next_attempt_at = ?, last_error = ? "
           "WHERE id = ?")
        ->bind(1, toUnix(at))
        .bind(2, error)
        .bind(3, id)
        .run();
}

int Store::answersSince(const std::string& recipient, TimePoint since) {
    auto stmt = db_.cached("SELECT COUNT(*) FROM outbox WHERE recipient = ? AND created_at >= ?");
    stmt->bind(1, recipient).bind(2, toUnix(since));
    stmt->step();
    return static_cast<int>(stmt->integer(0));
}

}  // namespace secmaild::store
