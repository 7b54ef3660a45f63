// Mail from secmaild to a reporter (acknowledgments, status mails, a
// maintainer's reply): composed as a reply threaded with the report, queued in
// the outbox inside the caller's transaction, and protected as [gpg] says —
// signed, and encrypted to the reporter's key when it is known and usable.
// What the body may say is the caller's business (invariant 3).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "secmaild/answer/acknowledgment.hpp"
#include "secmaild/pgp/protect.hpp"
#include "secmaild/service/runtime.hpp"

namespace secmaild::service {

// How an answer to this reporter is protected: signed per [gpg], encrypted to
// their key when it is known and usable.
pgp::Protection reporterProtection(Runtime& rt, const std::optional<std::string>& reporterKey);

struct ReporterMail {
    answer::Reply reply;                       // report id, the mail it answers, recipient, body
    std::string kind;                          // outbox kind: "acknowledgment", "status", "reply", ...
    std::optional<std::int64_t> aboutMessage;  // the incoming message it answers, if any
    std::optional<std::string> reporterKey;
    bool writtenByPerson = false;  // a maintainer's reply: not marked Auto-Submitted (RFC 3834)
};

// Queues the mail and threads its Message-ID with the report; returns the Message-ID.
std::string queueReporterMail(Runtime& rt, store::Store& store, const ReporterMail& mail, TimePoint now);

}  // namespace secmaild::service
