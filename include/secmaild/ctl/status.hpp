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

// A key's health at `now`: "ok", "expires-soon" (within 14 days), "expired",
// "revoked" or "unusable" (cannot encrypt, disabled, invalid).
std::string keyHealth(const pgp::KeyInfo& key, TimePoint now);
constexpr auto kKeyExpiryWarning = std::chrono::hours{24 * 14};

// Prometheus text exposition format 0.0.4 (HELP, TYPE, samples).
std::string metricsText(service::Runtime& runtime);

// Writes `text` to `path` atomically (a temp file beside it, then rename),
// so node_exporter never reads half a file. Throws std::runtime_error.
void writeFileAtomically(const std::filesystem::path& path, const std::string& text);

}  // namespace secmaild::ctl
