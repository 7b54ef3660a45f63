// Draining the outbox: every answer that is due goes out over one SMTP
// connection. Sent answers are recorded (and complete the policy stage the
// automatic acknowledgment stands for); transient failures are retried with
// capped backoff until smtp.give_up_after; permanent refusals are recorded
// and never retried. An SMTP outage delays mail and loses none.
#pragma once

#include <atomic>
#include <optional>
#include <string>

#include "secmaild/service/runtime.hpp"
#include "secmaild/service/work_feed.hpp"

namespace secmaild::service {

struct DrainResult {
    int sent = 0;
    int deferred = 0;
    int failed = 0;
    std::optional<std::string> connectionError;  // the server could not be reached at all
};

// Sends what is due, using `store` (a connection of its own when it runs on
// another thread than the filing). With `answers` (fed by the filing), keeps
// sending until that feed finishes and nothing is left.
DrainResult drainOutbox(Runtime& runtime, store::Store& store, const std::atomic<bool>* stop = nullptr,
                        WorkFeed* answers = nullptr);
inline DrainResult drainOutbox(Runtime& runtime, const std::atomic<bool>* stop = nullptr) {
    return drainOutbox(runtime, *runtime.store, stop);
}

}  // namespace secmaild::service
