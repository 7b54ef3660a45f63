// The rows the store hands out. Plain values: the store never returns
// handles into SQLite.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "secmaild/util/clock.hpp"

namespace secmaild::store {

struct MailboxState {
    std::string mailbox;
    std::int64_t uidValidity = 0;
    std::int64_t lastUid = 0;
};

// A message as it arrives, before anything is parsed.
struct IncomingMessage {
    TimePoint receivedAt;  // IMAP INTERNALDATE, or the time `ingest` read it
    std::string source;    // "imap" | "stdin"
    std::optional<std::string> mailbox;
    std::optional<std::int64_t> uidValidity;
    std::optional<std::int64_t> uid;
    std::string raw;
    bool truncated = false;  // only the first max_message_size bytes were fetched
};

struct MessagePart {
    int index = 0;
    std::string path;  // "1", "1.2", ... ("" for a single-part message)
    std::string contentType;
    std::string charset;
    std::string disposition;
    std::string filename;
    std::uint64_t size = 0;  // decoded bytes
    std::string sha256;      // of the decoded bytes
    bool attachment = false;
    std::uint64_t rawOffset = 0;  // the part's bytes in the raw message, headers included
    std::uint64_t rawLength = 0;
    std::string data;  // decoded bytes, kept for attachments only
};

struct MessageRow {
    std::int64_t id = 0;
    TimePoint receivedAt;
    TimePoint storedAt;
    std::string source;
    std::optional<std::string> mailbox;
    std::optional<std::int64_t> uidValidity;
    std::optional<std::int64_t> uid;
    bool serverMarked = false;
    std::uint64_t rawSize = 0;
    std::string rawSha256;
    bool truncated = false;
    std::string state;  // "pending" | "processed"
    std::optional<std::string> messageId;
    std::optional<std::string> sender;
    std::optional<std::string> senderName;
    std::optional<std::string> subject;
    std::optional<std::string> dateHeader;
    std::optional<std::string> outcome;
    std::optional<std::string> outcomeReason;
    std::optional<std::string> reportId;
    std::optional<std::int64_t> duplicateOf;
    std::vector<std::string> flags;
    std::vector<std::string> problems;
    std::optional<TimePoint> processedAt;
    std::string crypto = "{}";  // OpenPGP facts, JSON object
};

// What processing decided about a message, written in one go.
struct MessageVerdict {
    std::optional<std::string> messageId;
    std::optional<std::string> bodySha256;
    std::optional<std::string> sender;
    std::optional<std::string> senderName;
    std::optional<std::string> subject;
    std::optional<std::string> dateHeader;
    std::string outcome;
    std::string outcomeReason;
    std::optional<std::string> reportId;
    std::optional<std::int64_t> duplicateOf;
    std::vector<std::string> flags;
    std::vector<std::string> problems;
    std::vector<MessagePart> parts;
    std::string text;  // the text read for fields (UTF-8)
    // Clear text that arrived beside an encrypted part: kept, never mixed
    // with the decrypted text (EFAIL).
    std::optional<std::string> unauthenticatedText;
    std::string cryptoJson = "{}";  // OpenPGP facts (see pgp/mail.hpp)
};

struct WrappedDataKey {
    std::string wrapped;                  // OpenPGP message holding the data key
    std::vector<std::string> recipients;  // fingerprints it is encrypted to
    TimePoint createdAt;
    TimePoint wrappedAt;
};

struct ReporterKeyRow {
    std::string address;  // lower-case
    std::string fingerprint;
    std::string source;  // "attachment" | "autocrypt"
    std::optional<std::string> reportId;
    std::optional<std::int64_t> message;
    TimePoint firstSeen;
};

struct ReportRow {
    std::string id;
    std::string state;
    std::string reporter;
    std::optional<std::string> reporterName;
    std::string replyTo;
    std::optional<std::string> subject;
    TimePoint receivedAt;
    std::int64_t firstMessage = 0;
    std::string policy;
    TimePoint createdAt;
    TimePoint updatedAt;
    std::optional<std::string> reporterKey;  // fingerprint of the reporter's OpenPGP key
    std::optional<std::string> severity;     // none, low, medium, high, critical
    std::optional<std::string> assignee;
    std::optional<std::string> fixedVersion;    // what the release action named
    std::optional<std::string> disclosureDate;  // YYYY-MM-DD, from the disclose action
};

// An internal note on a report (sealed at rest).
struct NoteRow {
    std::string reportId;
    TimePoint at;
    std::string actor;
    std::string text;
};

struct AlertRow {
    std::string reportId;
    std::string key;
    std::string kind;
    std::string stage;
    int level = 0;
    TimePoint dueAt;
    TimePoint sentAt;
};

// An open stage's deadline as a report's last alert plan computed it, with
// the alerts sent about it (what `secmailctl overdue` lists).
struct DeadlineRow {
    std::string reportId;
    std::string stage;
    TimePoint dueAt;
    std::string reportState;
    std::string reporter;
    int alertsSent = 0;
    std::optional<std::string> lastAlertKind;
    std::optional<int> lastAlertLevel;
    std::optional<TimePoint> lastAlertAt;
};

// One fact about the running service (service_status): a JSON value and when.
struct ServiceStatusRow {
    std::string value;
    TimePoint at;
};

// Counts over the whole store, for `secmailctl status` and the metrics.
struct StoreTotals {
    std::int64_t openReports = 0;
    std::int64_t closedReports = 0;
    std::int64_t pendingMessages = 0;  // stored, not yet processed
    std::int64_t outboxQueued = 0;
    std::optional<TimePoint> oldestQueued;
    std::int64_t outboxFailed = 0;
    std::map<std::string, std::int64_t> messagesByOutcome;  // processed messages
    std::map<std::string, std::int64_t> sentByKind;         // outbox items sent
    std::map<std::string, std::int64_t> alertsByKind;       // escalation alerts
};

struct FieldRow {
    std::string name;
    std::string value;
    std::string how;
    std::optional<std::int64_t> sourceMessage;
    TimePoint updatedAt;
};

struct StageRow {
    std::string stage;
    TimePoint completedAt;
    std::string actor;
};

struct AuditRow {
    std::int64_t id = 0;
    TimePoint at;
    std::optional<std::string> reportId;
    std::optional<std::int64_t> message;
    std::string actor;
    std::string event;
    std::string detail;  // JSON object
};

struct OutboxItem {
    std::int64_t id = 0;
    TimePoint createdAt;
    std::string kind;  // "acknowledgment" | "follow-up-acknowledgment"
    std::optional<std::string> reportId;
    std::optional<std::int64_t> inReplyTo;
    std::string recipient;
    std::string envelopeFrom;
    std::string messageId;
    std::string raw;
    std::string state;  // "queued" | "sent" | "failed"
    int attempts = 0;
    TimePoint nextAttemptAt;
    std::optional<std::string> lastError;
    std::optional<TimePoint> sentAt;
    std::string protection = "{}";  // JSON, see pgp/protect.hpp
};

}  // namespace secmaild::store
