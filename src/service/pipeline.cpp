// The message pipeline (see pipeline.hpp). The order of the checks matters:
// a duplicate is a duplicate even if it is also a bounce; automatic mail is
// never a report even when it quotes a report's subject tag; only then do
// follow-up and new-report handling run.
#include "secmaild/service/pipeline.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <mutex>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "secmaild/answer/acknowledgment.hpp"
#include "secmaild/mime/message.hpp"
#include "secmaild/pgp/key_filter.hpp"
#include "secmaild/pgp/mail.hpp"
#include "secmaild/pgp/protect.hpp"
#include "secmaild/report/classify.hpp"
#include "secmaild/report/cvss4.hpp"
#include "secmaild/report/fields.hpp"
#include "secmaild/service/actions.hpp"
#include "secmaild/service/bounces.hpp"
#include "secmaild/service/mail_commands.hpp"
#include "secmaild/service/maintainer_mail.hpp"
#include "secmaild/service/outbox.hpp"
#include "secmaild/service/read_ahead.hpp"
#include "secmaild/service/reporter_mail.hpp"
#include "secmaild/service/work_feed.hpp"
#include "secmaild/util/hash.hpp"
#include "secmaild/util/strings.hpp"

namespace secmaild::service {

namespace {

using nlohmann::json;
using report::Outcome;

constexpr const char* kActor = "secmaild";

void addFlag(store::MessageVerdict& v, const std::string& flag) {
    if (std::find(v.flags.begin(), v.flags.end(), flag) == v.flags.end()) v.flags.push_back(flag);
}

// Takes the decoded attachment out of `p` (attachments are the bulk of a big
// message; the text has already been read from them).
store::MessagePart storedPart(mime::Part& p, int index) {
    store::MessagePart s;
    s.index = index;
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
    return s;
}

std::vector<store::MessagePart> storedParts(mime::ParsedMessage& parsed) {
    std::vector<store::MessagePart> out;
    int index = 0;
    for (auto& p : parsed.parts) out.push_back(storedPart(p, index++));
    return out;
}

class MessageProcessor {
public:
    MessageProcessor(Runtime& rt, std::int64_t id, std::optional<ReadMessage> ahead)
        : rt_(rt), store_(*rt.store), id_(id), ahead_(std::move(ahead)) {}

    Processed run() {
        row_ = store_.message(id_).value();
        now_ = rt_.clock->now();
        read();
        describe();
        describeOpenPgp();

        store::Transaction tx(store_.db());
        // Another process may have processed it while we parsed.
        if (!store_.isPending(id_)) return {row_.outcome.value_or(""), row_.reportId, false};
        decide();
        verdict_.cryptoJson = cryptoFacts().dump(-1, ' ', false, json::error_handler_t::replace);
        store_.recordVerdict(id_, verdict_, now_);
        tx.commit();
        spdlog::info("message.processed id={} outcome={} report={} answer={} flags={}", id_, verdict_.outcome,
                     verdict_.reportId.value_or("-"), answerQueued_ ? "queued" : "none", join(verdict_.flags, ","));
        return {verdict_.outcome, verdict_.reportId, answerQueued_};
    }

private:
    // Parsed and decrypted here, or taken from the read ahead (read_ahead.hpp):
    // read again when its worker failed, or when a signature there had no key
    // and a key has been imported since.
    void read() {
        if (ahead_ && ahead_->failure) std::rethrow_exception(ahead_->failure);
        if (ahead_ && !ahead_->workerFailed && !staleSignatures(*ahead_)) {
            parsed_ = std::move(ahead_->parsed);
            security_ = std::move(ahead_->security);
            return;
        }
        const std::string raw = store_.rawMessage(id_);
        auto m = readMessage(rt_, raw, rt_.openpgp ? rt_.openpgp->gpg.get() : nullptr);
        parsed_ = std::move(m.parsed);
        security_ = std::move(m.security);
    }

    bool staleSignatures(const ReadMessage& m) const {
        if (!rt_.openpgp || m.keyImports == rt_.openpgp->keyImports) return false;
        auto sigs = m.security.signatures();
        return std::any_of(sigs.begin(), sigs.end(),
                           [](const auto& s) { return s.status == pgp::SignatureStatus::UnknownKey; });
    }

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

    // What OpenPGP found changes what the report's text is (pgp/mail.hpp):
    // from here on parsed_.text is the text fields are read from.
    void describeOpenPgp() {
        if (!security_.hasOpenPgp() && security_.keys.empty()) return;
        if (security_.hasOpenPgp()) {
            parsed_.text = security_.reportText;
            verdict_.text = security_.reportText;
        }
        if (!security_.unauthenticatedText.empty()) {
            verdict_.unauthenticatedText = security_.unauthenticatedText;
            addFlag(verdict_, "unauthenticated-text");
            verdict_.problems.push_back(
                "clear text came with the encrypted part; it is kept apart and was not read as the report");
        }
        if (security_.encrypted) addFlag(verdict_, "encrypted");
        if (security_.encrypted && !security_.allDecrypted) addFlag(verdict_, "not-decrypted");
        if (security_.signedContent) addFlag(verdict_, "signed");
        for (const auto& sig : security_.signatures())
            if (sig.status == pgp::SignatureStatus::Bad) addFlag(verdict_, "bad-signature");
        if (security_.limitHit) addFlag(verdict_, "limit-hit");
        for (const auto& p : security_.problems) verdict_.problems.push_back(p);
        for (const auto& layer : security_.layers) {
            if (layer.decryption && layer.decryption != pgp::DecryptStatus::Decrypted &&
                layer.decryption != pgp::DecryptStatus::NotEncrypted) {
                verdict_.problems.push_back("could not decrypt " + std::string(pgp::layerKindName(layer.kind)) +
                                            (layer.part.empty() ? "" : " part " + layer.part) + ": " +
                                            std::string(pgp::decryptStatusName(*layer.decryption)) +
                                            (layer.detail.empty() ? "" : " (" + layer.detail + ")"));
                spdlog::warn("pgp.decrypt_failed id={} layer={} part={} status={} error=\"{}\"", id_,
                             pgp::layerKindName(layer.kind), layer.part.empty() ? "-" : layer.part,
                             pgp::decryptStatusName(*layer.decryption), layer.detail);
            } else if (!layer.encrypted && layer.signatures.empty() && !layer.detail.empty()) {
                spdlog::warn("pgp.verify_failed id={} layer={} error=\"{}\"", id_, pgp::layerKindName(layer.kind),
                             layer.detail);
            }
        }
        // Parts that came out of a decryption have no range in the raw message.
        int index = static_cast<int>(verdict_.parts.size());
        for (auto& p : security_.decryptedParts) verdict_.parts.push_back(storedPart(p, index++));
        security_.decryptedParts.clear();
    }

    // Who a signature's key is to us. Authority comes from the maintainers'
    // keys file only; a reporter's key is named as such and nothing more.
    std::string signerRole(const std::string& fingerprint) const {
        if (!rt_.openpgp) return "unknown";
        if (fingerprint == rt_.openpgp->ourKey.fingerprint) return "secmaild";
        if (rt_.openpgp->isMaintainerKey(fingerprint)) return "maintainer";
        if (reporterKey_ && *reporterKey_ == fingerprint) return "reporter";
        return "unknown";
    }

    json cryptoFacts() const {
        json facts = json::object();
        if (!security_.hasOpenPgp() && keyEvents_.empty()) return facts;
        facts["encrypted"] = security_.encrypted;
        facts["decrypted"] = security_.encrypted && security_.allDecrypted;
        facts["protected_subject"] = security_.protectedSubject.has_value();
        facts["unauthenticated_text"] = !security_.unauthenticatedText.empty();
        json layers = json::array();
        for (const auto& l : security_.layers) {
            json layer{{"kind", pgp::layerKindName(l.kind)}, {"part", l.part}, {"encrypted", l.encrypted}};
            if (l.decryption) layer["decryption"] = pgp::decryptStatusName(*l.decryption);
            if (!l.detail.empty()) layer["detail"] = l.detail;
            if (!l.recipientKeyIds.empty()) layer["recipients"] = l.recipientKeyIds;
            json sigs = json::array();
            for (const auto& sig : l.signatures) {
                json js{{"status", pgp::signatureStatusName(sig.status)},
                        {"fingerprint", sig.fingerprint},
                        {"signer", signerRole(sig.fingerprint)}};
                if (sig.created) js["created"] = toUnix(*sig.created);
                if (!sig.detail.empty()) js["detail"] = sig.detail;
                sigs.push_back(js);
            }
            layer["signatures"] = sigs;
            layers.push_back(layer);
        }
        facts["layers"] = layers;
        if (!keyEvents_.empty()) facts["keys"] = keyEvents_;
        return facts;
    }

    // Keys the reporter sent: attached (application/pgp-keys, or a key block in
    // the text) or in an Autocrypt header. Each is cut down to the user IDs
    // of the sender's address before gpg sees it; the first key accepted for
    // an address is never silently replaced by another.
    void takeReporterKeys(const std::string& reportId) {
        const std::string sender = toLower(parsed_.from.front().address);
        if (auto known = store_.reporterKey(sender)) reporterKey_ = known->fingerprint;
        if (!rt_.openpgp) return;
        bool importedNow = false;
        std::vector<std::pair<std::string, std::string>> offered;  // data, source
        for (const auto& k : security_.keys) offered.emplace_back(k.data, "attachment");
        // Autocrypt (a hint only: the header is outside every signature).
        if (offered.empty())
            for (const auto& header : parsed_.headersNamed("Autocrypt"))
                if (auto data = autocryptKey(header, sender)) offered.emplace_back(*data, "autocrypt");
        for (const auto& [data, source] : offered) {
            auto filtered = pgp::keepUserIdsFor(data, sender);
            if (!filtered) {
                keyEvents_.push_back({{"source", source}, {"result", "refused"}, {"reason", filtered.error().message}});
                audit(reportId, "reporter_key.refused", {{"source", source}, {"reason", filtered.error().message}});
                continue;
            }
            if (filtered->empty()) {
                keyEvents_.push_back({{"source", source}, {"result", "refused"}, {"reason", "no user ID for " + sender}});
                continue;
            }
            const auto& key = filtered->front();
            auto listed = rt_.openpgp->gpg->keysInData(key.binary);
            if (!listed || listed->empty()) continue;
            const std::string fpr = listed->front().fingerprint;
            if (fpr == rt_.openpgp->ourKey.fingerprint || rt_.openpgp->isMaintainerKey(fpr)) {
                // A reporter's copy of a key with authority must not add user IDs to it.
                keyEvents_.push_back({{"source", source}, {"result", "refused"},
                                      {"reason", "a maintainer's or secmaild's own key"}, {"fingerprint", fpr}});
                audit(reportId, "reporter_key.refused", {{"source", source}, {"reason", "a key with authority"}});
                continue;
            }
            if (reporterKey_ && *reporterKey_ != fpr) {
                addFlag(verdict_, "key-conflict");
                keyConflict_ = std::make_pair(*reporterKey_, fpr);
                keyEvents_.push_back({{"source", source}, {"result", "conflict"}, {"fingerprint", fpr}, {"known", *reporterKey_}});
                audit(reportId, "reporter_key.conflict", {{"source", source}, {"offered", fpr}, {"known", *reporterKey_}});
                spdlog::warn("reporter_key.conflict report={} address={} known={} offered={}", reportId, sender,
                             *reporterKey_, fpr);
                continue;
            }
            auto imported = [&] {
                std::unique_lock keyring(*rt_.openpgp->keyringLock);
                return rt_.openpgp->gpg->importKeys(key.binary);
            }();
            if (!imported) {
                keyEvents_.push_back({{"source", source}, {"result", "refused"}, {"reason", imported.error().message}});
                spdlog::warn("reporter_key.import_failed report={} error=\"{}\"", reportId, imported.error().message);
                continue;
            }
            ++rt_.openpgp->keyImports;
            if (!reporterKey_) {
                importedNow = true;
                store_.addReporterKey({sender, fpr, source, reportId, id_, now_});
                audit(reportId, "reporter_key.imported",
                      {{"source", source}, {"fingerprint", fpr}, {"user_ids_dropped", key.userIdsDropped}});
                spdlog::info("reporter_key.imported report={} fingerprint={} source={}", reportId, fpr, source);
            }
            reporterKey_ = fpr;
            keyEvents_.push_back({{"source", source}, {"result", "accepted"}, {"fingerprint", fpr}});
            break;
        }
        if (reporterKey_) {
            auto report = store_.report(reportId);
            if (report && !report->reporterKey) store_.setReporterKey(reportId, *reporterKey_);
        }
        if (importedNow) recheckSignatures(*reporterKey_);
    }

    // A report signed by the key it carries was verified before that key
    // was imported: check its signatures again so they show as what they are.
    void recheckSignatures(const std::string& fingerprint) {
        bool unknown = false;
        for (const auto& sig : security_.signatures())
            if (sig.status == pgp::SignatureStatus::UnknownKey && sig.fingerprint == fingerprint) unknown = true;
        if (!unknown) return;
        const std::string raw = store_.rawMessage(id_);
        auto again = readMessage(rt_, raw, rt_.openpgp->gpg.get()).security;
        if (again.layers.size() == security_.layers.size()) security_.layers = std::move(again.layers);
    }

    // keydata= of an Autocrypt header (Autocrypt Level 1 §2.1) for `sender`.
    static std::optional<std::string> autocryptKey(const std::string& header, const std::string& sender) {
        std::optional<std::string> addr, keydata;
        for (auto attribute : split(header, ';')) {
            auto t = trim(attribute);
            auto eq = t.find('=');
            if (eq == std::string_view::npos) continue;
            auto name = toLower(trim(t.substr(0, eq)));
            auto value = trim(t.substr(eq + 1));
            if (name == "addr") addr = toLower(value);
            if (name == "keydata") keydata = std::string(value);
        }
        if (!addr || *addr != sender || !keydata) return std::nullopt;
        std::string compact;
        for (char c : *keydata)
            if (!std::isspace(static_cast<unsigned char>(c))) compact.push_back(c);
        return "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n" + compact + "\n-----END PGP PUBLIC KEY BLOCK-----\n";
    }

    // How an answer to the reporter leaves: signed by us, and encrypted when
    // their key is known and usable (config [gpg]).

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
            // A bounce or vacation notice about one of our mails belongs to its
            // report; a bounce names it in the headers it returns.
            auto ids = referencedIds();
            if (automatic->outcome == Outcome::Bounce) {
                auto returned = returnedMessageIds(store_.rawMessage(id_));
                ids.insert(ids.end(), returned.begin(), returned.end());
            }
            if (auto reportId = store_.reportForMessageIds(ids)) {
                verdict_.reportId = reportId;
                audit(reportId, "message.automatic", {{"outcome", verdict_.outcome}, {"reason", automatic->reason}});
                if (automatic->outcome == Outcome::Bounce)
                    escalateBouncedEscalations(rt_, store_, *reportId, ids, id_, now_);
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
        // A maintainer's command (signed) or a refused attempt at one: never a report.
        CommandMail command{id_, row_.receivedAt, toLower(parsed_.from.front().address), parsed_.subject, parsed_.text,
                            &security_};
        if (auto c = handleMailCommands(rt_, store_, command, now_); c.handled) {
            setOutcome(Outcome::Command, c.reason);
            verdict_.reportId = c.reportId;
            if (c.refused) addFlag(verdict_, "command-refused");
            return;
        }
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
        s.couldNotDecrypt = security_.encrypted && !security_.allDecrypted;
        if (rt_.openpgp) {
            s.ourFingerprint = rt_.openpgp->ourKey.fingerprint;
            s.keyUrl = rt_.config.gpg->keyUrl;
        }
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
        const auto messageId = queueReporterMail(rt_, store_, {reply, kind, id_, reporterKey_}, now_);
        audit(reportId, "answer.queued", {{"kind", kind}, {"message_id", messageId}});
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
        // The protected Subject names the report inside secmaild; answers use the outer one.
        if (security_.protectedSubject && !security_.protectedSubject->empty())
            r.subject = *security_.protectedSubject;
        else if (!parsed_.subject.empty())
            r.subject = parsed_.subject;
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
        takeReporterKeys(reportId);
        filed["flags"] = verdict_.flags;
        audit(reportId, "report.filed", filed);
        spdlog::info("report.filed id={} message={} missing={}", reportId, id_, missing.size());
        queueAnswer(reportId, "acknowledgment", "acknowledgment", true);
        notifyMaintainers(reportId, missing);
    }

    // One notice per address in [notify] maintainers: the report's fields
    // encrypted to that maintainer's key, or only its metadata when they have
    // none (invariant 3: report content never leaves in clear).
    void notifyMaintainers(const std::string& reportId, const json& missing) {
        if (rt_.config.notify.maintainers.empty()) return;
        auto report = store_.report(reportId).value();
        json ctx;
        ctx["report_id"] = reportId;
        ctx["project"] = rt_.policy.project;
        ctx["policy_name"] = rt_.policy.name;
        ctx["reporter"] = report.reporter;
        ctx["received"] = rt_.calendar.formatLocal(report.receivedAt);
        ctx["our_address"] = rt_.config.smtp.from;
        ctx["was_encrypted"] = security_.encrypted;
        ctx["decrypted"] = security_.encrypted && security_.allDecrypted;
        ctx["could_not_decrypt"] = security_.encrypted && !security_.allDecrypted;
        std::string detail;
        for (const auto& l : security_.layers)
            if (l.decryption && l.decryption != pgp::DecryptStatus::Decrypted && detail.empty())
                detail = std::string(pgp::decryptStatusName(*l.decryption)) + (l.detail.empty() ? "" : ": " + l.detail);
        ctx["decrypt_detail"] = detail;
        json sigs = json::array();
        for (const auto& sig : security_.signatures())
            sigs.push_back({{"status", pgp::signatureStatusName(sig.status)},
                            {"fingerprint", sig.fingerprint},
                            {"role", signerRole(sig.fingerprint)}});
        ctx["signatures"] = sigs;
        ctx["flags"] = join(verdict_.flags, ", ");
        ctx["has_flags"] = !verdict_.flags.empty();
        std::vector<std::string> missingNames;
        for (const auto& m : missing) missingNames.push_back(m.get<std::string>());
        ctx["missing"] = join(missingNames, ", ");
        ctx["has_missing"] = !missingNames.empty();
        ctx["unauthenticated_text"] = !security_.unauthenticatedText.empty();
        ctx["key_conflict"] = keyConflict_.has_value();
        ctx["key_known"] = keyConflict_ ? keyConflict_->first : "";
        ctx["key_offered"] = keyConflict_ ? keyConflict_->second : "";
        json fields = json::array();
        std::string suggestion;
        const auto scopeHints = policy::outOfScopeHints(rt_.policy, parsed_.text);
        for (const auto& f : store_.fields(reportId)) {
            std::string label = f.name;
            if (auto field = report::fieldFromKey(f.name))
                if (const auto* rule = rt_.policy.fieldRule(*field)) label = rule->label;
            fields.push_back({{"label", label}, {"value", f.value}});
            if (f.name == report::fieldKey(report::Field::Cvss)) suggestion = severitySuggestion(f.value);
        }
        for (const auto& address : rt_.config.notify.maintainers) {
            auto key = maintainerKey(rt_, address);
            json c = ctx;
            c["with_fields"] = key.has_value();
            c["without_fields"] = !key;
            c["fields"] = key ? fields : json::array();
            // Read from the report: only in the mail encrypted to the maintainer.
            c["severity_suggestion"] = key ? suggestion : "";
            c["has_severity_suggestion"] = key && !suggestion.empty();
            c["scope_hints"] = key ? scopeHints : std::vector<std::string>{};
            c["has_scope_hints"] = key && !scopeHints.empty();
            queueMaintainerMail(rt_, store_,
                                {reportId, id_, address, "maintainer-notice", "[" + reportId + "] New security report",
                                 rt_.templates.render("maintainer-notice", c)},
                                now_);
            audit(reportId, "notice.queued", {{"to", address}, {"encrypted", key.has_value()}});
        }
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
        if (report.state == "closed") reopenForTriage(report);
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
        takeReporterKeys(reportId);
        audit(reportId, "follow-up.received", {{"same_reporter", true}, {"fields_added", added}});
        if (missingAfter < missingBefore) queueAnswer(reportId, "follow-up-acknowledgment", "follow-up", false);
    }

    // "CVSS:3.1/AV:N/... scores 9.8: critical" — a hint for the maintainer's
    // assessment, never set as the severity.
    static std::string severitySuggestion(const std::string& value) {
        auto vector = report::parseCvssVector(value);
        if (!vector) return "";
        auto score = report::cvssScore(*vector);
        if (!score) return "";
        char text[16];
        std::snprintf(text, sizeof text, "%.1f", *score);
        return vector->vector + " scores " + text + ": " + std::string(report::cvssRatingName(report::cvssRating(*score)));
    }

    // The reporter wrote again on a closed report: it is open for triage
    // again, and the maintainers hear of it (metadata only).
    void reopenForTriage(const store::ReportRow& report) {
        store_.setReportState(report.id, "reopened", now_);
        audit(report.id, "report.reopened", {{"by", "reporter mail"}});
        spdlog::info("report.reopened id={} by=reporter", report.id);
        std::set<std::string> to(rt_.config.notify.maintainers.begin(), rt_.config.notify.maintainers.end());
        if (!rt_.policy.escalation.levels.empty())
            to.insert(rt_.policy.escalation.levels.front().addresses.begin(),
                      rt_.policy.escalation.levels.front().addresses.end());
        for (const auto& address : to) {
            MaintainerMail m;
            m.reportId = report.id;
            m.aboutMessage = id_;
            m.to = address;
            m.kind = "maintainer-notice";
            m.subject = "[" + report.id + "] Reopened: the reporter wrote again";
            m.body = report.id + " was closed. Its reporter (" + report.reporter +
                     ") has written again, so it is open for triage again.\n\nSee it with:\n\n  secmailctl --config " +
                     rt_.config.file.string() + " show " + report.id + "\n\nThis mail was sent automatically by secmaild (" +
                     rt_.config.smtp.from + ").\n";
            queueMaintainerMail(rt_, store_, m, now_);
        }
    }

    Runtime& rt_;
    store::Store& store_;
    std::int64_t id_;
    std::optional<ReadMessage> ahead_;
    store::MessageRow row_;
    TimePoint now_;
    mime::ParsedMessage parsed_;
    pgp::MailSecurity security_;
    std::optional<std::string> reporterKey_;
    std::optional<std::pair<std::string, std::string>> keyConflict_;  // known, offered
    json keyEvents_ = json::array();
    store::MessageVerdict verdict_;
    mime::Address answerTo_;
    bool answerQueued_ = false;
};

}  // namespace

Processed processMessage(Runtime& rt, std::int64_t messageId, std::optional<ReadMessage> ahead) {
    try {
        return MessageProcessor(rt, messageId, std::move(ahead)).run();
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

int processPending(Runtime& rt, const std::atomic<bool>* stop, WorkFeed* answers, WorkFeed* stored) {
    int count = 0;
    // A message that stays pending (its processing failed) is not retried in this pass.
    std::unordered_set<std::int64_t> seen;
    for (;;) {
        // Read before looking: a message stored after this still gets a round.
        const bool lastRound = !stored || stored->isFinished();
        std::vector<std::int64_t> ids;
        for (auto id : rt.store->pendingMessages())
            if (!seen.count(id)) ids.push_back(id);
        if (ids.empty()) {
            if (lastRound) break;
            stored->wait(std::chrono::milliseconds{200});
            continue;
        }
        ReadAhead ahead(rt, ids);
        for (std::size_t i = 0; i < ids.size(); ++i) {
            if (stop && stop->load()) return count;
            seen.insert(ids[i]);
            if (processMessage(rt, ids[i], ahead.take(i)).answerQueued && answers) answers->added();
            ++count;
        }
        if (lastRound) break;
    }
    return count;
}

}  // namespace secmaild::service
