// The message pipeline (see pipeline.hpp). The order of the checks matters:
// a duplicate is a duplicate even if it is also a bounce; automatic mail is
// never a report even when it quotes a report's subject tag; only then do
// follow-up and new-report handling run.
#include "secmaild/service/pipeline.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "secmaild/answer/acknowledgment.hpp"
#include "secmaild/mime/message.hpp"
#include "secmaild/report/classify.hpp"
#include "secmaild/report/fields.hpp"
#include "secmaild/service/outbox.hpp"
#include "secmaild/util/hash.hpp"
#include "secmaild/util/strings.hpp"

namespace secmaild::service {

namespace {

using nlohmann::json;
using report::Outcome;

constexpr const char* kActor = "secmaild";

mime::MessageLimits messageLimits(const config::Limits& l) {
    mime::MessageLimits m;
    m.scan.maxHeaderBytes = l.maxHeaderBytes;
    m.scan.maxHeaderLine = l.maxHeaderLine;
    m.scan.maxDepth = l.maxDepth;
    m.scan.maxParts = l.maxParts;
    m.maxTextBytes = l.maxTextBytes;
    return m;
}

void addFlag(store::MessageVerdict& v, const std::string& flag) {
    if (std::find(v.flags.begin(), v.flags.end(), flag) == v.flags.end()) v.flags.push_back(flag);
}

// Takes the decoded attachments out of `parsed` (they are the bulk of a big
// message; the text has already been read from them).
std::vector<store::MessagePart> storedParts(mime::ParsedMessage& parsed) {
    std::vector<store::MessagePart> out;
    int index = 0;
    for (auto& p : parsed.parts) {
        store::MessagePart s;
        s.index = index++;
        s.path = p.path;
        s.contentType = p.contentType;
        s.charset = p.charset;
        s.disposition = p.disposition;
        s.filename = p.filename;
        s.attachment = p.attachment;
        s.rawOffset = p.rawBegin;
        s.rawLength = p.rawEnd - p.rawBegin;
        if (!p.container) {
            s.size = p.decoded.size();
            s.sha256 = sha256Hex(p.decoded);
            if (p.attachment) s.data = std::move(p.decoded);
        }
        out.push_back(std::move(s));
    }
    return out;
}

class MessageProcessor {
public:
    MessageProcessor(Runtime& rt, std::int64_t id) : rt_(rt), store_(*rt.store), id_(id) {}

    Processed run() {
        row_ = store_.message(id_).value();
        now_ = rt_.clock->now();
        parsed_ = mime::parseMessage(store_.rawMessage(id_), messageLimits(rt_.config.limits));
        describe();

        store::Transaction tx(store_.db());
        // Another process may have processed it while we parsed.
        if (!store_.isPending(id_)) return {row_.outcome.value_or(""), row_.reportId, false};
        decide();
        store_.recordVerdict(id_, verdict_, now_);
        tx.commit();
        spdlog::info("message.processed id={} outcome={} report={} answer={} flags={}", id_, verdict_.outcome,
                     verdict_.reportId.value_or("-"), answerQueued_ ? "queued" : "none", join(verdict_.flags, ","));
        return {verdict_.outcome, verdict_.reportId, answerQueued_};
    }

private:
    void describe() {
        verdict_.bodySha256 = parsed_.bodySha256;
        if (!parsed_.messageId.empty()) verdict_.messageId = parsed_.messageId;
        if (!parsed_.from.empty()) {
            verdict_.sender = parsed_.from.front().address;
            if (!parsed_.from.front().name.empty()) verdict_.senderName = parsed_.from.front().name;
        }
        if (!parsed_.subject.empty()) verdict_.subject = parsed_.subject;
        if (!parsed_.date.empty()) verdict_.dateHeader = parsed_.date;
        verdict_.parts = storedParts(parsed_);
        verdict_.text = parsed_.text;
        verdict_.problems = parsed_.problems;
        if (parsed_.limitHit) addFlag(verdict_, "limit-hit");
        if (row_.truncated) {
            addFlag(verdict_, "limit-hit");
            addFlag(verdict_, "truncated");
            verdict_.problems.push_back("only the first " + std::to_string(row_.rawSize) +
                                        " bytes were fetched (limits.max_message_size); the server keeps the rest");
        }
        if (parsed_.parseProblem || !parsed_.problems.empty()) addFlag(verdict_, "parse-problem");
    }

    void setOutcome(Outcome o, std::string reason) {
        verdict_.outcome = std::string(report::outcomeName(o));
        verdict_.outcomeReason = std::move(reason);
    }

    void audit(const std::optional<std::string>& reportId, const std::string& event, const json& detail) {
        store_.audit(now_, reportId, id_, kActor, event, detail.dump(-1, ' ', false, json::error_handler_t::replace));
    }

    // Message-IDs this message refers to: In-Reply-To and References.
    std::vector<std::string> referencedIds() const {
        std::vector<std::string> ids = parsed_.references;
        ids.insert(ids.end(), parsed_.inReplyTo.begin(), parsed_.inReplyTo.end());
        return ids;
    }

    void decide() {
        if (auto original = store_.findDuplicate(id_, row_.rawSha256, verdict_.messageId, verdict_.bodySha256)) {
            auto first = store_.message(*original);
            setOutcome(Outcome::Duplicate, "the same message as message " + std::to_string(*original));
            verdict_.duplicateOf = *original;
            if (first && first->reportId) {
                verdict_.reportId = first->reportId;
                audit(first->reportId, "message.duplicate", {{"duplicate_of", *original}});
            }
            return;
        }
        if (verdict_.messageId && store_.messageIdSeen(id_, *verdict_.messageId)) {
            addFlag(verdict_, "message-id-reused");
            verdict_.problems.push_back("another message with a different body has the same Message-ID");
        }
        if (auto automatic = report::detectAutomatic(parsed_, rt_.config.ownAddresses())) {
            setOutcome(automatic->outcome, automatic->reason);
            // A bounce or vacation notice about one of our answers belongs to its report.
            if (auto reportId = store_.reportForMessageIds(referencedIds())) {
                verdict_.reportId = reportId;
                audit(reportId, "message.automatic", {{"outcome", verdict_.outcome}, {"reason", automatic->reason}});
            }
            return;
        }
        auto to = report::answerAddress(parsed_, rt_.config.answers.replyAddress);
        if (!to || parsed_.from.empty()) {
            setOutcome(Outcome::Unreadable, "no usable sender address");
            addFlag(verdict_, "no-sender");
            return;
        }
        answerTo_ = *to;
        if (auto reportId = followUpTarget()) {
            followUp(*reportId);
            return;
        }
        newReport();
    }

    std::optional<std::string> followUpTarget() {
        if (auto r = store_.reportForMessageIds(referencedIds())) return r;
        if (auto tag = report::findReportTag(parsed_.subject, rt_.policy.reportPrefix))
            if (store_.report(*tag)) return tag;
        return std::nullopt;
    }

    std::vector<report::FoundField> extract() {
        report::ExtractOptions options;
        options.maxTextBytes = rt_.config.limits.maxTextBytes;
        return report::extractFields(parsed_.text, rt_.policy.fieldSpecs(), options);
    }

    void storeField(const std::string& reportId, const report::FoundField& f) {
        store_.setField(reportId, {std::string(report::fieldKey(f.field)), f.value, f.how, id_, now_});
    }

    answer::ReportSummary summary(const std::string& reportId) {
        answer::ReportSummary s;
        s.id = reportId;
        auto report = store_.report(reportId).value();
        s.receivedAt = report.receivedAt;
        for (const auto& st : store_.stages(reportId)) s.completedStages[st.stage] = st.completedAt;
        for (const auto& f : store_.fields(reportId)) {
            if (auto field = report::fieldFromKey(f.name)) {
                s.present.insert(*field);
                if (*field == report::Field::Version) s.versionNumber = report::versionNumber(f.value);
            }
        }
        s.partlyUnreadable =
            std::find(verdict_.flags.begin(), verdict_.flags.end(), "parse-problem") != verdict_.flags.end() ||
            std::find(verdict_.flags.begin(), verdict_.flags.end(), "limit-hit") != verdict_.flags.end();
        return s;
    }

    // Queues an answer unless the sender's hourly allowance is used up.
    void queueAnswer(const std::string& reportId, const std::string& kind, const std::string& templateName,
                     bool acknowledgesNow) {
        const int limit = rt_.config.answers.perSenderPerHour;
        const std::string recipient = toLower(answerTo_.address);
        if (limit <= 0 || store_.answersSince(recipient, now_ - std::chrono::hours{1}) >= limit) {
            addFlag(verdict_, "rate-limited");
            audit(reportId, "answer.withheld", {{"kind", kind}, {"reason", "answers.per_sender_per_hour reached"}});
            spdlog::warn("answer.withheld report={} kind={} reason=rate-limit", reportId, kind);
            return;
        }
        auto context = answer::answerContext(rt_.policy, rt_.calendar, summary(reportId), acknowledgesNow);
        context["our_address"] = rt_.config.smtp.from;
        std::string body = rt_.templates.render(templateName, context);
        answer::Reply reply{reportId, parsed_.subject, parsed_.messageId, parsed_.references, answerTo_, body};
        auto mail = answer::composeReply(rt_.config.smtp, reply, now_);
        store::OutboxItem item;
        item.createdAt = now_;
        item.kind = kind;
        item.reportId = reportId;
        item.inReplyTo = id_;
        item.recipient = recipient;
        item.envelopeFrom = rt_.config.smtp.from;
        item.messageId = mail.messageId;
        item.raw = mime::renderMail(mail);
        item.nextAttemptAt = now_;
        store_.enqueue(item);
        store_.addThreadMessageId(mail.messageId, reportId);
        audit(reportId, "answer.queued", {{"kind", kind}, {"message_id", mail.messageId}});
        answerQueued_ = true;
    }

    // `refersTo`: the report a stranger's mail replied to, if any.
    void newReport(const std::optional<std::string>& refersTo = std::nullopt) {
        auto found = extract();
        bool haveContact =
            std::any_of(found.begin(), found.end(), [](const auto& f) { return f.field == report::Field::Contact; });
        if (!haveContact) found.push_back({report::Field::Contact, parsed_.from.front().address, "sender"});
        const std::string reportId =
            store_.allocateReportId(rt_.policy.reportPrefix, rt_.calendar.localYear(row_.receivedAt));
        store::ReportRow r;
        r.id = reportId;
        r.state = "new";
        r.reporter = toLower(parsed_.from.front().address);
        if (!parsed_.from.front().name.empty()) r.reporterName = parsed_.from.front().name;
        r.replyTo = toLower(answerTo_.address);
        if (!parsed_.subject.empty()) r.subject = parsed_.subject;
        r.receivedAt = row_.receivedAt;
        r.firstMessage = id_;
        r.policy = rt_.policy.name;
        r.createdAt = now_;
        r.updatedAt = now_;
        store_.insertReport(r);
        std::set<report::Field> present;
        json fieldNames = json::array();
        for (const auto& f : found) {
            storeField(reportId, f);
            present.insert(f.field);
            fieldNames.push_back(report::fieldKey(f.field));
        }
        if (verdict_.messageId) store_.addThreadMessageId(*verdict_.messageId, reportId);
        if (parsed_.text.empty()) {
            addFlag(verdict_, "no-text");
            verdict_.problems.push_back("no readable text was found (encrypted, empty, or only attachments)");
        }
        json missing = json::array();
        for (auto f : answer::missingRequired(rt_.policy, present)) missing.push_back(report::fieldKey(f));
        setOutcome(Outcome::NewReport, refersTo ? "a new report from another sender in the thread of " + *refersTo
                                                : std::string("a new report"));
        verdict_.reportId = reportId;
        json filed{
            {"fields", fieldNames}, {"missing", missing}, {"flags", verdict_.flags}, {"policy", rt_.policy.name}};
        if (refersTo) {
            filed["refers_to"] = *refersTo;
            audit(refersTo, "report.referenced", {{"by_report", reportId}, {"same_reporter", false}});
        }
        audit(reportId, "report.filed", filed);
        spdlog::info("report.filed id={} message={} missing={}", reportId, id_, missing.size());
        queueAnswer(reportId, "acknowledgment", "acknowledgment", true);
    }

    void followUp(const std::string& reportId) {
        auto report = store_.report(reportId).value();
        const std::string sender = toLower(parsed_.from.front().address);
        if (sender != report.reporter && sender != report.replyTo) {
            // Anyone can reply in a thread or copy a report's tag (a forward, a
            // colleague, an attacker). A stranger's mail never changes a report
            // nor learns anything about it: it is filed as a report of its own,
            // answered like any other, and noted on the report it refers to.
            addFlag(verdict_, "foreign-sender");
            newReport(reportId);
            return;
        }
        setOutcome(Outcome::FollowUp, "a follow-up to " + reportId);
        verdict_.reportId = reportId;
        if (verdict_.messageId) store_.addThreadMessageId(*verdict_.messageId, reportId);
        store_.touchReport(reportId, now_);
        std::set<report::Field> present;
        for (const auto& f : store_.fields(reportId))
            if (auto field = report::fieldFromKey(f.name)) present.insert(*field);
        auto missingBefore = answer::missingRequired(rt_.policy, present).size();
        json added = json::array();
        for (const auto& f : extract()) {
            if (present.count(f.field)) continue;
            storeField(reportId, f);
            present.insert(f.field);
            added.push_back(report::fieldKey(f.field));
        }
        auto missingAfter = answer::missingRequired(rt_.policy, present).size();
        audit(reportId, "follow-up.received", {{"same_reporter", true}, {"fields_added", added}});
        if (missingAfter < missingBefore) queueAnswer(reportId, "follow-up-acknowledgment", "follow-up", false);
    }

    Runtime& rt_;
    store::Store& store_;
    std::int64_t id_;
    store::MessageRow row_;
    TimePoint now_;
    mime::ParsedMessage parsed_;
    store::MessageVerdict verdict_;
    mime::Address answerTo_;
    bool answerQueued_ = false;
};

}  // namespace

Processed processMessage(Runtime& rt, std::int64_t messageId) {
    try {
        return MessageProcessor(rt, messageId).run();
    } catch (const store::StoreError&) {
        throw;
    } catch (const std::exception& e) {
        // A bug: keep the message, flag it for a human, go on with the others.
        spdlog::error("message.processing_error id={} error=\"{}\"", messageId, e.what());
        store::MessageVerdict v;
        v.outcome = std::string(report::outcomeName(Outcome::Unreadable));
        v.outcomeReason = "processing failed (a bug in secmaild; the message is kept)";
        v.flags = {"processing-error"};
        v.problems = {std::string("processing failed: ") + e.what()};
        store::Transaction tx(rt.store->db());
        rt.store->recordVerdict(messageId, v, rt.clock->now());
        tx.commit();
        return {v.outcome, std::nullopt, false};
    }
}

int processPending(Runtime& rt, const std::atomic<bool>* stop, AnswerFeed* feed) {
    int count = 0;
    for (auto id : rt.store->pendingMessages()) {
        if (stop && stop->load()) break;
        if (processMessage(rt, id).answerQueued && feed) feed->answered();
        ++count;
    }
    return count;
}

}  // namespace secmaild::service
