// `secmailctl status` and the Prometheus metrics: what an admin checks first.
// Both read the store (what the daemon last did, counts, deadlines) and, for
// key health, the runtime's OpenPGP keys. JSON first, text rendered from it.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "secmaild/service/runtime.hpp"

namespace secmaild::ctl {

// {"now", "mailbox": {"url", "last_poll", "last_poll_ok", "error"},
//  "smtp": {"url", "last_send", "error"}, "messages_waiting",
//  "outbox": {"queued", "oldest_queued", "failed"}, "reports": {"open", "closed"},
//  "overdue": {"stages", "reports"}, "next_deadline": {...} | null,
//  "keys": [{"role", "fingerprint", "expires", "state"}], "problems": [...]}
// `problems` lists what needs an admin (unreachable server, failed mail,
// overdue stages, a key expiring within 14 days); empty when all is well.
nlohmann::json serviceStatus(service::Runtime& runtime);
std::string statusAsText(const nlohmann::json& status);

// Stages past their deadline at `now`, and the reports they belong to: one
// walk over the open deadlines (about 80 ms at 100,000 open reports), so a
// caller that needs the count twice computes it once.
struct OverdueCount {
    std::size_t stages = 0;
    std::size_t reports = 0;
};
OverdueCount countOverdue(service::Runtime& runtime, TimePoint now);

// Prometheus text exposition format 0.0.4 (HELP, TYPE, samples).
std::string metricsText(service::Runtime& runtime);
std::string metricsText(service::Runtime& runtime, const OverdueCount& overdue);

// Writes `text` to `path` atomically (a temp file beside it, then rename),
// so node_exporter never reads half a file. Throws std::runtime_error.
void writeFileAtomically(const std::filesystem::path& path, const std::string& text);

}  // namespace secmaild::ctl
