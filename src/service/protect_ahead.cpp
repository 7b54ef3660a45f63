// Signing ahead (see protect_ahead.hpp). Answers are taken in batch order, so
// the one the sending thread waits for is always the next or already done.
#include "secmaild/service/protect_ahead.hpp"

#include <algorithm>
#include <shared_mutex>

#include "secmaild/pgp/protect.hpp"

namespace secmaild::service {

namespace {

bool toProtect(const store::OutboxItem& item) { return pgp::protectionFromJson(item.protection).any(); }

}  // namespace

ProtectAhead::ProtectAhead(Runtime& rt, const std::vector<store::OutboxItem>& items)
    : items_(items), done_(items.size()), finished_(items.size(), false) {
    if (!rt.openpgp || rt.openpgp->signers.empty()) return;
    keyringLock_ = rt.openpgp->keyringLock;
    std::size_t protectedItems = 0;
    for (const auto& item : items_) protectedItems += toProtect(item) ? 1 : 0;
    // Even a single answer goes to a worker: forking the small worker for gpg
    // costs less than forking the daemon.
    const auto threads = std::min(protectedItems, rt.openpgp->signers.size());
    for (std::size_t k = 0; k < threads; ++k)
        signers_.emplace_back([this, w = rt.openpgp->signers[k].get()] { serve(*w); });
}

ProtectAhead::~ProtectAhead() {
    {
        std::lock_guard lock(mutex_);
        closing_ = true;
    }
    for (auto& t : signers_) t.join();
}

std::optional<Result<std::string>> ProtectAhead::take(std::size_t i) {
    if (signers_.empty() || i >= items_.size()) return std::nullopt;
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return finished_[i]; });
    return std::move(done_[i]);
}

void ProtectAhead::serve(pgp::GpgWorker& worker) {
    for (;;) {
        std::size_t i;
        {
            std::lock_guard lock(mutex_);
            if (closing_ || next_ >= items_.size()) return;
            i = next_++;
        }
        std::optional<Result<std::string>> wire;
        if (toProtect(items_[i])) {
            const auto failuresBefore = worker.failures();
            std::shared_lock keyring(*keyringLock_);
            auto made = worker.protect(items_[i].raw, pgp::protectionFromJson(items_[i].protection));
            keyring.unlock();
            // A dead worker is not the answer's fault: the sending thread does it itself.
            if (worker.failures() == failuresBefore) wire.emplace(std::move(made));
        }
        {
            std::lock_guard lock(mutex_);
            done_[i] = std::move(wire);
            finished_[i] = true;
        }
        changed_.notify_all();
    }
}

}  // namespace secmaild::service
