// Lets one thread work beside another that produces its work: the producer
// says when it added something and when it is done; the consumer waits for
// either. The intake feeds the filing (stored messages), the filing feeds the
// sender (queued answers).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace secmaild::service {

class WorkFeed {
public:
    void added();
    void finished();
    bool isFinished();
    // Returns when something was added since the last wait, when the feed
    // finished, or after `timeout`.
    void wait(std::chrono::milliseconds timeout);

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::uint64_t added_ = 0;
    std::uint64_t seen_ = 0;
    bool finished_ = false;
};

}  // namespace secmaild::service
