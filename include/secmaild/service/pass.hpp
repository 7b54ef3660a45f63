// One full pass: fetch new mail, queue the escalations that came due,
// process everything pending, send what the outbox holds — the three side by
// side, each message filed in arrival order once it is stored. What
// `secmaild --once` runs, and what the daemon runs on each poll.
#pragma once

#include <atomic>

#include "secmaild/service/escalations.hpp"
#include "secmaild/service/intake.hpp"
#include "secmaild/service/outbox.hpp"

namespace secmaild::service {

struct PassResult {
    IntakeResult intake;
    int processed = 0;
    EscalationResult escalations;
    DrainResult outbox;
    int keyNotices = 0;  // key-health mails queued
    // A server we needed could not be reached.
    bool serverUnreachable() const { return intake.error.has_value() || outbox.connectionError.has_value(); }
};

// Also records what it did for `secmailctl status` (recordPass).
PassResult runPass(Runtime& runtime, const std::atomic<bool>* stop = nullptr);

// Stores the pass's outcome, and when the mailbox and the SMTP server last
// answered, in the store's service_status.
void recordPass(Runtime& runtime, const PassResult& result, TimePoint at);

}  // namespace secmaild::service
