// Draining the outbox: every answer that is due goes out over one SMTP
// connection. Sent answers are recorded (and complete the policy stage the
// automatic acknowledgment stands for); transient failures are retried with
// capped backoff until smtp.give_up_after; permanent refusals are recorded
// and never retried. An SMTP outage delays mail and loses none.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "secmaild/service/runtime.hpp"

namespace secmaild::service {

struct DrainResult {
    int sent = 0;
    int deferred = 0;
    int failed = 0;
    std::optional<std::string> connectionError;  // the server could not be reached at all
};

// Lets a sender run beside the filing of reports: the filing side says when
// it queued an answer and when it is done; the sender waits for either.
class AnswerFeed {
public:
    void answered();
    void finished();
    bool isFinished();
    // Returns when an answer was queued since the last wait, when the feed
    // finished, or after `timeout`.
    void wait(std::chrono::milliseconds timeout);

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::uint64_t queued_ = 0;
    std::uint64_t seen_ = 0;
    bool finished_ = false;
};

// Sends what is due, using `store` (a connection of its own when it runs on
// another thread than the filing). With a feed, keeps sending until the feed
// finishes and nothing is left.
DrainResult drainOutbox(Runtime& runtime, store::Store& store, const std::atomic<bool>* stop = nullptr,
                        AnswerFeed* feed = nullptr);
inline DrainResult drainOutbox(Runtime& runtime, const std::atomic<bool>* stop = nullptr) {
    return drainOutbox(runtime, *runtime.store, stop);
}

}  // namespace secmaild::service
