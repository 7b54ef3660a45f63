// Reading ahead (see read_ahead.hpp). The window is small (two messages per
// reader) and bounded in bytes: enough to keep the readers busy while one
// message is filed, never a whole mailbox in memory.
#include "secmaild/service/read_ahead.hpp"

#include <algorithm>
#include <shared_mutex>

namespace secmaild::service {

mime::MessageLimits messageLimits(const config::Limits& l) {
    mime::MessageLimits m;
    m.scan.maxHeaderBytes = l.maxHeaderBytes;
    m.scan.maxHeaderLine = l.maxHeaderLine;
    m.scan.maxDepth = l.maxDepth;
    m.scan.maxParts = l.maxParts;
    m.maxTextBytes = l.maxTextBytes;
    return m;
}

ReadMessage readMessage(const Runtime& rt, std::string_view raw, pgp::Decrypter* decrypter) {
    ReadMessage m;
    pgp::MailLimits limits;
    limits.message = messageLimits(rt.config.limits);
    m.parsed = mime::parseMessage(raw, limits.message);
    m.security = pgp::readOpenPgp(raw, m.parsed, decrypter, limits);
    return m;
}

ReadAhead::ReadAhead(Runtime& rt, std::vector<std::int64_t> ids, ReadAheadLimits limits)
    : rt_(rt), ids_(std::move(ids)), limits_(limits) {
    if (!rt_.openpgp || rt_.openpgp->readers.empty() || ids_.empty()) return;
    // A single message is read by a worker too: forking the small worker for
    // gpg costs less than forking the daemon.
    const auto threads = std::min(ids_.size(), rt_.openpgp->readers.size());
    window_ = std::max<std::size_t>(1, limits_.perReader) * threads;
    for (std::size_t k = 0; k < threads; ++k)
        readers_.emplace_back([this, w = rt_.openpgp->readers[k].get()] { serve(*w); });
}

ReadAhead::~ReadAhead() {
    {
        std::lock_guard lock(mutex_);
        closing_ = true;
    }
    changed_.notify_all();
    for (auto& t : readers_) t.join();
}

std::optional<ReadMessage> ReadAhead::take(std::size_t i) {
    if (readers_.empty() || i >= ids_.size()) return std::nullopt;
    fill(i);
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return done_.count(i) > 0; });
    auto node = done_.extract(i);
    bytesInFlight_ -= node.mapped().second;
    lock.unlock();
    // Queue the next ones before this one is filed, so the readers keep working.
    fill(i + 1);
    return std::move(node.mapped().first);
}

void ReadAhead::fill(std::size_t from) {
    next_ = std::max(next_, from);
    while (next_ < ids_.size() && next_ < from + window_) {
        {
            std::lock_guard lock(mutex_);
            // The message asked for is always read, however large.
            if (bytesInFlight_ >= limits_.maxBytes && next_ > from) return;
        }
        Job job{next_, rt_.store->rawMessage(ids_[next_]), rt_.openpgp->keyImports};
        {
            std::lock_guard lock(mutex_);
            bytesInFlight_ += job.raw.size();
            jobs_.push_back(std::move(job));
        }
        changed_.notify_all();
        ++next_;
    }
}

void ReadAhead::serve(pgp::GpgWorker& worker) {
    for (;;) {
        Job job;
        {
            std::unique_lock lock(mutex_);
            changed_.wait(lock, [&] { return closing_ || !jobs_.empty(); });
            if (closing_) return;
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        ReadMessage m;
        const auto failuresBefore = worker.failures();
        try {
            std::shared_lock keyring(*rt_.openpgp->keyringLock);
            m = readMessage(rt_, job.raw, &worker);
        } catch (...) {
            m = ReadMessage{};
            m.failure = std::current_exception();
        }
        m.keyImports = job.keyImports;
        m.workerFailed = worker.failures() != failuresBefore;
        {
            std::lock_guard lock(mutex_);
            done_.emplace(job.index, std::make_pair(std::move(m), static_cast<std::uint64_t>(job.raw.size())));
        }
        changed_.notify_all();
    }
}

}  // namespace secmaild::service
