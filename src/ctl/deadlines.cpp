// The deadline views (see deadlines.hpp). `overdue` reads the deadlines the
// escalation pass stored with each plan (one query for 100,000 reports) and
// computes only the reports changed since, or all of them when the plans
// were made under another policy text; `timeline` computes one report.
#include "secmaild/ctl/deadlines.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <iterator>
#include <sstream>
#include <tuple>

#include "secmaild/policy/timeline.hpp"
#include "secmaild/service/escalations.hpp"
#include "secmaild/util/strings.hpp"
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

bool needsEscaping(unsigned char c) {
    return c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
}

// A JSON string literal, escaped per RFC 8259 (quote, backslash, control
// characters); invalid UTF-8 is replaced, as nlohmann's dump would refuse it.
// Plain ASCII, nearly every value here, is appended in one piece.
void appendJsonString(std::string& out, std::string_view raw) {
    out += '"';
    if (std::none_of(raw.begin(), raw.end(), [](char c) { return needsEscaping(static_cast<unsigned char>(c)); })) {
        out.append(raw);
        out += '"';
        return;
    }
    std::string repaired;
    std::string_view text = raw;
    if (!isValidUtf8(raw)) text = repaired = sanitizeUtf8(raw);
    for (char c : text) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char escaped[8];
                    std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
                    out += escaped;
                } else {
                    out += c;
                }
        }
    }
    out += '"';
}

void appendNumber(std::string& out, long long value) {
    char digits[24];
    auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out.append(digits, end);
}

const std::string& stageTitle(const policy::Policy& policy, const std::string& name) {
    const auto* stage = policy.stage(name);
    return stage ? stage->title : name;
}

// The open deadlines of reports whose plan is not in the store (changed
// since the daemon's last pass, or planned under another policy text):
// computed here, the same way the pass would.
std::vector<store::DeadlineRow> unplannedDeadlines(service::Runtime& rt, const std::vector<std::string>& ids) {
    std::vector<store::DeadlineRow> out;
    auto& store = *rt.store;
    for (const auto& id : ids) {
        auto r = store.report(id);
        if (!r || r->state == "closed") continue;
        for (auto& d : service::openDeadlines(rt, *r, service::reportFacts(store, *r), store.alertsOf(id)))
            out.push_back(std::move(d));
    }
    return out;
}

std::vector<std::string> openReportIds(store::Store& store) {
    std::vector<std::string> ids;
    for (const auto& r : store.reports())
        if (r.state != "closed") ids.push_back(r.id);
    return ids;
}

}  // namespace

void forEachOverdue(service::Runtime& rt, TimePoint now, const std::function<void(const store::DeadlineRow&)>& visit) {
    auto& store = *rt.store;
    auto order = [](const store::DeadlineRow& a, const store::DeadlineRow& b) {
        return std::tie(a.dueAt, a.reportId, a.stage) < std::tie(b.dueAt, b.reportId, b.stage);
    };
    // The stored plans and the list of reports without one, as of one moment.
    store::ReadSnapshot snapshot(store.db());
    const bool planned = store.planPolicy() == rt.policy.digest;
    auto computed = unplannedDeadlines(rt, planned ? store.reportsWithoutPlan() : openReportIds(store));
    std::erase_if(computed, [&](const store::DeadlineRow& d) { return !(now > d.dueAt); });
    std::sort(computed.begin(), computed.end(), order);
    auto next = computed.begin();
    if (planned) {
        // Both in the same order: merge the few computed rows into the stored ones.
        store.eachDeadlineDueBy(now, [&](const store::DeadlineRow& d) {
            if (!(now > d.dueAt)) return;
            for (; next != computed.end() && order(*next, d); ++next) visit(*next);
            visit(d);
        });
    }
    for (; next != computed.end(); ++next) visit(*next);
}

std::optional<store::DeadlineRow> nextDeadline(service::Runtime& rt, TimePoint now) {
    auto& store = *rt.store;
    store::ReadSnapshot snapshot(store.db());
    const bool planned = store.planPolicy() == rt.policy.digest;
    std::optional<store::DeadlineRow> next = planned ? store.nextDeadline(now) : std::nullopt;
    for (auto& d : unplannedDeadlines(rt, planned ? store.reportsWithoutPlan() : openReportIds(store)))
        if (d.dueAt > now && (!next || d.dueAt < next->dueAt)) next = std::move(d);
    return next;
}

OverdueWriter::OverdueWriter(std::ostream& out, Format format, const policy::Policy& policy, TimePoint now)
    : out_(out), format_(format), policy_(policy), now_(now) {
    buffer_.reserve(kFlushAt + 4096);
    if (format_ == Format::Json) {
        buffer_ += "{\"now\": ";
        appendJsonString(buffer_, formatIsoUtc(now_));
        buffer_ += ", \"overdue\": [";
    }
}

void OverdueWriter::add(const store::DeadlineRow& d) {
    const auto late = (now_ - d.dueAt).count();
    if (format_ == Format::Text) {
        buffer_ += d.reportId + "  " + stageTitle(policy_, d.stage) + "  due " + formatIsoUtc(d.dueAt) + ", late ";
        appendNumber(buffer_, late / 86400);
        buffer_ += "d ";
        appendNumber(buffer_, late % 86400 / 3600);
        buffer_ += "h  (";
        appendNumber(buffer_, d.alertsSent);
        buffer_ += " alerts sent)\n";
    } else {
        buffer_ += rows_ == 0 ? "\n  {\"report_id\": " : ",\n  {\"report_id\": ";
        appendJsonString(buffer_, d.reportId);
        buffer_ += ", \"state\": ";
        appendJsonString(buffer_, d.reportState);
        buffer_ += ", \"reporter\": ";
        appendJsonString(buffer_, d.reporter);
        buffer_ += ", \"stage\": ";
        appendJsonString(buffer_, d.stage);
        buffer_ += ", \"title\": ";
        appendJsonString(buffer_, stageTitle(policy_, d.stage));
        buffer_ += ", \"due\": ";
        appendJsonString(buffer_, formatIsoUtc(d.dueAt));
        buffer_ += ", \"late_seconds\": ";
        appendNumber(buffer_, late);
        buffer_ += ", \"alerts_sent\": ";
        appendNumber(buffer_, d.alertsSent);
        buffer_ += ", \"last_alert\": ";
        if (d.lastAlertAt) {
            buffer_ += "{\"kind\": ";
            appendJsonString(buffer_, d.lastAlertKind.value_or(""));
            buffer_ += ", \"level\": ";
            appendNumber(buffer_, d.lastAlertLevel.value_or(0));
            buffer_ += ", \"sent_at\": ";
            appendJsonString(buffer_, formatIsoUtc(*d.lastAlertAt));
            buffer_ += "}";
        } else {
            buffer_ += "null";
        }
        buffer_ += "}";
    }
    ++rows_;
    if (buffer_.size() >= kFlushAt) {
        out_ << buffer_;
        buffer_.clear();
    }
}

void OverdueWriter::finish() {
    if (format_ == Format::Json)
        buffer_ += rows_ == 0 ? "]}\n" : "\n]}\n";
    else if (rows_ == 0)
        buffer_ += "Nothing is overdue.\n";
    out_ << buffer_;
    buffer_.clear();
    out_.flush();
}

std::size_t writeOverdue(std::ostream& out, service::Runtime& rt, OverdueWriter::Format format) {
    const TimePoint now = rt.clock->now();
    OverdueWriter writer(out, format, rt.policy, now);
    forEachOverdue(rt, now, [&](const store::DeadlineRow& d) { writer.add(d); });
    writer.finish();
    return writer.rows();
}

json overdueReports(service::Runtime& rt) {
    std::ostringstream out;
    writeOverdue(out, rt, OverdueWriter::Format::Json);
    return json::parse(out.str());
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
