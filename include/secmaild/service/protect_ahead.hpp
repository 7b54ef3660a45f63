// Signing ahead: while the sending thread hands one answer to SMTP, signer
// threads sign (and encrypt) the next answers of the batch, each through its
// own GPGME worker process (OpenPgp::signers), so the gpg processes use the
// other core. The sending thread still sends in order and records every
// outcome; only protectMail() moves.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "secmaild/service/runtime.hpp"
#include "secmaild/store/records.hpp"
#include "secmaild/util/result.hpp"
#include "secmaild/util/writer_first_lock.hpp"

namespace secmaild::service {

class ProtectAhead {
public:
    // One signer thread per worker, at most one per answer to sign or
    // encrypt; none without workers. `items` must outlive this.
    ProtectAhead(Runtime& runtime, const std::vector<store::OutboxItem>& items);
    // Lets the signers finish the answer in hand, skips the rest, joins.
    ~ProtectAhead();
    ProtectAhead(const ProtectAhead&) = delete;
    ProtectAhead& operator=(const ProtectAhead&) = delete;

    // items[i] as it leaves (signed, encrypted), or why it could not be
    // protected; waits for it. nullopt when it was not done ahead (nothing to
    // protect, signing ahead is off, or the worker died): the caller protects
    // it itself.
    std::optional<Result<std::string>> take(std::size_t i);

private:
    void serve(pgp::GpgWorker& worker);

    const std::vector<store::OutboxItem>& items_;
    std::shared_ptr<WriterFirstLock> keyringLock_;  // OpenPgp::keyringLock
    std::vector<std::optional<Result<std::string>>> done_;
    std::vector<bool> finished_;
    std::size_t next_ = 0;
    bool closing_ = false;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::thread> signers_;
};

}  // namespace secmaild::service
