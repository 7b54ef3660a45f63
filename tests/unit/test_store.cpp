// The store: durable raw messages, checkpoints that move with them, report
// ids that are never reused, the outbox's claim and retry bookkeeping.
#include <doctest/doctest.h>

#include "../support/temp_dir.hpp"
#include "secmaild/store/schema.hpp"
#include "secmaild/store/store.hpp"

using namespace secmaild;
using namespace secmaild::store;

namespace {
IncomingMessage imapMessage(std::int64_t uid, std::string raw) {
    IncomingMessage m;
    m.receivedAt = fromUnix(1'790'000'000);
    m.source = "imap";
    m.mailbox = "imap://u@h/INBOX";
    m.uidValidity = 7;
    m.uid = uid;
    m.raw = std::move(raw);
    return m;
}
const TimePoint kNow = fromUnix(1'790'000'100);
}  // namespace

TEST_CASE("a stored message keeps its raw bytes exactly and advances the mailbox checkpoint with it") {
    testing::TempDir dir;
    auto store = Store::open(dir / "s.db");
    std::string raw = "Subject: x\r\n\r\n\x00\xff binary\r\n";
    raw.push_back('\0');
    auto id = store.storeIncoming(imapMessage(42, raw), kNow);
    CHECK(store.rawMessage(id) == raw);
    auto state = store.mailboxState("imap://u@h/INBOX");
    REQUIRE(state);
    CHECK(state->uidValidity == 7);
    CHECK(state->lastUid == 42);
    CHECK(store.pendingMessages() == std::vector<std::int64_t>{id});
    auto row = store.message(id);
    REQUIRE(row);
    CHECK(row->rawSize == raw.size());
    CHECK_FALSE(row->serverMarked);
}

TEST_CASE("the checkpoint never moves backwards within one UIDVALIDITY") {
    testing::TempDir dir;
    auto store = Store::open(dir / "s.db");
    store.storeIncoming(imapMessage(10, "a"), kNow);
    store.storeIncoming(imapMessage(5, "b"), kNow);
    CHECK(store.mailboxState("imap://u@h/INBOX")->lastUid == 10);
}

TEST_CASE("a byte-identical message is stored as a reference, not a second copy, and still reads back") {
    testing::TempDir dir;
    auto store = Store::open(dir / "s.db");
    auto first = store.storeIncoming(imapMessage(1, "same bytes"), kNow);
    auto second = store.storeIncoming(imapMessage(2, "same bytes"), kNow);
    CHECK(first != second);
    CHECK(store.rawMessage(second) == "same bytes");
    auto stmt = store.db().prepare("SELECT raw IS NULL, same_raw_as FROM messages WHERE id = ?");
    stmt.bind(1, second);
    REQUIRE(stmt.step());
    CHECK(stmt.integer(0) == 1);
    CHECK(stmt.integer(1) == first);
}

TEST_CASE("report ids count up per prefix and year and are never reused") {
    testing::TempDir dir;
    auto path = dir / "s.db";
    {
        auto store = Store::open(path);
        CHECK(store.allocateReportId("SEC", 2026) == "SEC-2026-0001");
        CHECK(store.allocateReportId("SEC", 2026) == "SEC-2026-0002");
        CHECK(store.allocateReportId("SEC", 2027) == "SEC-2027-0001");
        CHECK(store.allocateReportId("VULN", 2026) == "VULN-2026-0001");
    }
    auto reopened = Store::open(path);
    CHECK(reopened.allocateReportId("SEC", 2026) == "SEC-2026-0003");
}

TEST_CASE("a rolled-back transaction leaves no report and no outbox item behind") {
    testing::TempDir dir;
    auto store = Store::open(dir / "s.db");
    auto id = store.storeIncoming(imapMessage(1, "m"), kNow);
    {
        Transaction tx(store.db());
        ReportRow r{
            "SEC-2026-0001", "new",       "a@b.c", std::nullopt, "a@b.c", std::nullopt, kNow, id, "p", kNow, kNow,
            std::nullopt,    std::nullopt, std::nullopt, std::nullopt, std::nullopt};
        store.insertReport(r);
        OutboxItem o;
        o.createdAt = kNow;
        o.kind = "acknowledgment";
        o.reportId = r.id;
        o.recipient = "a@b.c";
        o.envelopeFrom = "sec@x.org";
        o.messageId = "<1@x.org>";
        o.raw = "raw";
        o.nextAttemptAt = kNow;
        store.enqueue(o);
        // no commit: destructor rolls back
    }
    CHECK(store.reports().empty());
    CHECK(store.dueOutbox(kNow).empty());
}

TEST_CASE("an outbox item is claimed by one sender only, and retries wait for their time") {
    testing::TempDir dir;
    auto store = Store::open(dir / "s.db");
    OutboxItem o;
    o.createdAt = kNow;
    o.kind = "acknowledgment";
    o.recipient = "a@b.c";
    o.envelopeFrom = "sec@x.org";
    o.messageId = "<1@x.org>";
    o.raw = "raw";
    o.nextAttemptAt = kNow;
    auto id = store.enqueue(o);
    CHECK(store.dueOutbox(kNow).size() == 1);
    CHECK(store.claimOutbox(id, kNow, kNow + std::chrono::minutes{5}));
    CHECK_FALSE(store.claimOutbox(id, kNow, kNow + std::chrono::minutes{5}));
    CHECK(store.dueOutbox(kNow).empty());
    store.markDeferred(id, kNow + std::chrono::seconds{60}, "421 try later");
    CHECK(store.dueOutbox(kNow + std::chrono::seconds{59}).empty());
    auto due = store.dueOutbox(kNow + std::chrono::seconds{60});
    REQUIRE(due.size() == 1);
    CHECK(due[0].attempts == 1);
    CHECK(due[0].lastError == "421 try later");
    store.markFailed(id, kNow, "550 no such user");
    CHECK(store.dueOutbox(kNow + std::chrono::hours{100}).empty());
    CHECK(store.outboxForMessage(0).empty());
}

TEST_CASE("answers to one address are counted over the last hour, case-insensitively stored") {
    testing::TempDir dir;
    auto store = Store::open(dir / "s.db");
    OutboxItem o;
    o.kind = "acknowledgment";
    o.recipient = "a@b.c";
    o.envelopeFrom = "sec@x.org";
    o.raw = "raw";
    for (int i = 0; i < 3; ++i) {
        o.createdAt = kNow - std::chrono::minutes{20 * i};
        o.nextAttemptAt = o.createdAt;
        o.messageId = "<" + std::to_string(i) + "@x.org>";
        store.enqueue(o);
    }
    CHECK(store.answersSince("a@b.c", kNow - std::chrono::hours{1}) == 3);
    CHECK(store.answersSince("a@b.c", kNow - std::chrono::minutes{30}) == 2);
    CHECK(store.answersSince("other@b.c", kNow - std::chrono::hours{1}) == 0);
}

TEST_CASE("opening a store twice runs the migrations once and keeps the data") {
    testing::TempDir dir;
    auto path = dir / "s.db";
    {
        auto store = Store::open(path);
        store.storeIncoming(imapMessage(1, "x"), kNow);
    }
    auto store = Store::open(path);
    CHECK(store.schemaVersion() == latestSchemaVersion());
    CHECK(store.messages().size() == 1);
}

TEST_CASE("a read-only open of a missing store fails with a clear message") {
    testing::TempDir dir;
    CHECK_THROWS_WITH_AS(Store::openReadOnly(dir / "missing.db"), doctest::Contains("does not exist"), StoreError);
}

TEST_CASE("a store written by a newer schema is refused, not damaged") {
    testing::TempDir dir;
    auto path = dir / "s.db";
    {
        auto store = Store::open(path);
        store.db().exec("PRAGMA user_version = 999");
    }
    CHECK_THROWS_WITH_AS(Store::open(path), doctest::Contains("newer"), StoreError);
}

TEST_CASE("messages are found again by the Message-IDs of their report's thread") {
    testing::TempDir dir;
    auto store = Store::open(dir / "s.db");
    auto id = store.storeIncoming(imapMessage(1, "m"), kNow);
    store.insertReport({"SEC-2026-0001", "new", "a@b.c", std::nullopt, "a@b.c", std::nullopt, kNow, id, "p", kNow, kNow,
                        std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt});
    store.addThreadMessageId("<ack@x.org>", "SEC-2026-0001");
    CHECK(store.reportForMessageIds({"<unknown@y>", "<ack@x.org>"}) == "SEC-2026-0001");
    CHECK_FALSE(store.reportForMessageIds({"<unknown@y>"}));
}

TEST_CASE("storing the same mailbox UID twice keeps one message and returns its id") {
    testing::TempDir dir;
    auto store = Store::open(dir / "s.db");
    auto first = store.storeIncoming(imapMessage(9, "one"), kNow);
    auto again = store.storeIncoming(imapMessage(9, "one, fetched by a second daemon"), kNow);
    CHECK(again == first);
    CHECK(store.messages().size() == 1);
    CHECK(store.rawMessage(first) == "one");
}
