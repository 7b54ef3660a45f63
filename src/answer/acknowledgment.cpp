// Building answer contexts and reply mails. Every string in the context comes
// from the policy file, the calendar, or the report id: see the header.
#include "secmaild/answer/acknowledgment.hpp"

#include "secmaild/policy/timeline.hpp"
#include "secmaild/policy/versions.hpp"
#include "secmaild/report/classify.hpp"
#include "secmaild/util/strings.hpp"

namespace secmaild::answer {

namespace {

std::string severityCondition(const std::vector<std::string>& severities) {
    std::string out = "for ";
    for (std::size_t i = 0; i < severities.size(); ++i) {
        if (i) out += i + 1 == severities.size() ? " and " : ", ";
        out += severities[i];
    }
    return out + " severity only";
}

std::string supportName(policy::VersionRule::Support s) {
    switch (s) {
        case policy::VersionRule::Support::Supported:
            return "supported";
        case policy::VersionRule::Support::Limited:
            return "limited support";
        case policy::VersionRule::Support::Unsupported:
            return "not supported";
    }
    return "";
}

nlohmann::json fieldEntry(const policy::FieldRule& rule) {
    return {{"key", std::string(report::fieldKey(rule.field))}, {"label", rule.label}, {"guide", rule.guide}};
}

}  // namespace

std::vector<report::Field> missingRequired(const policy::Policy& policy, const std::set<report::Field>& present) {
    std::vector<report::Field> out;
    for (const auto& rule : policy.fields)
        if (rule.required && !present.count(rule.field)) out.push_back(rule.field);
    return out;
}

nlohmann::json answerContext(const policy::Policy& policy, const policy::Calendar& calendar,
                             const ReportSummary& report, bool acknowledgesNow) {
    using nlohmann::json;
    json ctx;
    ctx["report_id"] = report.id;
    ctx["project"] = policy.project;
    ctx["policy_name"] = policy.name;
    ctx["contact"] = policy.contact;
    ctx["received"] = calendar.formatLocal(report.receivedAt);
    ctx["timezone"] = calendar.zoneName();

    policy::ReportFacts facts;
    facts.receivedAt = report.receivedAt;
    facts.completed = report.completedStages;
    if (acknowledgesNow && policy.autoAckCompletes) {
        for (const auto& stage : policy.stages)
            if (stage.completedBy == "ack" && !facts.completed.count(stage.name))
                facts.completed[stage.name] = report.receivedAt;
    }
    json timeline = json::array();
    for (const auto& s : policy::computeTimeline(policy, calendar, facts, report.receivedAt)) {
        json entry;
        entry["name"] = s.stage->name;
        entry["title"] = s.stage->title;
        entry["window"] = policy::describeWindow(s.stage->window);
        bool doneNow = acknowledgesNow && s.state == policy::StageStatus::State::Done &&
                       !report.completedStages.count(s.stage->name);
        entry["done_now"] = doneNow;
        entry["done"] = s.state == policy::StageStatus::State::Done && !doneNow;
        entry["due"] = s.due ? calendar.formatLocal(*s.due) : "";
        entry["has_due"] = s.due.has_value() && s.state != policy::StageStatus::State::Done;
        std::string after;
        if (!s.due) {
            const policy::Stage* anchor = policy.stage(s.stage->anchor);
            after = policy::describeWindow(s.stage->window) + " after " +
                    (anchor ? toLower(anchor->title) : s.stage->anchor);
        }
        entry["after"] = after;
        entry["has_after"] = !after.empty();
        entry["condition"] = s.stage->severities.empty() ? "" : severityCondition(s.stage->severities);
        entry["has_condition"] = !s.stage->severities.empty();
        entry["note"] = s.stage->note;
        entry["has_note"] = !s.stage->note.empty();
        timeline.push_back(entry);
    }
    ctx["timeline"] = timeline;

    json missing = json::array();
    json optionalMissing = json::array();
    for (const auto& rule : policy.fields) {
        if (report.present.count(rule.field)) continue;
        (rule.required ? missing : optionalMissing).push_back(fieldEntry(rule));
    }
    ctx["missing"] = missing;
    ctx["has_missing"] = !missing.empty();
    ctx["complete"] = missing.empty();
    ctx["optional_missing"] = optionalMissing;
    ctx["has_optional_missing"] = !optionalMissing.empty();

    json versions = json::array();
    for (const auto& v : policy.versions)
        versions.push_back({{"match", v.match}, {"support", supportName(v.support)}, {"note", v.note}});
    ctx["supported_versions"] = versions;
    ctx["has_supported_versions"] = !versions.empty();
    auto support = report.versionNumber ? policy::supportFor(policy, *report.versionNumber) : policy::VersionSupport{};
    auto status = policy::statusName(support.status);
    ctx["version_named"] = report.versionNumber.has_value();
    ctx["version_status"] = std::string(status);
    ctx["version_supported"] = status == "supported";
    ctx["version_limited"] = status == "limited";
    ctx["version_unsupported"] = status == "unsupported";
    ctx["version_unknown"] = report.versionNumber.has_value() && status == "unknown";
    ctx["version_rule"] = support.rule ? support.rule->match : "";
    ctx["version_note"] = support.rule ? support.rule->note : "";
    ctx["partly_unreadable"] = report.partlyUnreadable && !report.couldNotDecrypt;
    ctx["could_not_decrypt"] = report.couldNotDecrypt;
    ctx["our_fingerprint"] = report.ourFingerprint;
    ctx["has_our_fingerprint"] = !report.ourFingerprint.empty();
    ctx["key_url"] = report.keyUrl;
    ctx["has_key_url"] = !report.keyUrl.empty();
    return ctx;
}

mime::OutgoingMail composeReply(const config::Smtp& smtp, const Reply& reply, TimePoint now) {
    mime::OutgoingMail mail;
    mail.fromAddress = smtp.from;
    mail.fromName = smtp.fromName;
    mail.to = reply.to.address;
    mail.subject = report::answerSubject(reply.reportId, reply.originalSubject);
    mail.messageId = mime::newMessageId(mime::domainOf(smtp.from), now);
    mail.date = now;
    if (!reply.originalMessageId.empty()) {
        mail.inReplyTo = reply.originalMessageId;
        mail.references = reply.originalReferences;
        mail.references.push_back(reply.originalMessageId);
    }
    mail.extraHeaders = {{"Auto-Submitted", "auto-replied"}, {"X-Auto-Response-Suppress", "All"}};
    mail.body = reply.body;
    return mail;
}

}  // namespace secmaild::answer
