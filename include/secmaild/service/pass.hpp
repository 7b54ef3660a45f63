// One full pass: fetch new mail, process everything pending, send what the
// outbox holds. What `secmaild --once` runs, and what the daemon runs on
// each poll.
#pragma once

#include <atomic>

#include "secmaild/service/intake.hpp"
#include "secmaild/service/outbox.hpp"

namespace secmaild::service {

struct PassResult {
    IntakeResult intake;
    int processed = 0;
    DrainResult outbox;
    // A server we needed could not be reached.
    bool serverUnreachable() const { return intake.error.has_value() || outbox.connectionError.has_value(); }
};

PassResult runPass(Runtime& runtime, const std::atomic<bool>* stop = nullptr);

}  // namespace secmaild::service
