// Escalation mails (see escalations.hpp). A report's alerts are recorded and
// their mails queued in one transaction (with up to kPlanBatch-1 other
// reports), so a crash can neither lose an alert nor send it twice (the
// outbox's guarantee).
#include "secmaild/service/escalations.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "secmaild/policy/escalation.hpp"
#include "secmaild/service/maintainer_mail.hpp"
#include "secmaild/util/time_format.hpp"

namespace secmaild::service {

namespace {

using nlohmann::json;

// "2 days 3 hours", "45 minutes"
std::string spanText(std::chrono::seconds s) {
    using namespace std::chrono;
    if (s < seconds{0}) s = -s;
    auto d = duration_cast<hours>(s).count() / 24;
    auto h = duration_cast<hours>(s).count() % 24;
    auto m = duration_cast<minutes>(s).count() % 60;
    auto unit = [](long long n, const char* one) { return std::to_string(n) + " " + one + (n == 1 ? "" : "s"); };
    if (d > 0) return unit(d, "day") + (h ? " " + unit(h, "hour") : "");
    if (h > 0) return unit(h, "hour") + (m ? " " + unit(m, "minute") : "");
    return unit(m, "minute");
}

std::string subjectFor(const policy::Alert& a, const std::string& reportId, const std::string& stageTitle) {
    switch (a.kind) {
        case policy::Alert::Kind::Warning: return "[" + reportId + "] Due soon: " + stageTitle;
        case policy::Alert::Kind::Missed: return "[" + reportId + "] MISSED: " + stageTitle;
        case policy::Alert::Kind::Repeat: return "[" + reportId + "] Still missed: " + stageTitle;
        case policy::Alert::Kind::Level: return "[" + reportId + "] ESCALATED: " + stageTitle;
        case policy::Alert::Kind::ReporterReminder: return "[" + reportId + "] The reporter has heard nothing";
    }
    return "[" + reportId + "]";
}

// The mail command that completes a stage, as a maintainer would write it.
std::string commandExample(const std::string& action) {
    if (action.empty()) return "";
    if (action == "assess") return "#assess severity=low|medium|high|critical";
    if (action == "release") return "#release version=VERSION";
    if (action == "disclose") return "#disclose date=YYYY-MM-DD";
    if (action == "close") return "#close reason=\"...\"";
    return "#" + action;
}

}  // namespace

policy::ReportFacts reportFacts(store::Store& store, const store::ReportRow& report) {
    policy::ReportFacts facts;
    facts.receivedAt = report.receivedAt;
    for (const auto& s : store.stages(report.id)) facts.completed[s.stage] = s.completedAt;
    facts.severity = report.severity;
    facts.closed = report.state == "closed";
    return facts;
}

std::vector<store::DeadlineRow> openDeadlines(const Runtime& rt, const store::ReportRow& report,
                                              const policy::ReportFacts& facts,
                                              const std::vector<store::AlertRow>& alerts) {
    std::vector<store::DeadlineRow> rows;
    // The stages' due times do not depend on now; only their state does.
    for (const auto& s : policy::computeTimeline(rt.policy, rt.calendar, facts, report.receivedAt)) {
        using State = policy::StageStatus::State;
        if (!s.due || s.conditional || (s.state != State::Open && s.state != State::Overdue)) continue;
        store::DeadlineRow d;
        d.reportId = report.id;
        d.stage = s.stage->name;
        d.dueAt = *s.due;
        d.reportState = report.state;
        d.reporter = report.reporter;
        for (const auto& a : alerts) {
            if (a.stage != d.stage) continue;
            ++d.alertsSent;
            if (!d.lastAlertAt || a.sentAt >= *d.lastAlertAt) {
                d.lastAlertAt = a.sentAt;
                d.lastAlertKind = a.kind;
                d.lastAlertLevel = a.level;
            }
        }
        rows.push_back(std::move(d));
    }
    return rows;
}

EscalationResult runEscalations(Runtime& rt, TimePoint now) {
    EscalationResult result;
    auto& store = *rt.store;
    const auto& levels = rt.policy.escalation.levels;
    if (!store.adoptPlanPolicy(rt.policy.digest)) spdlog::info("escalation.replan policy=\"{}\"", rt.policy.file.string());
    std::optional<store::Transaction> tx;
    int inBatch = 0;
    for (const auto& id : store.reportsNeedingAlertPlan(now)) {
        ++result.reportsLooked;
        if (!tx) tx.emplace(store.db());
        auto report = store.report(id);
        if (!report) continue;
        auto facts = reportFacts(store, *report);
        auto alerts = store.alertsOf(id);
        std::set<std::string> sent;
        for (const auto& a : alerts) sent.insert(a.key);
        const auto contact = store.lastReporterContact(id);
        auto plan = policy::planAlerts(rt.policy, rt.calendar, facts, sent, contact, now);
        for (const auto& alert : plan.due) {
            const policy::Stage* stage = alert.stage.empty() ? nullptr : rt.policy.stage(alert.stage);
            const std::string title = stage ? stage->title : "Keeping the reporter informed";
            json ctx;
            ctx["report_id"] = id;
            ctx["project"] = rt.policy.project;
            ctx["policy_name"] = rt.policy.name;
            ctx["kind"] = std::string(policy::alertKindName(alert.kind));
            ctx["warning"] = alert.kind == policy::Alert::Kind::Warning;
            ctx["missed"] = alert.kind != policy::Alert::Kind::Warning &&
                            alert.kind != policy::Alert::Kind::ReporterReminder;
            ctx["reminder"] = alert.kind == policy::Alert::Kind::ReporterReminder;
            ctx["escalated"] = alert.kind == policy::Alert::Kind::Level;
            ctx["level_name"] = levels.at(alert.level).name;
            ctx["stage"] = alert.stage;
            ctx["stage_title"] = title;
            ctx["window"] = stage ? policy::describeWindow(stage->window) : "";
            ctx["anchor"] = stage ? (stage->anchor == "receipt" ? std::string("receipt")
                                                               : rt.policy.stage(stage->anchor)->title)
                                  : "";
            ctx["action"] = stage ? stage->completedBy : "";
            ctx["command"] = commandExample(stage ? stage->completedBy : "");
            ctx["due"] = alert.deadline ? rt.calendar.formatLocal(*alert.deadline) : "";
            ctx["late"] = alert.deadline ? spanText(std::chrono::duration_cast<std::chrono::seconds>(now - *alert.deadline))
                                         : "";
            ctx["due_in"] = alert.deadline ? spanText(std::chrono::duration_cast<std::chrono::seconds>(*alert.deadline - now))
                                           : "";
            ctx["last_contact"] = contact ? rt.calendar.formatLocal(*contact) : "never";
            ctx["reporter"] = report->reporter;
            ctx["received"] = rt.calendar.formatLocal(report->receivedAt);
            ctx["state"] = report->state;
            ctx["severity"] = report->severity.value_or("not set");
            ctx["our_address"] = rt.config.smtp.from;
            ctx["config_file"] = rt.config.file.string();
            const std::string body = rt.templates.render("escalation", ctx);
            for (const auto& address : levels.at(alert.level).addresses) {
                queueMaintainerMail(rt, store, {id, std::nullopt, address, "escalation", subjectFor(alert, id, title), body},
                                    now);
                ++result.alertsQueued;
            }
            alerts.push_back({id, alert.key, std::string(policy::alertKindName(alert.kind)), alert.stage,
                              static_cast<int>(alert.level), alert.at, now});
            store.recordAlert(alerts.back());
            store.audit(now, id, std::nullopt, "secmaild", "escalation.queued",
                        json{{"alert", alert.key}, {"kind", policy::alertKindName(alert.kind)}, {"stage", alert.stage},
                             {"level", levels.at(alert.level).name}, {"to", levels.at(alert.level).addresses}}
                            .dump());
            spdlog::warn("escalation.queued report={} alert={} level=\"{}\"", id, alert.key,
                         levels.at(alert.level).name);
        }
        store.setNextAlertAt(id, plan.next);
        store.setDeadlines(id, openDeadlines(rt, *report, facts, alerts));
        if (++inBatch == kPlanBatch) {
            tx->commit();
            tx.reset();
            inBatch = 0;
        }
    }
    if (tx) tx->commit();
    result.nextDue = store.nextAlertAt();
    return result;
}

}  // namespace secmaild::service
