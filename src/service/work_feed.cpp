// WorkFeed (see work_feed.hpp).
#include "secmaild/service/work_feed.hpp"

namespace secmaild::service {

void WorkFeed::added() {
    {
        std::lock_guard lock(mutex_);
        ++added_;
    }
    changed_.notify_one();
}

void WorkFeed::finished() {
    {
        std::lock_guard lock(mutex_);
        finished_ = true;
    }
    changed_.notify_one();
}

bool WorkFeed::isFinished() {
    std::lock_guard lock(mutex_);
    return finished_;
}

void WorkFeed::wait(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [this] { return finished_ || added_ != seen_; });
    seen_ = added_;
}

}  // namespace secmaild::service
