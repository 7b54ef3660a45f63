// Mail from secmaild to its maintainers (new-report notices, escalations):
// signed by our key and encrypted to the maintainer's key from the
// maintainers' keys file when there is one. Whether a body may carry report
// content is the caller's decision, made with maintainerKey() first
// (invariant 3: report content never leaves in clear).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "secmaild/service/runtime.hpp"

namespace secmaild::service {

struct MaintainerMail {
    std::string reportId;                      // "" for mail about no report (a refused command)
    std::optional<std::int64_t> aboutMessage;  // the incoming message it is about, if any
    std::string to;
    std::string kind;  // outbox kind: "maintainer-notice", "escalation"
    std::string subject;
    std::string body;
};

// The maintainer's encryption key (fingerprint), if the keys file has one for the address.
std::optional<std::string> maintainerKey(const Runtime& rt, const std::string& address);

// Queues the mail in the outbox (inside the caller's transaction) and
// threads it with the report. Returns the outbox id.
std::int64_t queueMaintainerMail(Runtime& rt, store::Store& store, const MaintainerMail& mail, TimePoint now);

}  // namespace secmaild::service
