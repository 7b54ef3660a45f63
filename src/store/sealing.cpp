// Store: encryption at rest. Which columns are sealed, the wrapped data key,
// and sealing what was written while encryption was off. Addresses, dates,
// outcomes and flags stay in clear: secmaild needs them to work (threading,
// rate limits) and they are what `secmailctl list` shows without the key.
#include <nlohmann/json.hpp>

#include "secmaild/store/store.hpp"
#include "secmaild/util/hash.hpp"

namespace secmaild::store {

std::string Store::sealText(std::string_view plain, const char* context) const {
    return sealer_ ? sealer_->sealText(plain, context) : std::string(plain);
}

std::optional<std::string> Store::sealOptional(const std::optional<std::string>& plain, const char* context) const {
    if (!plain) return std::nullopt;
    return sealText(*plain, context);
}

std::string Store::sealBinary(std::string_view plain, const char* context) const {
    return sealer_ ? sealer_->sealBinary(plain, context) : std::string(plain);
}

std::string Store::unseal(std::string_view stored, const char* context) const {
    if (!Sealer::isSealed(stored)) return std::string(stored);
    if (!sealer_) return kSealedPlaceholder;
    auto plain = sealer_->open(stored, context);
    if (!plain) throw StoreError(plain.error().message);
    return std::move(plain).value();
}

std::optional<std::string> Store::unsealOptional(const std::optional<std::string>& stored, const char* context) const {
    if (!stored) return std::nullopt;
    return unseal(*stored, context);
}

std::string Store::contentHash(std::string_view bytes) const {
    return sealer_ ? kKeyedHashPrefix + sealer_->keyedHash(bytes) : sha256Hex(bytes);
}

std::optional<std::string> Store::bodyHash(const std::optional<std::string>& sha256) const {
    if (!sha256 || !sealer_) return sha256;
    return kKeyedHashPrefix + sealer_->keyedHash(*sha256);
}

std::optional<WrappedDataKey> Store::wrappedDataKey() {
    auto stmt = db_.cached("SELECT wrapped, recipients, created_at, wrapped_at FROM data_key WHERE id = 1");
    if (!stmt->step()) return std::nullopt;
    WrappedDataKey k;
    k.wrapped = stmt->blob(0);
    auto list = nlohmann::json::parse(stmt->text(1), nullptr, false);
    if (list.is_array())
        for (const auto& r : list)
            if (r.is_string()) k.recipients.push_back(r.get<std::string>());
    k.createdAt = fromUnix(stmt->integer(2));
    k.wrappedAt = fromUnix(stmt->integer(3));
    return k;
}

void Store::saveWrappedDataKey(const WrappedDataKey& k) {
    db_.cached(
           "INSERT INTO data_key (id, wrapped, recipients, created_at, wrapped_at) VALUES (1, ?, ?, ?, ?) "
           "ON CONFLICT(id) DO UPDATE SET wrapped = excluded.wrapped, recipients = excluded.recipients, "
           "wrapped_at = excluded.wrapped_at")
        ->bindBlob(1, k.wrapped)
        .bind(2, nlohmann::json(k.recipients).dump())
        .bind(3, toUnix(k.createdAt))
        .bind(4, toUnix(k.wrappedAt))
        .run();
}

namespace {

// Each sealed column: table, rowid-bearing key, column, and whether it holds
// text (sealed as "$sealed1$..." text) or a blob.
struct SealedColumn {
    const char* table;
    const char* column;
    const char* context;
    bool text;
};

constexpr SealedColumn kSealedColumns[] = {
    {"messages", "raw", "messages.raw", false},
    {"messages", "subject", "messages.subject", true},
    {"messages", "sender_name", "messages.sender_name", true},
    {"message_text", "text", "message_text.text", true},
    {"message_text", "unauthenticated", "message_text.unauthenticated", true},
    {"message_parts", "filename", "message_parts.filename", true},
    {"message_parts", "sha256", "message_parts.sha256", true},
    {"message_parts", "data", "message_parts.data", false},
    {"reports", "subject", "reports.subject", true},
    {"reports", "reporter_name", "reports.reporter_name", true},
    {"report_fields", "value", "report_fields.value", true},
    {"outbox", "raw", "outbox.raw", false},
    {"notes", "text", "notes.text", true},
};

std::string unsealedCondition(const SealedColumn& c) {
    std::string col = c.column;
    // Sealed text starts with "$sealed1$", a sealed blob with "SMS\x01".
    if (c.text) return col + " IS NOT NULL AND substr(" + col + ", 1, 9) <> '$sealed1$'";
    return col + " IS NOT NULL AND substr(" + col + ", 1, 4) <> X'534D5301'";
}

}  // namespace

bool Store::hasUnsealedRecords() {
    if (db_.prepare("SELECT 1 FROM messages WHERE substr(raw_sha256, 1, 3) <> 'k1:' LIMIT 1").step()) return true;
    for (const auto& c : kSealedColumns) {
        auto stmt = db_.prepare(std::string("SELECT 1 FROM ") + c.table + " WHERE " + unsealedCondition(c) + " LIMIT 1");
        if (stmt.step()) return true;
    }
    return false;
}

std::size_t Store::sealExistingRecords() {
    if (!sealer_) throw StoreError("sealing needs the data key");
    std::size_t changed = 0;
    Transaction tx(db_);
    for (const auto& c : kSealedColumns) {
        auto select = db_.prepare(std::string("SELECT rowid, ") + c.column + " FROM " + c.table + " WHERE " +
                                  unsealedCondition(c));
        auto update = db_.prepare(std::string("UPDATE ") + c.table + " SET " + c.column + " = ? WHERE rowid = ?");
        while (select.step()) {
            if (c.text)
                update.bind(1, sealer_->sealText(select.text(1), c.context));
            else
                update.bindBlob(1, sealer_->sealBinary(select.blob(1), c.context));
            update.bind(2, select.integer(0)).run();
            ++changed;
        }
    }
    // Content hashes written in clear would still confirm a known message.
    const std::string clearHash = "substr(raw_sha256, 1, 3) <> '" + std::string(kKeyedHashPrefix) + "'";
    {
        auto select = db_.prepare("SELECT id, raw FROM messages WHERE raw IS NOT NULL AND " + clearHash);
        auto update = db_.prepare("UPDATE messages SET raw_sha256 = ? WHERE id = ? OR same_raw_as = ?");
        while (select.step()) {
            auto id = select.integer(0);
            update.bind(1, contentHash(unseal(select.blob(1), "messages.raw"))).bind(2, id).bind(3, id).run();
            ++changed;
        }
        auto bodies = db_.prepare("SELECT id, body_sha256 FROM messages WHERE body_sha256 IS NOT NULL AND "
                                  "substr(body_sha256, 1, 3) <> '" + std::string(kKeyedHashPrefix) + "'");
        auto updateBody = db_.prepare("UPDATE messages SET body_sha256 = ? WHERE id = ?");
        while (bodies.step()) updateBody.bind(1, *bodyHash(bodies.text(1))).bind(2, bodies.integer(0)).run();
    }
    tx.commit();
    return changed;
}

}  // namespace secmaild::store
