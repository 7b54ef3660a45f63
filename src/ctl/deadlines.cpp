// The deadline views (see deadlines.hpp). They read the same pure timeline
// the escalations use, at the real clock's now.
#include "secmaild/ctl/deadlines.hpp"

#include <sstream>

#include "secmaild/policy/timeline.hpp"
#include "secmaild/service/escalations.hpp"
#include "secmaild/util/time_format.hpp"

namespace secmaild::ctl {

namespace {

using nlohmann::json;

json alertsJson(const std::vector<store::AlertRow>& alerts, const std::string& stage) {
    json out = json::array();
    for (const auto& a : alerts)
        if (a.stage == stage)
            out.push_back({{"alert", a.key}, {"kind", a.kind}, {"level", a.level}, {"sent_at", formatIsoUtc(a.sentAt)}});
    return out;
}

std::string str(const json& j) {
    if (j.is_null()) return "-";
    if (j.is_string()) return j.get<std::string>();
    return j.dump();
}

}  // namespace

json overdueReports(service::Runtime& rt) {
    const TimePoint now = rt.clock->now();
    json out = json::array();
    auto& store = *rt.store;
    // One statement per open report; the store answers 100,000 in well under a second.
    for (const auto& r : store.reports()) {
        if (r.state == "closed") continue;
        auto facts = service::reportFacts(store, r);
        std::optional<std::vector<store::AlertRow>> alerts;
        for (const auto& s : policy::computeTimeline(rt.policy, rt.calendar, facts, now)) {
            if (s.state != policy::StageStatus::State::Overdue) continue;
            if (!alerts) alerts = store.alertsOf(r.id);
            auto late = std::chrono::duration_cast<std::chrono::seconds>(now - *s.due).count();
            out.push_back({{"report_id", r.id},
                           {"state", r.state},
                           {"reporter", r.reporter},
                           {"stage", s.stage->name},
                           {"title", s.stage->title},
                           {"due", formatIsoUtc(*s.due)},
                           {"late_seconds", late},
                           {"alerts", alertsJson(*alerts, s.stage->name)}});
        }
    }
    return {{"now", formatIsoUtc(now)}, {"overdue", out}};
}

std::optional<json> reportTimeline(service::Runtime& rt, const std::string& id) {
    auto& store = *rt.store;
    auto r = store.report(id);
    if (!r) return std::nullopt;
    const TimePoint now = rt.clock->now();
    auto alerts = store.alertsOf(id);
    json stages = json::array();
    for (const auto& s : policy::computeTimeline(rt.policy, rt.calendar, service::reportFacts(store, *r), now)) {
        stages.push_back({{"stage", s.stage->name},
                          {"title", s.stage->title},
                          {"state", std::string(policy::stateName(s.state))},
                          {"window", policy::describeWindow(s.stage->window)},
                          {"from", s.stage->anchor},
                          {"start", s.start ? json(formatIsoUtc(*s.start)) : json(nullptr)},
                          {"due", s.due ? json(formatIsoUtc(*s.due)) : json(nullptr)},
                          {"completed_at", s.completedAt ? json(formatIsoUtc(*s.completedAt)) : json(nullptr)},
                          {"conditional", s.conditional},
                          {"alerts", alertsJson(alerts, s.stage->name)}});
    }
    json reminders = alertsJson(alerts, "");
    return json{{"report_id", id},   {"state", r->state}, {"severity", r->severity ? json(*r->severity) : json(nullptr)},
                {"now", formatIsoUtc(now)}, {"stages", stages}, {"reporter_reminders", reminders}};
}

std::string overdueAsText(const json& j) {
    std::ostringstream out;
    if (j["overdue"].empty()) return "Nothing is overdue.\n";
    for (const auto& o : j["overdue"]) {
        auto late = o["late_seconds"].get<long long>();
        out << str(o["report_id"]) << "  " << str(o["title"]) << "  due " << str(o["due"]) << ", late "
            << late / 86400 << "d " << (late % 86400) / 3600 << "h  (" << o["alerts"].size() << " alerts sent)\n";
    }
    return out.str();
}

std::string timelineAsText(const json& j) {
    std::ostringstream out;
    out << str(j["report_id"]) << " (" << str(j["state"]) << ", severity " << str(j["severity"]) << ")\n";
    for (const auto& s : j["stages"]) {
        out << "  " << str(s["title"]) << ": " << str(s["state"]) << "\n";
        out << "      " << str(s["window"]) << " from " << str(s["from"]) << "; due " << str(s["due"]);
        if (!s["completed_at"].is_null()) out << "; done " << str(s["completed_at"]);
        out << "\n";
        for (const auto& a : s["alerts"]) out << "      alert " << str(a["kind"]) << " sent " << str(a["sent_at"]) << "\n";
    }
    for (const auto& a : j["reporter_reminders"]) out << "  reminder sent " << str(a["sent_at"]) << "\n";
    return out.str();
}

}  // namespace secmaild::ctl
