// Store: messages. The raw bytes go in first (storeIncoming), in their own
// committed transaction, before anything else happens to a message; the
// parsed facts and the verdict follow (recordVerdict) once processing ran.
#include <nlohmann/json.hpp>

#include "secmaild/store/store.hpp"
#include "secmaild/util/hash.hpp"

namespace secmaild::store {

namespace {

constexpr const char* kMessageColumns =
    "id, received_at, stored_at, source, mailbox, uidvalidity, uid, server_marked, raw_size, raw_sha256, truncated, "
    "state, message_id, sender, sender_name, subject, date_header, outcome, outcome_reason, report_id, duplicate_of, "
    "flags, problems, processed_at, crypto";

std::vector<std::string> jsonStrings(const std::string& text) {
    std::vector<std::string> out;
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_array()) return out;
    for (const auto& el : j)
        if (el.is_string()) out.push_back(el.get<std::string>());
    return out;
}

}  // namespace

MessageRow Store::readMessage(const Statement& s) const {
    MessageRow m;
    m.id = s.integer(0);
    m.receivedAt = fromUnix(s.integer(1));
    m.storedAt = fromUnix(s.integer(2));
    m.source = s.text(3);
    m.mailbox = s.optText(4);
    m.uidValidity = s.optInteger(5);
    m.uid = s.optInteger(6);
    m.serverMarked = s.integer(7) != 0;
    m.rawSize = static_cast<std::uint64_t>(s.integer(8));
    m.rawSha256 = s.text(9);
    m.truncated = s.integer(10) != 0;
    m.state = s.text(11);
    m.messageId = s.optText(12);
    m.sender = s.optText(13);
    m.senderName = unsealOptional(s.optText(14), "messages.sender_name");
    m.subject = unsealOptional(s.optText(15), "messages.subject");
    m.dateHeader = s.optText(16);
    m.outcome = s.optText(17);
    m.outcomeReason = s.optText(18);
    m.reportId = s.optText(19);
    m.duplicateOf = s.optInteger(20);
    m.flags = jsonStrings(s.text(21));
    m.problems = jsonStrings(s.text(22));
    if (auto p = s.optInteger(23)) m.processedAt = fromUnix(*p);
    m.crypto = s.text(24);
    return m;
}

std::int64_t Store::storeIncoming(const IncomingMessage& m, TimePoint now) {
    Transaction tx(db_);
    if (m.mailbox && m.uidValidity && m.uid) {
        // Already stored (a second secmaild on the same mailbox, or a pass
        // that stopped between storing and checkpointing): keep the first.
        auto known = db_.cached("SELECT id FROM messages WHERE mailbox = ? AND uidvalidity = ? AND uid = ?");
        known->bind(1, *m.mailbox).bind(2, *m.uidValidity).bind(3, *m.uid);
        if (known->step()) return known->integer(0);
    }
    const std::string rawSha = contentHash(m.raw);
    std::optional<std::int64_t> sameRawAs;
    {
        auto find = db_.cached("SELECT id FROM messages WHERE raw_sha256 = ? AND raw IS NOT NULL LIMIT 1");
        find->bind(1, rawSha);
        if (find->step()) sameRawAs = find->integer(0);
    }
    auto insert = db_.cached(
        "INSERT INTO messages (received_at, stored_at, source, mailbox, uidvalidity, uid, raw, same_raw_as, raw_size, "
        "raw_sha256, truncated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert->bind(1, toUnix(m.receivedAt))
        .bind(2, toUnix(now))
        .bind(3, m.source)
        .bind(4, m.mailbox)
        .bind(5, m.uidValidity)
        .bind(6, m.uid);
    std::string sealed;
    if (sameRawAs) {
        insert->bindNull(7).bind(8, *sameRawAs);
    } else if (sealer_) {
        sealed = sealBinary(m.raw, "messages.raw");
        insert->bindBlobRef(7, sealed).bindNull(8);
    } else {
        insert->bindBlobRef(7, m.raw).bindNull(8);
    }
    insert->bind(9, static_cast<std::int64_t>(m.raw.size())).bind(10, rawSha).bind(11, m.truncated ? 1 : 0);
    insert->run();
    auto id = db_.lastInsertId();
    if (m.mailbox && m.uid && m.uidValidity) {
        // The checkpoint moves with the stored message, in the same commit.
        db_.cached(
               "INSERT INTO mailbox_state (mailbox, uidvalidity, last_uid, updated_at) VALUES (?, ?, ?, ?) "
               "ON CONFLICT(mailbox) DO UPDATE SET uidvalidity = excluded.uidvalidity, "
               "last_uid = MAX(CASE WHEN uidvalidity = excluded.uidvalidity THEN last_uid ELSE 0 END, "
               "excluded.last_uid), "
               "updated_at = excluded.updated_at")
            ->bind(1, *m.mailbox)
            .bind(2, *m.uidValidity)
            .bind(3, *m.uid)
            .bind(4, toUnix(now))
            .run();
    }
    tx.commit();
    return id;
}

std::vector<std::int64_t> Store::pendingMessages() {
    auto stmt = db_.cached("SELECT id FROM messages WHERE state = 'pending' ORDER BY id");
    std::vector<std::int64_t> out;
    while (stmt->step()) out.push_back(stmt->integer(0));
    return out;
}

bool Store::isPending(std::int64_t id) {
    auto stmt = db_.cached("SELECT 1 FROM messages WHERE id = ? AND state = 'pending'");
    stmt->bind(1, id);
    return stmt->step();
}

std::string Store::rawMessage(std::int64_t id) {
    // Read the blob straight into one string (incremental blob I/O): the
    // column API would materialise a second full copy of a 60 MB message.
    auto where = db_.cached("SELECT COALESCE(m.same_raw_as, m.id) FROM messages m WHERE m.id = ?");
    where->bind(1, id);
    if (!where->step()) throw StoreError("no message " + std::to_string(id));
    const auto rowid = where->integer(0);
    sqlite3_blob* blob = nullptr;
    if (sqlite3_blob_open(db_.handle(), "main", "messages", "raw", rowid, 0, &blob) != SQLITE_OK) {
        std::string error = sqlite3_errmsg(db_.handle());
        sqlite3_blob_close(blob);
        throw StoreError("cannot read message " + std::to_string(id) + ": " + error);
    }
    std::unique_ptr<sqlite3_blob, int (*)(sqlite3_blob*)> guard(blob, sqlite3_blob_close);
    std::string raw(static_cast<std::size_t>(sqlite3_blob_bytes(blob)), '\0');
    if (!raw.empty() && sqlite3_blob_read(blob, raw.data(), static_cast<int>(raw.size()), 0) != SQLITE_OK)
        throw StoreError("cannot read message " + std::to_string(id) + ": " + sqlite3_errmsg(db_.handle()));
    if (!Sealer::isSealed(raw)) return raw;
    guard.reset();
    std::string plain = unseal(raw, "messages.raw");
    raw.clear();
    raw.shrink_to_fit();
    return plain;
}

std::optional<MessageRow> Store::message(std::int64_t id) {
    auto stmt = db_.cached(std::string("SELECT ") + kMessageColumns + " FROM messages WHERE id = ?");
    stmt->bind(1, id);
    if (!stmt->step()) return std::nullopt;
    return readMessage(*stmt);
}

namespace {
template <class Read>
std::vector<MessageRow> readMessages(Statement& stmt, Read read) {
    std::vector<MessageRow> out;
    while (stmt.step()) out.push_back(read(stmt));
    return out;
}
}  // namespace

std::vector<MessageRow> Store::messages() {
    auto stmt = db_.cached(std::string("SELECT ") + kMessageColumns + " FROM messages ORDER BY id");
    return readMessages(*stmt, [this](const Statement& st) { return readMessage(st); });
}

std::vector<MessageRow> Store::messagesOfReport(const std::string& reportId) {
    auto stmt = db_.cached(std::string("SELECT ") + kMessageColumns + " FROM messages WHERE report_id = ? ORDER BY id");
    stmt->bind(1, reportId);
    return readMessages(*stmt, [this](const Statement& st) { return readMessage(st); });
}

std::vector<MessagePart> Store::parts(std::int64_t messageId) {
    auto stmt = db_.cached(
        "SELECT idx, path, content_type, charset, disposition, filename, size, sha256, attachment, raw_offset, "
        "raw_length FROM message_parts WHERE message = ? ORDER BY idx");
    stmt->bind(1, messageId);
    std::vector<MessagePart> out;
    while (stmt->step()) {
        MessagePart p;
        p.index = static_cast<int>(stmt->integer(0));
        p.path = stmt->text(1);
        p.contentType = stmt->text(2);
        p.charset = stmt->text(3);
        p.disposition = stmt->text(4);
        p.filename = unseal(stmt->text(5), "message_parts.filename");
        p.size = static_cast<std::uint64_t>(stmt->integer(6));
        p.sha256 = unseal(stmt->text(7), "message_parts.sha256");
        p.attachment = stmt->integer(8) != 0;
        p.rawOffset = static_cast<std::uint64_t>(stmt->integer(9));
        p.rawLength = static_cast<std::uint64_t>(stmt->integer(10));
        out.push_back(std::move(p));
    }
    return out;
}

std::optional<std::string> Store::messageText(std::int64_t messageId) {
    auto stmt = db_.cached("SELECT text FROM message_text WHERE message = ?");
    stmt->bind(1, messageId);
    if (!stmt->step()) return std::nullopt;
    return unseal(stmt->text(0), "message_text.text");
}

std::optional<std::string> Store::unauthenticatedText(std::int64_t messageId) {
    auto stmt = db_.cached("SELECT unauthenticated FROM message_text WHERE message = ?");
    stmt->bind(1, messageId);
    if (!stmt->step()) return std::nullopt;
    return unsealOptional(stmt->optText(0), "message_text.unauthenticated");
}

std::optional<std::string> Store::partData(std::int64_t messageId, int index) {
    auto stmt = db_.cached("SELECT data FROM message_parts WHERE message = ? AND idx = ? AND data IS NOT NULL");
    stmt->bind(1, messageId).bind(2, index);
    if (!stmt->step()) return std::nullopt;
    return unseal(stmt->blob(0), "message_parts.data");
}

std::vector<MessageRow> Store::unmarkedMessages(const std::string& mailbox, std::int64_t uidValidity) {
    auto stmt = db_.cached(std::string("SELECT ") + kMessageColumns +
                           " FROM messages WHERE mailbox = ? AND uidvalidity = ? AND server_marked = 0 "
                           "AND uid IS NOT NULL ORDER BY uid");
    stmt->bind(1, mailbox).bind(2, uidValidity);
    return readMessages(*stmt, [this](const Statement& st) { return readMessage(st); });
}

void Store::setServerMarked(const std::vector<std::int64_t>& ids) {
    Transaction tx(db_);
    auto stmt = db_.cached("UPDATE messages SET server_marked = 1 WHERE id = ?");
    for (auto id : ids) stmt->bind(1, id).run();
    tx.commit();
}

std::optional<std::int64_t> Store::findDuplicate(std::int64_t id, const std::string& rawSha256,
                                                 const std::optional<std::string>& messageId,
                                                 const std::optional<std::string>& bodySha256) {
    // Two indexed lookups (an OR of both would scan the table). Prefer the
    // original over an earlier duplicate of it.
    auto stmt = db_.cached(
        "SELECT id FROM messages WHERE raw_sha256 = ?2 AND id <> ?1 AND state = 'processed' "
        "UNION SELECT id FROM messages WHERE ?3 IS NOT NULL AND message_id = ?3 AND body_sha256 = ?4 "
        "AND id <> ?1 AND state = 'processed' "
        "ORDER BY 1");
    stmt->bind(1, id).bind(2, rawSha256).bind(3, messageId).bind(4, bodyHash(bodySha256));
    std::optional<std::int64_t> found;
    auto check = db_.cached("SELECT duplicate_of IS NULL FROM messages WHERE id = ?");
    while (stmt->step()) {
        auto candidate = stmt->integer(0);
        check->bind(1, candidate);
        bool original = check->step() && check->integer(0) == 1;
        check->reset();
        if (original) return candidate;
        if (!found) found = candidate;
    }
    return found;
}

bool Store::messageIdSeen(std::int64_t id, const std::string& messageId) {
    auto stmt = db_.cached("SELECT 1 FROM messages WHERE id <> ? AND state = 'processed' AND message_id = ? LIMIT 1");
    stmt->bind(1, id).bind(2, messageId);
    return stmt->step();
}

void Store::recordVerdict(std::int64_t id, const MessageVerdict& v, TimePoint now) {
    db_.cached(
           "UPDATE messages SET state = 'processed', message_id = ?, body_sha256 = ?, sender = ?, sender_name = ?, "
           "subject = ?, date_header = ?, outcome = ?, outcome_reason = ?, report_id = ?, duplicate_of = ?, "
           "flags = ?, problems = ?, processed_at = ?, crypto = ? WHERE id = ?")
        ->bind(1, v.messageId)
        .bind(2, bodyHash(v.bodySha256))
        .bind(3, v.sender)
        .bind(4, sealOptional(v.senderName, "messages.sender_name"))
        .bind(5, sealOptional(v.subject, "messages.subject"))
        .bind(6, v.dateHeader)
        .bind(7, v.outcome)
        .bind(8, v.outcomeReason)
        .bind(9, v.reportId)
        .bind(10, v.duplicateOf)
        .bind(11, nlohmann::json(v.flags).dump())
        .bind(12, nlohmann::json(v.problems).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
        .bind(13, toUnix(now))
        .bind(14, v.cryptoJson)
        .bind(15, id)
        .run();
    db_.cached("DELETE FROM message_parts WHERE message = ?")->bind(1, id).run();
    auto part = db_.cached(
        "INSERT INTO message_parts (message, idx, path, content_type, charset, disposition, filename, size, sha256, "
        "attachment, raw_offset, raw_length, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const auto& p : v.parts) {
        part->bind(1, id)
            .bind(2, p.index)
            .bind(3, p.path)
            .bind(4, p.contentType)
            .bind(5, p.charset)
            .bind(6, p.disposition)
            .bind(7, sealText(p.filename, "message_parts.filename"))
            .bind(8, static_cast<std::int64_t>(p.size))
            .bind(9, sealText(p.sha256, "message_parts.sha256"))
            .bind(10, p.attachment ? 1 : 0)
            .bind(11, static_cast<std::int64_t>(p.rawOffset))
            .bind(12, static_cast<std::int64_t>(p.rawLength));
        std::string sealed;
        if (p.attachment && sealer_) {
            sealed = sealBinary(p.data, "message_parts.data");
            part->bindBlobRef(13, sealed);
        } else if (p.attachment) {
            part->bindBlobRef(13, p.data);
        } else {
            part->bindNull(13);
        }
        part->run();
    }
    db_.cached("INSERT OR REPLACE INTO message_text (message, text, unauthenticated) VALUES (?, ?, ?)")
        ->bind(1, id)
        .bind(2, sealText(v.text, "message_text.text"))
        .bind(3, sealOptional(v.unauthenticatedText, "message_text.unauthenticated"))
        .run();
}

}  // namespace secmaild::store
