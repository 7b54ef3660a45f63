// Maintainer actions (see actions.hpp). What each verb does to a report:
//   ack, fix           complete the policy stages that name the verb
//   assess             also sets the severity (severity-conditional stages follow it)
//   release            also records the version; disclose records the date
//   close / reopen     the report's state; a closed report takes nothing but
//                      reopen and note
//   assign, note       who has it; an internal note (sealed at rest)
//   reply              the maintainer's text to the reporter
// assess, fix, release, disclose, close and reopen tell the reporter with
// the status template; its context is the policy and the report's metadata,
// never the report's text (invariant 3).
#include "secmaild/service/actions.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "secmaild/answer/acknowledgment.hpp"
#include "secmaild/report/fields.hpp"
#include "secmaild/service/reporter_mail.hpp"
#include "secmaild/util/strings.hpp"

namespace secmaild::service {

namespace {

using nlohmann::json;
using report::Verb;

// The state a report is in after the verb, or "" when the verb leaves it.
std::string stateAfter(Verb v, const std::string& current) {
    switch (v) {
        case Verb::Ack: return current == "new" ? "acknowledged" : "";
        case Verb::Assess: return "assessed";
        case Verb::Fix: return "fixed";
        case Verb::Release: return "released";
        case Verb::Disclose: return "disclosed";
        case Verb::Close: return "closed";
        case Verb::Reopen: return "reopened";
        default: return "";
    }
}

bool tellsReporter(Verb v) {
    return v == Verb::Assess || v == Verb::Fix || v == Verb::Release || v == Verb::Disclose || v == Verb::Close ||
           v == Verb::Reopen;
}

answer::ReportSummary summaryOf(Runtime& rt, store::Store& store, const store::ReportRow& report) {
    answer::ReportSummary s;
    s.id = report.id;
    s.receivedAt = report.receivedAt;
    for (const auto& st : store.stages(report.id)) s.completedStages[st.stage] = st.completedAt;
    for (const auto& f : store.fields(report.id)) {
        if (auto field = report::fieldFromKey(f.name)) {
            s.present.insert(*field);
            if (*field == report::Field::Version) s.versionNumber = report::versionNumber(f.value);
        }
    }
    if (rt.openpgp) {
        s.ourFingerprint = rt.openpgp->ourKey.fingerprint;
        s.keyUrl = rt.config.gpg->keyUrl;
    }
    return s;
}

class ActionRun {
public:
    ActionRun(Runtime& rt, store::Store& store, const report::Action& action, std::string actor, TimePoint now,
              std::optional<std::int64_t> message)
        : rt_(rt), store_(store), action_(action), actor_(std::move(actor)), now_(now), message_(message) {}

    ActionOutcome run(const std::string& reportId) {
        out_.description = report::describeAction(action_);
        auto found = store_.report(reportId);
        if (!found) return refuse("there is no report " + reportId);
        report_ = std::move(*found);
        if (auto problem = report::actionProblem(action_)) return refuse(*problem);
        const bool closed = report_.state == "closed";
        if (closed && action_.verb != Verb::Reopen && action_.verb != Verb::Note)
            return refuse(reportId + " is closed; reopen it first");
        if (!closed && action_.verb == Verb::Reopen) return refuse(reportId + " is not closed");

        record();
        if (auto state = stateAfter(action_.verb, report_.state); !state.empty()) {
            store_.setReportState(report_.id, state, now_);
            report_.state = state;
        } else {
            store_.touchReport(report_.id, now_);
        }
        store_.invalidateAlertPlan(report_.id);
        audit("action." + std::string(report::verbName(action_.verb)),
              {{"action", out_.description}, {"stages_completed", out_.stagesCompleted}});
        if (action_.verb == Verb::Reply)
            queueToReporter("reply", "reply", replyContext());
        else if (tellsReporter(action_.verb))
            queueToReporter("status", "status", statusContext());
        out_.done = true;
        out_.state = report_.state;
        spdlog::info("action.applied report={} action=\"{}\" actor={}", report_.id, out_.description, actor_);
        return out_;
    }

private:
    ActionOutcome refuse(std::string why) {
        out_.refusal = std::move(why);
        spdlog::warn("action.refused report={} action=\"{}\" actor={} reason=\"{}\"", report_.id, out_.description,
                     actor_, out_.refusal);
        return out_;
    }

    void record() {
        using Detail = store::Store::Detail;
        switch (action_.verb) {
            case Verb::Assess: {
                auto a = action_;
                report::normalizeAction(a);
                store_.setReportDetail(report_.id, Detail::Severity, a.severity, now_);
                report_.severity = a.severity;
                break;
            }
            case Verb::Release:
                store_.setReportDetail(report_.id, Detail::FixedVersion, action_.version, now_);
                report_.fixedVersion = action_.version;
                break;
            case Verb::Disclose:
                store_.setReportDetail(report_.id, Detail::DisclosureDate, action_.date, now_);
                report_.disclosureDate = action_.date;
                break;
            case Verb::Assign:
                store_.setReportDetail(report_.id, Detail::Assignee, action_.assignee, now_);
                break;
            case Verb::Note:
                store_.addNote({report_.id, now_, actor_, action_.text});
                break;
            default:
                break;
        }
        const std::string verb(report::verbName(action_.verb));
        const auto done = store_.stages(report_.id);
        for (const auto& stage : rt_.policy.stages) {
            if (stage.completedBy != verb) continue;
            bool already = std::any_of(done.begin(), done.end(), [&](const auto& d) { return d.stage == stage.name; });
            if (already) continue;
            store_.completeStage(report_.id, stage.name, now_, actor_);
            audit("stage.completed", {{"stage", stage.name}, {"by", out_.description}});
            out_.stagesCompleted.push_back(stage.name);
        }
    }

    json statusContext() {
        auto ctx = answer::answerContext(rt_.policy, rt_.calendar, summaryOf(rt_, store_, report_), false);
        ctx["project"] = rt_.policy.project;
        ctx["assessed"] = action_.verb == Verb::Assess;
        ctx["fixed"] = action_.verb == Verb::Fix;
        ctx["released"] = action_.verb == Verb::Release;
        ctx["disclosing"] = action_.verb == Verb::Disclose;
        ctx["closed"] = action_.verb == Verb::Close;
        ctx["reopened"] = action_.verb == Verb::Reopen;
        ctx["severity"] = report_.severity.value_or("");
        ctx["has_severity"] = report_.severity.has_value();
        std::string reward;
        for (const auto& r : rt_.policy.rewards)
            if (report_.severity && iequals(r.severity, *report_.severity)) reward = r.reward;
        ctx["reward"] = reward;
        ctx["has_reward"] = !reward.empty();
        ctx["version"] = report_.fixedVersion.value_or("");
        ctx["has_version"] = report_.fixedVersion.has_value();
        ctx["disclosure_date"] = report_.disclosureDate.value_or("");
        ctx["reason"] = action_.reason;
        ctx["has_reason"] = !action_.reason.empty();
        return ctx;
    }

    json replyContext() {
        return {{"text", action_.text}, {"report_id", report_.id}, {"project", rt_.policy.project}};
    }

    // Threaded to the report's first message, under its outer subject (a
    // protected Subject never leaves in clear).
    void queueToReporter(const std::string& kind, const std::string& templateName, json context) {
        context["our_address"] = rt_.config.smtp.from;
        context["report_id"] = report_.id;
        auto first = store_.message(report_.firstMessage);
        ReporterMail mail;
        mail.reply.reportId = report_.id;
        mail.reply.originalSubject = first && first->subject ? *first->subject : "";
        mail.reply.originalMessageId = first && first->messageId ? *first->messageId : "";
        mail.reply.to = {report_.reporterName.value_or(""), report_.replyTo};
        mail.reply.body = rt_.templates.render(templateName, context);
        mail.kind = kind;
        mail.aboutMessage = message_;
        mail.reporterKey = report_.reporterKey;
        mail.writtenByPerson = kind == "reply";
        const auto messageId = queueReporterMail(rt_, store_, mail, now_);
        audit(kind + ".queued", {{"message_id", messageId}});
        out_.mailKind = kind;
    }

    void audit(const std::string& event, const json& detail) {
        store_.audit(now_, report_.id, message_, actor_, event,
                     detail.dump(-1, ' ', false, json::error_handler_t::replace));
    }

    Runtime& rt_;
    store::Store& store_;
    const report::Action& action_;
    std::string actor_;
    TimePoint now_;
    std::optional<std::int64_t> message_;
    store::ReportRow report_;
    ActionOutcome out_;
};

}  // namespace

ActionOutcome applyAction(Runtime& rt, store::Store& store, const std::string& reportId, const report::Action& action,
                          const std::string& actor, TimePoint now, std::optional<std::int64_t> aboutMessage) {
    return ActionRun(rt, store, action, actor, now, aboutMessage).run(reportId);
}

}  // namespace secmaild::service
