// Thin RAII layer over SQLite: a connection, prepared statements, and
// transactions that roll back unless committed. SQLite failures are thrown as
// StoreError: a store that cannot write is not an outcome we can handle per
// message, so the caller's per-pass boundary logs it and retries later.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

namespace secmaild::store {

class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Statement;

// A cached statement in use; it is reset (its read snapshot released) when
// the handle goes out of scope.
struct ResetStatement {
    void operator()(Statement* s) const;
};
using CachedStatement = std::unique_ptr<Statement, ResetStatement>;

class Db {
public:
    // Opens (creating if needed) with WAL, foreign keys and synchronous=NORMAL:
    // every commit is atomic and survives a crash of the process; surviving a
    // power loss takes a Durable transaction, whose fsync of the WAL also
    // covers every commit before it. Callers make state durable that way
    // before they tell a server or a researcher anything (see Store::makeDurable).
    static Db open(const std::filesystem::path& path, bool readOnly = false);

    Db(Db&&) noexcept = default;
    Db& operator=(Db&&) noexcept = default;

    void exec(std::string_view sql);
    Statement prepare(std::string_view sql);
    // The same statement, prepared once per connection and reused: parsing
    // SQL was 40% of the work of filing a report. Not re-entrant: one handle
    // for a given SQL at a time.
    CachedStatement cached(const std::string& sql);
    std::int64_t lastInsertId() const;
    int changes() const;
    sqlite3* handle() const { return db_.get(); }

private:
    struct Closer {
        void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
    };
    explicit Db(sqlite3* db) : db_(db) {}
    std::unique_ptr<sqlite3, Closer> db_;
    // Declared after db_ so the statements are finalized before it closes.
    std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

class Statement {
public:
    Statement(Statement&&) noexcept = default;
    Statement& operator=(Statement&&) noexcept = default;

    // Binding is by 1-based index, chained: stmt.bind(1, x).bind(2, y).
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
    Statement& bindBlob(int index, std::string_view bytes);
    // Without a copy: `bytes` must stay alive until the statement has run
    // (use in one expression with run()). For messages of tens of megabytes.
    Statement& bindBlobRef(int index, std::string_view bytes);
    Statement& bindNull(int index);
    template <class T>
    Statement& bind(int index, const std::optional<T>& value) {
        return value ? bind(index, *value) : bindNull(index);
    }

    // True while there is a row to read; false when done.
    bool step();
    // Runs a statement that returns no rows.
    void run();
    void reset();

    bool isNull(int column) const;
    std::int64_t integer(int column) const;
    std::string text(int column) const;
    // Without a copy: valid until the next step(), reset() or read of this column.
    std::string_view view(int column) const;
    std::string blob(int column) const;
    std::optional<std::int64_t> optInteger(int column) const;
    std::optional<std::string> optText(int column) const;

private:
    friend class Db;
    struct Finalizer {
        void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
    };
    Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
    void check(int rc, const char* what) const;
    sqlite3* db_;
    std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back in the destructor unless committed.
// A Durable transaction's COMMIT returns only when it is on disk.
class Transaction {
public:
    enum class Sync { Normal, Durable };
    explicit Transaction(Db& db, Sync sync = Sync::Normal);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    Db& db_;
    Sync sync_;
    bool done_ = false;
};

// BEGIN (deferred) ... COMMIT: several reads that see one state of the
// store, also on a read-only connection. Ends in the destructor.
class ReadSnapshot {
public:
    explicit ReadSnapshot(Db& db);
    ~ReadSnapshot();
    ReadSnapshot(const ReadSnapshot&) = delete;
    ReadSnapshot& operator=(const ReadSnapshot&) = delete;

private:
    Db& db_;
};

}  // namespace secmaild::store
