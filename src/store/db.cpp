// SQLite wrappers. Every error carries SQLite's own message.
#include "secmaild/store/db.hpp"

#include <spdlog/spdlog.h>

namespace secmaild::store {

namespace {
[[noreturn]] void throwSqlite(sqlite3* db, const std::string& what) {
    throw StoreError(what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}
}  // namespace

Db Db::open(const std::filesystem::path& path, bool readOnly) {
    sqlite3* raw = nullptr;
    // The daemon's connections pass between threads, so SQLite guards each
    // call; read-only ones are secmailctl's, one thread, where that lock
    // took 6% of `overdue` over 20,000 reports.
    int flags = readOnly ? SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_READONLY
                         : SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    Db db(raw);
    if (rc != SQLITE_OK) throwSqlite(raw, "cannot open the store " + path.string());
    sqlite3_busy_timeout(raw, 10000);
    sqlite3_extended_result_codes(raw, 1);
    if (!readOnly) {
        db.exec("PRAGMA journal_mode=WAL");
        db.exec("PRAGMA synchronous=NORMAL");
    }
    db.exec("PRAGMA foreign_keys=ON");
    return db;
}

void Db::exec(std::string_view sql) {
    char* message = nullptr;
    int rc = sqlite3_exec(db_.get(), std::string(sql).c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        std::string text = message ? message : sqlite3_errstr(rc);
        sqlite3_free(message);
        throw StoreError("SQL failed (" + std::string(sql.substr(0, 60)) + "): " + text);
    }
}

Statement Db::prepare(std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) throwSqlite(db_.get(), "cannot prepare (" + std::string(sql.substr(0, 60)) + ")");
    return Statement(db_.get(), stmt);
}

void ResetStatement::operator()(Statement* s) const {
    s->reset();
}

CachedStatement Db::cached(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) it = cache_.emplace(sql, std::make_unique<Statement>(prepare(sql))).first;
    it->second->reset();
    return CachedStatement(it->second.get());
}

std::int64_t Db::lastInsertId() const {
    return sqlite3_last_insert_rowid(db_.get());
}
int Db::changes() const {
    return sqlite3_changes(db_.get());
}

void Statement::check(int rc, const char* what) const {
    if (rc != SQLITE_OK) throwSqlite(db_, std::string("cannot bind ") + what);
}

Statement& Statement::bind(int index, std::int64_t value) {
    check(sqlite3_bind_int64(stmt_.get(), index, value), "an integer");
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    check(sqlite3_bind_text64(stmt_.get(), index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8), "text");
    return *this;
}

Statement& Statement::bindBlob(int index, std::string_view bytes) {
    check(sqlite3_bind_blob64(stmt_.get(), index, bytes.data(), bytes.size(), SQLITE_TRANSIENT), "a blob");
    return *this;
}

Statement& Statement::bindBlobRef(int index, std::string_view bytes) {
    check(sqlite3_bind_blob64(stmt_.get(), index, bytes.data(), bytes.size(), SQLITE_STATIC), "a blob");
    return *this;
}

Statement& Statement::bindNull(int index) {
    check(sqlite3_bind_null(stmt_.get(), index), "null");
    return *this;
}

bool Statement::step() {
    int rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throwSqlite(db_, std::string("statement failed (") + sqlite3_sql(stmt_.get()) + ")");
}

void Statement::run() {
    while (step()) {
    }
    reset();
}

void Statement::reset() {
    sqlite3_reset(stmt_.get());
    sqlite3_clear_bindings(stmt_.get());
}

bool Statement::isNull(int column) const {
    return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

std::int64_t Statement::integer(int column) const {
    return sqlite3_column_int64(stmt_.get(), column);
}

std::string Statement::text(int column) const {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_.get(), column));
    int n = sqlite3_column_bytes(stmt_.get(), column);
    return p ? std::string(p, static_cast<std::size_t>(n)) : std::string{};
}

std::string_view Statement::view(int column) const {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_.get(), column));
    int n = sqlite3_column_bytes(stmt_.get(), column);
    return p ? std::string_view(p, static_cast<std::size_t>(n)) : std::string_view{};
}

std::string Statement::blob(int column) const {
    auto p = static_cast<const char*>(sqlite3_column_blob(stmt_.get(), column));
    int n = sqlite3_column_bytes(stmt_.get(), column);
    return p ? std::string(p, static_cast<std::size_t>(n)) : std::string{};
}

std::optional<std::int64_t> Statement::optInteger(int column) const {
    if (isNull(column)) return std::nullopt;
    return integer(column);
}

std::optional<std::string> Statement::optText(int column) const {
    if (isNull(column)) return std::nullopt;
    return text(column);
}

Transaction::Transaction(Db& db, Sync sync) : db_(db), sync_(sync) {
    // synchronous can only change outside a transaction.
    if (sync_ == Sync::Durable) db_.exec("PRAGMA synchronous=FULL");
    try {
        db_.exec("BEGIN IMMEDIATE");
    } catch (...) {
        if (sync_ == Sync::Durable) db_.exec("PRAGMA synchronous=NORMAL");
        throw;
    }
}

Transaction::~Transaction() {
    try {
        if (!done_) db_.exec("ROLLBACK");
        if (sync_ == Sync::Durable) db_.exec("PRAGMA synchronous=NORMAL");
    } catch (const std::exception& e) {
        spdlog::error("store.rollback_failed error=\"{}\"", e.what());
    }
}

void Transaction::commit() {
    db_.exec("COMMIT");
    done_ = true;
}

ReadSnapshot::ReadSnapshot(Db& db) : db_(db) {
    db_.exec("BEGIN");
}

ReadSnapshot::~ReadSnapshot() {
    try {
        db_.exec("COMMIT");
    } catch (const std::exception& e) {
        spdlog::error("store.read_end_failed error=\"{}\"", e.what());
    }
}

}  // namespace secmaild::store
