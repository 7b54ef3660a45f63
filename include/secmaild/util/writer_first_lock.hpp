// A readers-writer lock that lets a waiting writer in first. std::shared_mutex
// on glibc prefers readers: with a few threads taking turns as readers, a
// writer can wait for as long as they keep overlapping. Meets the standard's
// Lockable and SharedLockable, so std::unique_lock and std::shared_lock work.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>

namespace secmaild {

class WriterFirstLock {
public:
    void lock() {
        std::unique_lock guard(mutex_);
        ++writersWaiting_;
        changed_.wait(guard, [&] { return readers_ == 0 && !writing_; });
        --writersWaiting_;
        writing_ = true;
    }
    void unlock() {
        {
            std::lock_guard guard(mutex_);
            writing_ = false;
        }
        changed_.notify_all();
    }
    void lock_shared() {
        std::unique_lock guard(mutex_);
        changed_.wait(guard, [&] { return writersWaiting_ == 0 && !writing_; });
        ++readers_;
    }
    void unlock_shared() {
        bool last;
        {
            std::lock_guard guard(mutex_);
            last = --readers_ == 0;
        }
        if (last) changed_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::size_t readers_ = 0;
    std::size_t writersWaiting_ = 0;
    bool writing_ = false;
};

}  // namespace secmaild
