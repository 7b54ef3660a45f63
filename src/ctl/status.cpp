// secmailctl status and the metrics (see status.hpp). Counters come from
// durable rows (messages by outcome, mail sent by kind, alerts), so they only
// grow, across restarts too, as Prometheus expects of a counter.
#include "secmaild/ctl/status.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "secmaild/ctl/deadlines.hpp"
#include "secmaild/service/intake.hpp"
#include "secmaild/util/time_format.hpp"

namespace secmaild::ctl {

namespace {

using nlohmann::json;

json timeOrNull(const std::optional<TimePoint>& t) {
    return t ? json(formatIsoUtc(*t)) : json(nullptr);
}

std::string str(const json& j) {
    if (j.is_null()) return "-";
    if (j.is_string()) return j.get<std::string>();
    return j.dump();
}

// A label value, escaped per the exposition format.
std::string label(std::string_view v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"')
            out += {'\\', c};
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

}  // namespace

OverdueCount countOverdue(service::Runtime& rt, TimePoint now) {
    OverdueCount count;
    std::set<std::string> reports;
    forEachOverdue(rt, now, [&](const store::DeadlineRow& d) {
        ++count.stages;
        reports.insert(d.reportId);
    });
    count.reports = reports.size();
    return count;
}

json serviceStatus(service::Runtime& rt) {
    const TimePoint now = rt.clock->now();
    auto& store = *rt.store;
    json problems = json::array();
    json out{{"now", formatIsoUtc(now)}};

    auto lastPass = store.serviceStatus("last_pass");
    json pass = lastPass ? json::parse(lastPass->value, nullptr, false) : json(nullptr);
    if (pass.is_discarded()) pass = nullptr;
    out["last_pass"] = lastPass ? json(formatIsoUtc(lastPass->at)) : json(nullptr);
    if (!lastPass) problems.push_back("secmaild has not run a pass on this store yet");

    if (rt.config.imap) {
        auto ok = store.serviceStatus("mailbox_ok");
        json error = pass.is_object() ? pass["imap_error"] : json(nullptr);
        out["mailbox"] = {{"url", rt.config.imap->url},
                          {"last_poll", out["last_pass"]},
                          {"last_poll_ok", ok ? json(formatIsoUtc(ok->at)) : json(nullptr)},
                          {"reachable", lastPass && error.is_null()},
                          {"error", error}};
        if (!error.is_null()) problems.push_back("the mailbox could not be read: " + error.get<std::string>());
    } else {
        out["mailbox"] = nullptr;
    }
    auto lastSend = store.serviceStatus("last_send");
    json smtpError = pass.is_object() ? pass["smtp_error"] : json(nullptr);
    out["smtp"] = {{"url", rt.config.smtp.url},
                   {"last_send", lastSend ? json(formatIsoUtc(lastSend->at)) : json(nullptr)},
                   {"error", smtpError}};
    if (!smtpError.is_null()) problems.push_back("the SMTP server could not be reached: " + smtpError.get<std::string>());

    const auto totals = store.totals();
    out["messages_waiting"] = totals.pendingMessages;
    out["outbox"] = {{"queued", totals.outboxQueued},
                     {"oldest_queued", timeOrNull(totals.oldestQueued)},
                     {"failed", totals.outboxFailed}};
    if (totals.outboxFailed > 0)
        problems.push_back(std::to_string(totals.outboxFailed) + " mails were given up on (secmailctl messages)");
    out["reports"] = {{"open", totals.openReports}, {"closed", totals.closedReports}};

    const auto late = countOverdue(rt, now);
    out["overdue"] = {{"stages", late.stages}, {"reports", late.reports}};
    if (late.stages > 0)
        problems.push_back(std::to_string(late.stages) + " stages of " + std::to_string(late.reports) +
                           " reports are overdue (secmailctl overdue)");
    if (auto next = nextDeadline(rt, now)) {
        const auto* stage = rt.policy.stage(next->stage);
        out["next_deadline"] = {{"report_id", next->reportId},
                                {"stage", next->stage},
                                {"title", stage ? stage->title : next->stage},
                                {"due", formatIsoUtc(next->dueAt)},
                                {"in_seconds", (next->dueAt - now).count()}};
    } else {
        out["next_deadline"] = nullptr;
    }

    json keys = json::array();
    if (rt.openpgp) {
        auto add = [&](const char* role, const pgp::KeyInfo& k) {
            const auto state = pgp::keyHealth(k, now);
            keys.push_back({{"role", role}, {"fingerprint", k.fingerprint}, {"user_ids", k.userIds},
                            {"expires", timeOrNull(k.expires)}, {"state", state}});
            if (state != "ok")
                problems.push_back(std::string(role) + " key " + k.fingerprint + " is " + state +
                                   (k.expires ? " (expiry " + formatIsoUtc(*k.expires) + ")" : ""));
        };
        if (!rt.openpgp->ourKey.fingerprint.empty()) add("secmaild", rt.openpgp->ourKey);
        for (const auto& k : rt.openpgp->maintainerKeys) add("maintainer", k);
    }
    out["keys"] = keys;
    out["problems"] = problems;
    return out;
}

std::string statusAsText(const json& j) {
    std::ostringstream out;
    out << "secmaild status at " << str(j["now"]) << "\n";
    out << "  last pass:        " << str(j["last_pass"]) << "\n";
    if (!j["mailbox"].is_null())
        out << "  mailbox:          " << str(j["mailbox"]["url"]) << ": "
            << (j["mailbox"]["reachable"].get<bool>() ? "reachable" : "NOT reachable") << ", last good poll "
            << str(j["mailbox"]["last_poll_ok"]) << "\n";
    out << "  smtp:             " << str(j["smtp"]["url"]) << ", last sent " << str(j["smtp"]["last_send"])
        << (j["smtp"]["error"].is_null() ? "" : ", NOT reachable") << "\n";
    out << "  messages waiting: " << str(j["messages_waiting"]) << "\n";
    out << "  outbox:           " << str(j["outbox"]["queued"]) << " queued (oldest "
        << str(j["outbox"]["oldest_queued"]) << "), " << str(j["outbox"]["failed"]) << " failed\n";
    out << "  reports:          " << str(j["reports"]["open"]) << " open, " << str(j["reports"]["closed"])
        << " closed; " << str(j["overdue"]["stages"]) << " overdue stages in " << str(j["overdue"]["reports"])
        << " reports\n";
    if (!j["next_deadline"].is_null()) {
        const auto& n = j["next_deadline"];
        const auto in = n["in_seconds"].get<long long>();
        out << "  next deadline:    " << str(n["report_id"]) << " " << str(n["stage"]) << " due " << str(n["due"])
            << " (in " << in / 3600 << "h " << in % 3600 / 60 << "m)\n";
    }
    for (const auto& k : j["keys"])
        out << "  " << str(k["role"]) << " key:" << std::string(k["role"] == "secmaild" ? 6 : 4, ' ')
            << str(k["fingerprint"]) << " " << str(k["state"]) << ", expires " << str(k["expires"]) << "\n";
    if (j["problems"].empty())
        out << "All is well.\n";
    else
        for (const auto& p : j["problems"]) out << "PROBLEM: " << str(p) << "\n";
    return out.str();
}

std::string metricsText(service::Runtime& rt) {
    return metricsText(rt, countOverdue(rt, rt.clock->now()));
}

std::string metricsText(service::Runtime& rt, const OverdueCount& late) {
    const TimePoint now = rt.clock->now();
    auto& store = *rt.store;
    const auto totals = store.totals();
    std::ostringstream out;
    auto family = [&](const char* name, const char* type, const char* help) {
        out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
    };
    family("secmaild_messages_processed_total", "counter", "Messages filed, by outcome.");
    for (const auto& [outcome, n] : totals.messagesByOutcome)
        out << "secmaild_messages_processed_total{outcome=\"" << label(outcome) << "\"} " << n << "\n";
    family("secmaild_mails_sent_total", "counter",
           "Mails sent, by kind (acknowledgment, status, reply, escalation, notice, ...).");
    for (const auto& [kind, n] : totals.sentByKind)
        out << "secmaild_mails_sent_total{kind=\"" << label(kind) << "\"} " << n << "\n";
    family("secmaild_acknowledgments_sent_total", "counter", "Acknowledgments sent to reporters.");
    out << "secmaild_acknowledgments_sent_total "
        << (totals.sentByKind.count("acknowledgment") ? totals.sentByKind.at("acknowledgment") : 0) << "\n";
    family("secmaild_escalations_total", "counter", "Escalation alerts queued, by kind (warning, missed, repeat, level).");
    for (const auto& [kind, n] : totals.alertsByKind)
        out << "secmaild_escalations_total{kind=\"" << label(kind) << "\"} " << n << "\n";
    family("secmaild_overdue_reports", "gauge", "Open reports with at least one stage past its deadline.");
    out << "secmaild_overdue_reports " << late.reports << "\n";
    family("secmaild_overdue_stages", "gauge", "Stages past their deadline.");
    out << "secmaild_overdue_stages " << late.stages << "\n";
    family("secmaild_open_reports", "gauge", "Reports not closed.");
    out << "secmaild_open_reports " << totals.openReports << "\n";
    family("secmaild_messages_waiting", "gauge", "Messages stored and not yet processed.");
    out << "secmaild_messages_waiting " << totals.pendingMessages << "\n";
    family("secmaild_outbox_depth", "gauge", "Mails queued and not yet sent.");
    out << "secmaild_outbox_depth " << totals.outboxQueued << "\n";
    family("secmaild_outbox_oldest_seconds", "gauge", "Age of the oldest queued mail (0 when none).");
    out << "secmaild_outbox_oldest_seconds " << (totals.oldestQueued ? (now - *totals.oldestQueued).count() : 0)
        << "\n";
    family("secmaild_outbox_failed", "gauge", "Mails given up on after retries.");
    out << "secmaild_outbox_failed " << totals.outboxFailed << "\n";
    if (rt.config.imap) {
        family("secmaild_last_poll_success_timestamp_seconds", "gauge",
               "When the mailbox was last read without error (Unix time).");
        auto ok = store.serviceStatus("mailbox_ok");
        out << "secmaild_last_poll_success_timestamp_seconds{mailbox=\"" << label(service::mailboxKey(*rt.config.imap))
            << "\"} " << (ok ? toUnix(ok->at) : 0) << "\n";
    }
    if (auto pass = store.serviceStatus("last_pass")) {
        family("secmaild_last_pass_timestamp_seconds", "gauge", "When the daemon last finished a pass (Unix time).");
        out << "secmaild_last_pass_timestamp_seconds " << toUnix(pass->at) << "\n";
    }
    if (rt.openpgp) {
        family("secmaild_key_expiry_timestamp_seconds", "gauge",
               "When a key expires (Unix time); 0: never. Role secmaild or maintainer.");
        auto key = [&](const char* role, const pgp::KeyInfo& k) {
            out << "secmaild_key_expiry_timestamp_seconds{role=\"" << role << "\",fingerprint=\"" << k.fingerprint
                << "\"} " << (k.expires ? toUnix(*k.expires) : 0) << "\n";
        };
        if (!rt.openpgp->ourKey.fingerprint.empty()) key("secmaild", rt.openpgp->ourKey);
        for (const auto& k : rt.openpgp->maintainerKeys) key("maintainer", k);
        family("secmaild_key_usable", "gauge", "1 when a key is usable (not expired, revoked or unusable).");
        auto usable = [&](const char* role, const pgp::KeyInfo& k) {
            const auto state = pgp::keyHealth(k, now);
            out << "secmaild_key_usable{role=\"" << role << "\",fingerprint=\"" << k.fingerprint << "\"} "
                << (state == "ok" || state == "expires-soon" ? 1 : 0) << "\n";
        };
        if (!rt.openpgp->ourKey.fingerprint.empty()) usable("secmaild", rt.openpgp->ourKey);
        for (const auto& k : rt.openpgp->maintainerKeys) usable("maintainer", k);
    }
    return out.str();
}

void writeFileAtomically(const std::filesystem::path& path, const std::string& text) {
    auto temp = path;
    temp += ".tmp." + std::to_string(::getpid());
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out << text;
        out.flush();
        if (!out) throw std::runtime_error("cannot write " + temp.string());
    }
    std::error_code ec;
    std::filesystem::rename(temp, path, ec);
    if (ec) {
        std::filesystem::remove(temp, ec);
        throw std::runtime_error("cannot replace " + path.string() + ": " + ec.message());
    }
}

}  // namespace secmaild::ctl
