// The durable state of secmaild in one SQLite file: mailbox checkpoints, every
// message (raw bytes first, parsed facts later), reports and their fields,
// stage completions, the audit trail, and the outbox. Methods that change
// several rows expect the caller to hold a Transaction when they must be
// atomic together (see service/pipeline.cpp); each method alone is atomic.
// Throws StoreError when SQLite fails.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "secmaild/store/db.hpp"
#include "secmaild/store/records.hpp"
#include "secmaild/store/sealer.hpp"

namespace secmaild::store {

class Store {
public:
    // Opens the store, creating it and running migrations as needed.
    static Store open(const std::filesystem::path& path);
    // Opens an existing store for reading only (secmailctl list/show/messages);
    // fails if it does not exist or has a newer schema than this binary knows.
    static Store openReadOnly(const std::filesystem::path& path);

    Db& db() { return db_; }
    int schemaVersion();

    // --- encryption at rest
    // From now on sensitive values are sealed when written and opened when
    // read. Without a sealer, values are written in clear, and sealed values
    // read back as kSealedPlaceholder (secmailctl without access to the key).
    void setSealer(std::shared_ptr<const Sealer> sealer) { sealer_ = std::move(sealer); }
    bool canUnseal() const { return sealer_ != nullptr; }
    const std::shared_ptr<const Sealer>& sealer() const { return sealer_; }
    static constexpr const char* kSealedPlaceholder = "[encrypted at rest]";
    // Content hashes computed with the data key start with this.
    static constexpr const char* kKeyedHashPrefix = "k1:";
    // The data key, wrapped with OpenPGP; one row.
    std::optional<WrappedDataKey> wrappedDataKey();
    void saveWrappedDataKey(const WrappedDataKey& key);
    // True when some message or field was written in clear (encryption off then).
    bool hasUnsealedRecords();
    // Seals every value written in clear; returns how many rows changed.
    std::size_t sealExistingRecords();
    // Returns once every earlier commit is on disk (one fsync of the WAL).
    // Called before anything leaves the machine: before a message is marked
    // on the IMAP server, and before the outbox is sent.
    void makeDurable(TimePoint now);

    // --- mailbox checkpoints
    std::optional<MailboxState> mailboxState(const std::string& mailbox);
    void setMailboxState(const MailboxState& state, TimePoint now);

    // --- messages
    // Stores the raw bytes (and advances the mailbox checkpoint to its uid, in
    // the same transaction, when it came from IMAP). A message whose raw bytes
    // equal an already stored one keeps a reference instead of a second copy.
    // A mailbox message already stored under the same UID is not stored
    // again: its id is returned.
    std::int64_t storeIncoming(const IncomingMessage& message, TimePoint now);
    std::vector<std::int64_t> pendingMessages();
    bool isPending(std::int64_t id);
    std::string rawMessage(std::int64_t id);
    std::optional<MessageRow> message(std::int64_t id);
    std::vector<MessageRow> messages();
    std::vector<MessageRow> messagesOfReport(const std::string& reportId);
    std::vector<MessagePart> parts(std::int64_t messageId);
    std::optional<std::string> messageText(std::int64_t messageId);
    // Messages stored from a mailbox but not yet marked on the server.
    std::vector<MessageRow> unmarkedMessages(const std::string& mailbox, std::int64_t uidValidity);
    void setServerMarked(const std::vector<std::int64_t>& ids);
    // An earlier, processed message that this one duplicates: byte-identical,
    // or the same Message-ID with the same body.
    std::optional<std::int64_t> findDuplicate(std::int64_t id, const std::string& rawSha256,
                                              const std::optional<std::string>& messageId,
                                              const std::optional<std::string>& bodySha256);
    // True when a processed message other than `id` has this Message-ID.
    bool messageIdSeen(std::int64_t id, const std::string& messageId);
    void recordVerdict(std::int64_t id, const MessageVerdict& verdict, TimePoint now);
    // The clear text that came with an encrypted part, kept apart from it.
    std::optional<std::string> unauthenticatedText(std::int64_t messageId);
    // The decoded bytes of an attachment, if they were kept.
    std::optional<std::string> partData(std::int64_t messageId, int index);

    // --- reports
    // The next id for the prefix and year ("SEC-2026-0001"); never reused.
    std::string allocateReportId(const std::string& prefix, int year);
    void insertReport(const ReportRow& report);
    std::optional<ReportRow> report(const std::string& id);
    std::vector<ReportRow> reports();
    void setReportState(const std::string& id, const std::string& state, TimePoint now);
    void touchReport(const std::string& id, TimePoint now);
    void setField(const std::string& reportId, const FieldRow& field);
    std::vector<FieldRow> fields(const std::string& reportId);
    void completeStage(const std::string& reportId, const std::string& stage, TimePoint at, const std::string& actor);
    std::vector<StageRow> stages(const std::string& reportId);
    void setReporterKey(const std::string& reportId, const std::string& fingerprint);
    // Maintainer actions (service/actions.hpp); each also touches updated_at
    // and makes the alert plan be recomputed.
    enum class Detail { Severity, Assignee, FixedVersion, DisclosureDate };
    void setReportDetail(const std::string& reportId, Detail detail, const std::string& value, TimePoint now);
    void addNote(const NoteRow& note);
    std::vector<NoteRow> notes(const std::string& reportId);
    // Records that this signature (signer, creation time, digest of the signed
    // text) authorised a mail command; false when it already had: a replay.
    bool useCommandSignature(const std::string& fingerprint, TimePoint signedAt, std::string_view signedText,
                             std::int64_t messageId, TimePoint now);

    // --- escalation
    // Open reports whose alert plan is unknown or due by `now`.
    std::vector<std::string> reportsNeedingAlertPlan(TimePoint now);
    // When the plan must next be looked at; nullopt: nothing ahead.
    void setNextAlertAt(const std::string& reportId, std::optional<TimePoint> at);
    // The earliest next_alert_at of open reports (the scheduler's timer).
    std::optional<TimePoint> nextAlertAt();
    // Forget the plan's schedule (the report changed): recomputed at the next pass.
    void invalidateAlertPlan(const std::string& reportId);
    void recordAlert(const AlertRow& alert);
    std::vector<AlertRow> alertsOf(const std::string& reportId);
    // --- deadlines as each open report's last alert plan computed them
    // True when the stored plans were made under the policy text with this
    // digest; otherwise forgets every plan (each open report is planned again
    // at the next pass), records the digest and returns false.
    bool adoptPlanPolicy(const std::string& digest);
    // The digest of the policy text the stored plans were made under.
    std::optional<std::string> planPolicy();
    // Replaces a report's deadline rows (its open stages that have a due time).
    void setDeadlines(const std::string& reportId, const std::vector<DeadlineRow>& rows);
    // Deadline rows due at or before `at`, ordered by (due, report id, stage):
    // the longest late first. `visit` sees one reused row object.
    void eachDeadlineDueBy(TimePoint at, const std::function<void(const DeadlineRow&)>& visit);
    std::vector<DeadlineRow> deadlinesDueBy(TimePoint at);
    // Open reports without a current plan (changed since the last pass, or
    // never planned): their deadlines are not in the table.
    std::vector<std::string> reportsWithoutPlan();
    // The next deadline after `now` among the stored plans, if any.
    std::optional<DeadlineRow> nextDeadline(TimePoint now);

    // --- the service's own state (status.cpp)
    void setServiceStatus(const std::string& name, const std::string& jsonValue, TimePoint at);
    std::optional<ServiceStatusRow> serviceStatus(const std::string& name);
    StoreTotals totals();

    // When the reporter was last mailed (answers queued to them), if ever.
    std::optional<TimePoint> lastReporterContact(const std::string& reportId);

    // --- reporters' keys (never authority; see pgp/)
    // The key accepted first for an address, if any.
    std::optional<ReporterKeyRow> reporterKey(const std::string& address);
    void addReporterKey(const ReporterKeyRow& key);
    // Message-IDs of a report's thread (incoming messages and our answers).
    void addThreadMessageId(const std::string& messageId, const std::string& reportId);
    std::optional<std::string> reportForMessageIds(const std::vector<std::string>& messageIds);

    // --- audit trail
    void audit(TimePoint at, const std::optional<std::string>& reportId, const std::optional<std::int64_t>& message,
               const std::string& actor, const std::string& event, const std::string& detailJson = "{}");
    std::vector<AuditRow> auditOf(const std::string& reportId);

    // --- outbox
    std::int64_t enqueue(const OutboxItem& item);
    std::vector<OutboxItem> dueOutbox(TimePoint now);
    bool hasDueOutbox(TimePoint now);
    std::vector<OutboxItem> outboxForMessage(std::int64_t messageId);
    std::vector<OutboxItem> outboxForReport(const std::string& reportId);
    std::optional<TimePoint> nextOutboxAttempt();
    // Takes a due item for sending by pushing its next attempt to `leaseUntil`;
    // false when another process took it first. A sender that dies mid-send
    // leaves the item to be retried when the lease runs out.
    bool claimOutbox(std::int64_t id, TimePoint now, TimePoint leaseUntil);
    // Claims every due item in one transaction; returns those claimed.
    std::vector<OutboxItem> claimDueOutbox(TimePoint now, TimePoint leaseUntil);
    // Gives a claimed, unsent item back, due at `when`.
    void releaseOutbox(std::int64_t id, TimePoint when);
    void markSent(std::int64_t id, TimePoint at);
    void markDeferred(std::int64_t id, TimePoint next, const std::string& error);
    void markFailed(std::int64_t id, TimePoint at, const std::string& error);
    // Answers queued to this recipient since `since` (rate limiting).
    int answersSince(const std::string& recipient, TimePoint since);

private:
    explicit Store(Db db) : db_(std::move(db)) {}
    std::string sealText(std::string_view plain, const char* context) const;
    std::optional<std::string> sealOptional(const std::optional<std::string>& plain, const char* context) const;
    std::string sealBinary(std::string_view plain, const char* context) const;
    // Throws StoreError when a sealed value does not open (damage, wrong key).
    std::string unseal(std::string_view stored, const char* context) const;
    std::optional<std::string> unsealOptional(const std::optional<std::string>& stored, const char* context) const;
    // SHA-256 in clear mode; a keyed hash when sealing (a plain hash of a
    // known message would confirm that it is stored).
    std::string contentHash(std::string_view bytes) const;
    std::optional<std::string> bodyHash(const std::optional<std::string>& sha256) const;
    MessageRow readMessage(const Statement& s) const;
    ReportRow readReport(const Statement& s) const;
    OutboxItem readOutboxItem(const Statement& s) const;
    std::vector<OutboxItem> readOutboxItems(Statement& s) const;
    Db db_;
    std::shared_ptr<const Sealer> sealer_;
};

}  // namespace secmaild::store
