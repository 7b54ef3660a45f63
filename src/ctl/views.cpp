// The secmailctl views. Times are ISO 8601 UTC in JSON and the policy's
// local time in text. Field names in JSON are snake_case and never renamed.
#include "secmaild/ctl/views.hpp"

#include <set>
#include <sstream>

#include "secmaild/answer/acknowledgment.hpp"
#include "secmaild/policy/timeline.hpp"
#include "secmaild/report/fields.hpp"
#include "secmaild/util/strings.hpp"
#include "secmaild/util/time_format.hpp"

namespace secmaild::ctl {

namespace {

using nlohmann::json;

json optional(const std::optional<std::string>& v) {
    return v ? json(*v) : json(nullptr);
}
json optional(const std::optional<std::int64_t>& v) {
    return v ? json(*v) : json(nullptr);
}
json optionalTime(const std::optional<TimePoint>& v) {
    return v ? json(formatIsoUtc(*v)) : json(nullptr);
}

json answerJson(const store::OutboxItem& o) {
    return {{"id", o.id},
            {"kind", o.kind},
            {"recipient", o.recipient},
            {"message_id", o.messageId},
            {"state", o.state},
            {"attempts", o.attempts},
            {"created_at", formatIsoUtc(o.createdAt)},
            {"next_attempt_at", o.state == "queued" ? json(formatIsoUtc(o.nextAttemptAt)) : json(nullptr)},
            {"sent_at", optionalTime(o.sentAt)},
            {"last_error", optional(o.lastError)}};
}

// The OpenPGP facts the pipeline recorded (see README, "OpenPGP in the JSON").
json openpgpJson(const std::string& crypto) {
    auto j = json::parse(crypto, nullptr, false);
    if (!j.is_object() || j.empty()) return json{{"encrypted", false}, {"decrypted", false}, {"signatures", json::array()}};
    json sigs = json::array();
    if (j.contains("layers"))
        for (const auto& l : j["layers"])
            if (l.contains("signatures"))
                for (const auto& sig : l["signatures"]) sigs.push_back(sig);
    j["signatures"] = sigs;
    return j;
}

std::string signaturesText(const json& openpgp) {
    std::string out;
    for (const auto& s : openpgp.value("signatures", json::array()))
        out += (out.empty() ? "" : ", ") + s.value("status", std::string("?")) + " by " +
               s.value("fingerprint", std::string("?")) + " (" + s.value("signer", std::string("?")) + ")";
    return out;
}

json messageJson(const store::MessageRow& m, const std::vector<store::OutboxItem>& answers) {
    json a = json::array();
    for (const auto& o : answers) a.push_back(answerJson(o));
    return {{"id", m.id},
            {"message_id", optional(m.messageId)},
            {"sender", optional(m.sender)},
            {"sender_name", optional(m.senderName)},
            {"subject", optional(m.subject)},
            {"received_at", formatIsoUtc(m.receivedAt)},
            {"stored_at", formatIsoUtc(m.storedAt)},
            {"source", m.source},
            {"mailbox", optional(m.mailbox)},
            {"uid", optional(m.uid)},
            {"size", m.rawSize},
            {"state", m.state},
            {"outcome", optional(m.outcome)},
            {"outcome_reason", optional(m.outcomeReason)},
            {"flags", m.flags},
            {"problems", m.problems},
            {"report_id", optional(m.reportId)},
            {"duplicate_of", optional(m.duplicateOf)},
            {"openpgp", openpgpJson(m.crypto)},
            {"answers", a}};
}

struct ReportView {
    json fields = json::array();
    json missing = json::array();
    json present = json::array();
    json timeline = json::array();
    json nextDue = nullptr;
};

ReportView reportView(service::Runtime& rt, const store::ReportRow& r) {
    ReportView v;
    auto rows = rt.store->fields(r.id);
    std::set<report::Field> have;
    for (const auto& f : rows) {
        v.fields.push_back({{"name", f.name},
                            {"value", f.value},
                            {"how", f.how},
                            {"source_message", optional(f.sourceMessage)},
                            {"updated_at", formatIsoUtc(f.updatedAt)}});
        v.present.push_back(f.name);
        if (auto field = report::fieldFromKey(f.name)) have.insert(*field);
    }
    for (auto f : answer::missingRequired(rt.policy, have)) v.missing.push_back(report::fieldKey(f));
    policy::ReportFacts facts;
    facts.receivedAt = r.receivedAt;
    for (const auto& s : rt.store->stages(r.id)) facts.completed[s.stage] = s.completedAt;
    for (const auto& s : policy::computeTimeline(rt.policy, rt.calendar, facts, rt.clock->now())) {
        v.timeline.push_back({{"stage", s.stage->name},
                              {"title", s.stage->title},
                              {"state", std::string(policy::stateName(s.state))},
                              {"due", optionalTime(s.due)},
                              {"completed_at", optionalTime(s.completedAt)},
                              {"conditional", s.conditional}});
        bool pending = s.state == policy::StageStatus::State::Open || s.state == policy::StageStatus::State::Overdue;
        if (pending && s.due && !s.conditional && v.nextDue.is_null())
            v.nextDue = {{"stage", s.stage->name}, {"due", formatIsoUtc(*s.due)}};
    }
    return v;
}

std::string str(const json& j) {
    if (j.is_null()) return "-";
    if (j.is_string()) return j.get<std::string>();
    return j.dump();
}

std::string list(const json& arr) {
    if (!arr.is_array() || arr.empty()) return "-";
    std::string out;
    for (const auto& el : arr) out += (out.empty() ? "" : ", ") + str(el);
    return out;
}

}  // namespace

json listReports(service::Runtime& rt) {
    json reports = json::array();
    for (const auto& r : rt.store->reports()) {
        auto v = reportView(rt, r);
        reports.push_back({{"id", r.id},
                           {"state", r.state},
                           {"reporter", r.reporter},
                           {"reporter_name", optional(r.reporterName)},
                           {"subject", optional(r.subject)},
                           {"received_at", formatIsoUtc(r.receivedAt)},
                           {"fields_present", v.present},
                           {"fields_missing", v.missing},
                           {"next_due", v.nextDue}});
    }
    return {{"reports", reports}};
}

std::optional<json> showReport(service::Runtime& rt, const std::string& id) {
    auto r = rt.store->report(id);
    if (!r) return std::nullopt;
    auto v = reportView(rt, *r);
    json messages = json::array();
    for (const auto& m : rt.store->messagesOfReport(id)) messages.push_back(messageJson(m, {}));
    json answers = json::array();
    for (const auto& o : rt.store->outboxForReport(id)) answers.push_back(answerJson(o));
    json audit = json::array();
    for (const auto& a : rt.store->auditOf(id)) {
        audit.push_back({{"at", formatIsoUtc(a.at)},
                         {"actor", a.actor},
                         {"event", a.event},
                         {"message", optional(a.message)},
                         {"detail", json::parse(a.detail, nullptr, false)}});
    }
    json unauthenticated = json::array();
    for (const auto& m : rt.store->messagesOfReport(id))
        if (auto t = rt.store->unauthenticatedText(m.id))
            unauthenticated.push_back({{"message", m.id}, {"text", *t}});
    json notes = json::array();
    for (const auto& n : rt.store->notes(id))
        notes.push_back({{"at", formatIsoUtc(n.at)}, {"actor", n.actor}, {"text", n.text}});
    return json{{"id", r->id},
                {"state", r->state},
                {"severity", optional(r->severity)},
                {"assignee", optional(r->assignee)},
                {"fixed_version", optional(r->fixedVersion)},
                {"disclosure_date", optional(r->disclosureDate)},
                {"notes", notes},
                {"reporter", r->reporter},
                {"reporter_key", optional(r->reporterKey)},
                {"unauthenticated_text", unauthenticated},
                {"reporter_name", optional(r->reporterName)},
                {"reply_to", r->replyTo},
                {"subject", optional(r->subject)},
                {"received_at", formatIsoUtc(r->receivedAt)},
                {"policy", r->policy},
                {"fields", v.fields},
                {"fields_present", v.present},
                {"fields_missing", v.missing},
                {"timeline", v.timeline},
                {"next_due", v.nextDue},
                {"messages", messages},
                {"answers", answers},
                {"audit", audit}};
}

json listMessages(service::Runtime& rt) {
    json messages = json::array();
    for (const auto& m : rt.store->messages()) messages.push_back(messageJson(m, rt.store->outboxForMessage(m.id)));
    return {{"messages", messages}};
}

std::string reportsAsText(const json& j) {
    std::ostringstream out;
    const auto& reports = j.at("reports");
    if (reports.empty()) return "No reports.\n";
    for (const auto& r : reports) {
        out << str(r["id"]) << "  " << str(r["state"]) << "  " << str(r["reporter"]) << "  received "
            << str(r["received_at"]) << "\n";
        out << "    subject: " << str(r["subject"]) << "\n";
        out << "    missing: " << list(r["fields_missing"]) << "\n";
        if (!r["next_due"].is_null())
            out << "    next due: " << str(r["next_due"]["stage"]) << " by " << str(r["next_due"]["due"]) << "\n";
    }
    return out.str();
}

std::string reportAsText(const json& r) {
    std::ostringstream out;
    out << str(r["id"]) << " (" << str(r["state"]) << ")\n";
    out << "  reporter:  " << str(r["reporter_name"]) << " <" << str(r["reporter"]) << ">\n";
    out << "  answers to: " << str(r["reply_to"]) << "\n";
    out << "  key:       " << str(r["reporter_key"]) << "\n";
    out << "  subject:   " << str(r["subject"]) << "\n";
    out << "  received:  " << str(r["received_at"]) << "\n";
    out << "  policy:    " << str(r["policy"]) << "\n";
    out << "  severity:  " << str(r["severity"]) << "\n";
    out << "  assignee:  " << str(r["assignee"]) << "\n";
    if (!r["fixed_version"].is_null()) out << "  released:  " << str(r["fixed_version"]) << "\n";
    if (!r["disclosure_date"].is_null()) out << "  discloses: " << str(r["disclosure_date"]) << "\n";
    for (const auto& n : r["notes"])
        out << "  note:      " << str(n["at"]) << " " << str(n["actor"]) << ": " << str(n["text"]) << "\n";
    out << "  missing:   " << list(r["fields_missing"]) << "\n\nFields\n";
    for (const auto& f : r["fields"]) {
        out << "  [" << str(f["name"]) << "] (" << str(f["how"]) << ")\n";
        const std::string value = str(f["value"]);  // splitLines returns views into it
        for (auto line : splitLines(value)) out << "    " << line << "\n";
    }
    out << "\nTimeline\n";
    for (const auto& t : r["timeline"]) {
        out << "  " << str(t["title"]) << ": " << str(t["state"]);
        if (!t["due"].is_null()) out << ", due " << str(t["due"]);
        if (!t["completed_at"].is_null()) out << ", done " << str(t["completed_at"]);
        if (t["conditional"].get<bool>()) out << " (depends on severity)";
        out << "\n";
    }
    out << "\nMessages\n";
    for (const auto& m : r["messages"]) {
        out << "  #" << str(m["id"]) << " " << str(m["received_at"]) << " " << str(m["outcome"]) << " from "
            << str(m["sender"]) << "  flags: " << list(m["flags"]) << "\n";
        const auto& pgp = m["openpgp"];
        if (pgp.value("encrypted", false))
            out << "      encrypted, " << (pgp.value("decrypted", false) ? "decrypted" : "NOT decrypted") << "\n";
        if (auto sigs = signaturesText(pgp); !sigs.empty()) out << "      signatures: " << sigs << "\n";
    }
    for (const auto& u : r["unauthenticated_text"]) {
        out << "\nUnauthenticated clear text beside the encryption (message #" << str(u["message"]) << ")\n";
        const std::string text = str(u["text"]);
        for (auto line : splitLines(text)) out << "    | " << line << "\n";
    }
    out << "\nAnswers\n";
    for (const auto& a : r["answers"])
        out << "  #" << str(a["id"]) << " " << str(a["kind"]) << " to " << str(a["recipient"]) << ": "
            << str(a["state"]) << (a["last_error"].is_null() ? "" : " (" + str(a["last_error"]) + ")") << "\n";
    out << "\nAudit trail\n";
    for (const auto& a : r["audit"])
        out << "  " << str(a["at"]) << "  " << str(a["actor"]) << "  " << str(a["event"]) << "  " << a["detail"].dump()
            << "\n";
    return out.str();
}

std::string messagesAsText(const json& j) {
    std::ostringstream out;
    const auto& messages = j.at("messages");
    if (messages.empty()) return "No messages.\n";
    for (const auto& m : messages) {
        out << "#" << str(m["id"]) << "  " << str(m["received_at"]) << "  " << str(m["outcome"]) << "  "
            << str(m["sender"]) << "  " << str(m["message_id"]) << "\n";
        out << "    subject: " << str(m["subject"]) << "\n";
        out << "    report: " << str(m["report_id"]) << "  flags: " << list(m["flags"]) << "\n";
        const auto& pgp = m["openpgp"];
        if (pgp.value("encrypted", false))
            out << "    encrypted, " << (pgp.value("decrypted", false) ? "decrypted" : "NOT decrypted") << "\n";
        if (auto sigs = signaturesText(pgp); !sigs.empty()) out << "    signatures: " << sigs << "\n";
        if (!m["problems"].empty()) out << "    problems: " << list(m["problems"]) << "\n";
        for (const auto& a : m["answers"])
            out << "    answer #" << str(a["id"]) << " " << str(a["kind"]) << " to " << str(a["recipient"]) << ": "
                << str(a["state"]) << "\n";
    }
    return out.str();
}

}  // namespace secmaild::ctl
