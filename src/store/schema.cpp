// The store's schema, as a list of migrations. Version 1 is the first
// released layout; later issues append migrations, never edit this one.
#include "secmaild/store/schema.hpp"

#include <array>
#include <string>

namespace secmaild::store {

namespace {

constexpr std::array<const char*, 6> kMigrations = {
    // 1: messages, reports, audit trail, outbox.
    R"sql(
CREATE TABLE mailbox_state (
    mailbox      TEXT PRIMARY KEY,
    uidvalidity  INTEGER NOT NULL,
    last_uid     INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE messages (
    id             INTEGER PRIMARY KEY,
    received_at    INTEGER NOT NULL,
    stored_at      INTEGER NOT NULL,
    source         TEXT NOT NULL CHECK (source IN ('imap', 'stdin')),
    mailbox        TEXT,
    uidvalidity    INTEGER,
    uid            INTEGER,
    server_marked  INTEGER NOT NULL DEFAULT 0,
    raw            BLOB,
    same_raw_as    INTEGER REFERENCES messages(id),
    raw_size       INTEGER NOT NULL,
    raw_sha256     TEXT NOT NULL,
    truncated      INTEGER NOT NULL DEFAULT 0,
    state          TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'processed')),
    message_id     TEXT,
    body_sha256    TEXT,
    sender         TEXT,
    sender_name    TEXT,
    subject        TEXT,
    date_header    TEXT,
    outcome        TEXT,
    outcome_reason TEXT,
    report_id      TEXT REFERENCES reports(id),
    duplicate_of   INTEGER REFERENCES messages(id),
    flags          TEXT NOT NULL DEFAULT '[]',
    problems       TEXT NOT NULL DEFAULT '[]',
    processed_at   INTEGER,
    CHECK (raw IS NOT NULL OR same_raw_as IS NOT NULL)
) STRICT;
CREATE UNIQUE INDEX messages_by_uid ON messages(mailbox, uidvalidity, uid) WHERE uid IS NOT NULL;
CREATE INDEX messages_by_message_id ON messages(message_id);
CREATE INDEX messages_by_raw_sha256 ON messages(raw_sha256);
CREATE INDEX messages_pending ON messages(state) WHERE state = 'pending';
CREATE INDEX messages_by_report ON messages(report_id);

CREATE TABLE message_parts (
    message       INTEGER NOT NULL REFERENCES messages(id),
    idx           INTEGER NOT NULL,
    path          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    charset       TEXT NOT NULL,
    disposition   TEXT NOT NULL,
    filename      TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    attachment    INTEGER NOT NULL,
    raw_offset    INTEGER NOT NULL,
    raw_length    INTEGER NOT NULL,
    data          BLOB,
    PRIMARY KEY (message, idx)
) STRICT;

CREATE TABLE message_text (
    message  INTEGER PRIMARY KEY REFERENCES messages(id),
    text     TEXT NOT NULL
) STRICT;

CREATE TABLE report_counters (
    prefix  TEXT NOT NULL,
    year    INTEGER NOT NULL,
    last    INTEGER NOT NULL,
    PRIMARY KEY (prefix, year)
) STRICT;

CREATE TABLE reports (
    id             TEXT PRIMARY KEY,
    state          TEXT NOT NULL,
    reporter       TEXT NOT NULL,
    reporter_name  TEXT,
    reply_to       TEXT NOT NULL,
    subject        TEXT,
    received_at    INTEGER NOT NULL,
    first_message  INTEGER NOT NULL REFERENCES messages(id),
    policy         TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;

CREATE TABLE report_fields (
    report_id       TEXT NOT NULL REFERENCES reports(id),
    name            TEXT NOT NULL,
    value           TEXT NOT NULL,
    how             TEXT NOT NULL,
    source_message  INTEGER REFERENCES messages(id),
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (report_id, name)
) STRICT;

CREATE TABLE report_stages (
    report_id     TEXT NOT NULL REFERENCES reports(id),
    stage         TEXT NOT NULL,
    completed_at  INTEGER NOT NULL,
    actor         TEXT NOT NULL,
    PRIMARY KEY (report_id, stage)
) STRICT;

CREATE TABLE thread_message_ids (
    message_id  TEXT NOT NULL,
    report_id   TEXT NOT NULL REFERENCES reports(id),
    PRIMARY KEY (message_id, report_id)
) STRICT;

CREATE TABLE audit (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    report_id  TEXT REFERENCES reports(id),
    message    INTEGER REFERENCES messages(id),
    actor      TEXT NOT NULL,
    event      TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX audit_by_report ON audit(report_id, id);

CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    created_at       INTEGER NOT NULL,
    kind             TEXT NOT NULL,
    report_id        TEXT REFERENCES reports(id),
    in_reply_to      INTEGER REFERENCES messages(id),
    recipient        TEXT NOT NULL,
    envelope_from    TEXT NOT NULL,
    message_id       TEXT NOT NULL,
    raw              BLOB NOT NULL,
    state            TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    last_error       TEXT,
    sent_at          INTEGER
) STRICT;
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
CREATE INDEX outbox_by_recipient ON outbox(recipient, created_at);
CREATE INDEX outbox_by_message ON outbox(in_reply_to);

-- One row, rewritten by Store::makeDurable: a durable commit needs a write.
CREATE TABLE durability_barrier (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    at  INTEGER NOT NULL
) STRICT;
INSERT INTO durability_barrier (id, at) VALUES (1, 0);
)sql",
    // 2: OpenPGP facts per message, reporters' keys, the wrapped data key,
    // OpenPGP protection of queued mail.
    R"sql(
ALTER TABLE messages ADD COLUMN crypto TEXT NOT NULL DEFAULT '{}';
ALTER TABLE message_text ADD COLUMN unauthenticated TEXT;
ALTER TABLE reports ADD COLUMN reporter_key TEXT;
-- How the sender protects a queued mail just before it leaves (pgp/protect.hpp).
ALTER TABLE outbox ADD COLUMN protection TEXT NOT NULL DEFAULT '{}';

CREATE TABLE reporter_keys (
    address      TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    source       TEXT NOT NULL,
    report_id    TEXT REFERENCES reports(id),
    message      INTEGER REFERENCES messages(id),
    first_seen   INTEGER NOT NULL,
    PRIMARY KEY (address, fingerprint)
) STRICT;

CREATE TABLE data_key (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    wrapped     BLOB NOT NULL,
    recipients  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    wrapped_at  INTEGER NOT NULL
) STRICT;
)sql",
    // 3: escalation alerts sent, and when each report next needs a look.
    R"sql(
ALTER TABLE reports ADD COLUMN severity TEXT;
-- NULL: compute the report's alert plan at the next pass.
ALTER TABLE reports ADD COLUMN next_alert_at INTEGER;
CREATE INDEX reports_next_alert ON reports(next_alert_at);

CREATE TABLE alerts (
    report_id  TEXT NOT NULL REFERENCES reports(id),
    key        TEXT NOT NULL,
    kind       TEXT NOT NULL,
    stage      TEXT NOT NULL,
    level      INTEGER NOT NULL,
    due_at     INTEGER NOT NULL,
    sent_at    INTEGER NOT NULL,
    PRIMARY KEY (report_id, key)
) STRICT;
)sql",
    // 4: maintainer actions: who has a report, what was released and when it
    // is disclosed, internal notes (sealed), and the signatures that have
    // authorised a mail command (each only once).
    R"sql(
ALTER TABLE reports ADD COLUMN assignee TEXT;
ALTER TABLE reports ADD COLUMN fixed_version TEXT;
ALTER TABLE reports ADD COLUMN disclosure_date TEXT;

CREATE TABLE notes (
    id         INTEGER PRIMARY KEY,
    report_id  TEXT NOT NULL REFERENCES reports(id),
    at         INTEGER NOT NULL,
    actor      TEXT NOT NULL,
    text       TEXT NOT NULL
) STRICT;
CREATE INDEX notes_report ON notes(report_id);

CREATE TABLE command_signatures (
    fingerprint  TEXT NOT NULL,
    signed_at    INTEGER NOT NULL,
    digest       TEXT NOT NULL,
    message_id   INTEGER NOT NULL REFERENCES messages(id),
    used_at      INTEGER NOT NULL,
    PRIMARY KEY (fingerprint, signed_at, digest)
) STRICT;
)sql",
    // 5: each open report's deadlines as its last alert plan computed them,
    // so `secmailctl overdue` is one query instead of a timeline per report,
    // and the policy text they were planned under. A report's rows are
    // deleted whenever its plan is (next_alert_at = NULL).
    R"sql(
CREATE TABLE deadlines (
    due_at            INTEGER NOT NULL,
    report_id         TEXT NOT NULL REFERENCES reports(id),
    stage             TEXT NOT NULL,
    report_state      TEXT NOT NULL,
    reporter          TEXT NOT NULL,
    alerts_sent       INTEGER NOT NULL,
    last_alert_kind   TEXT,
    last_alert_level  INTEGER,
    last_alert_at     INTEGER,
    -- Stored in due order: `overdue` reads the longest late first, no sort.
    PRIMARY KEY (due_at, report_id, stage)
) STRICT, WITHOUT ROWID;
CREATE INDEX deadlines_report ON deadlines(report_id);
CREATE TABLE plan_policy (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    digest  TEXT NOT NULL
) STRICT;
UPDATE reports SET next_alert_at = NULL;
)sql",
    // 6: what the daemon last did (its last pass, the last good poll of each
    // mailbox), for `secmailctl status` and the metrics.
    R"sql(
CREATE TABLE service_status (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL,
    at     INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_by_state_created ON outbox(state, created_at);
)sql",
};

int userVersion(Db& db) {
    auto stmt = db.prepare("PRAGMA user_version");
    stmt.step();
    return static_cast<int>(stmt.integer(0));
}

}  // namespace

int latestSchemaVersion() {
    return static_cast<int>(kMigrations.size());
}

void migrate(Db& db) {
    int current = userVersion(db);
    if (current > latestSchemaVersion())
        throw StoreError("the store has schema version " + std::to_string(current) +
                         " but this secmaild knows only up to " + std::to_string(latestSchemaVersion()) +
                         ": it was written by a newer version");
    for (int v = current; v < latestSchemaVersion(); ++v) {
        Transaction tx(db);
        db.exec(kMigrations[static_cast<std::size_t>(v)]);
        db.exec("PRAGMA user_version = " + std::to_string(v + 1));
        tx.commit();
    }
}

}  // namespace secmaild::store
