// A GPGME context in a small child process. GPGME forks a gpg for every
// operation; forking secmaild itself (its heap, its threads, its mappings)
// costs more than the crypto, while a child that only holds a GPGME context
// forks in a fraction of that. The worker is its own small program,
// secmaild-gpg-worker (GPGME and libsodium, nothing else), installed with
// secmaild; it serves one client over two pipes and exits at their EOF.
// A crash inside GPGME ends the worker, not the daemon: the operation fails
// as a value and the next one starts a new worker.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "secmaild/pgp/gpg.hpp"
#include "secmaild/pgp/protect.hpp"
#include "secmaild/util/result.hpp"

namespace secmaild::pgp {

struct WorkerOptions {
    // The program and its arguments: {".../secmaild-gpg-worker"}.
    std::vector<std::string> command;
    GpgOptions gpg;          // the passphrase goes through the pipe, never argv or the environment
    std::string signingKey;  // fingerprint; empty: this worker does not sign
};

// Not thread-safe: one worker per thread, as with Gpg.
class GpgWorker final : public Decrypter {
public:
    // Spawns the worker and waits until it has opened the home and, when
    // asked, the signing key. Fails with the worker's reason.
    static Result<std::unique_ptr<GpgWorker>> start(WorkerOptions options);
    // Closes the pipes and reaps the worker (killed if it does not exit within a second).
    ~GpgWorker() override;
    GpgWorker(const GpgWorker&) = delete;
    GpgWorker& operator=(const GpgWorker&) = delete;

    // As Gpg's. A worker that died fails the operation (status Failed or an
    // empty Verification with the reason in detail) and is restarted by the next.
    Decryption decrypt(std::string_view data) override;
    Verification verifyDetached(std::string_view signedBytes, std::string_view signature) override;
    Verification verifyClearsigned(std::string_view armored) override;
    // protectMail() in the worker, with its signing key.
    Result<std::string> protect(std::string_view rendered, const Protection& protection);

    pid_t pid() const { return pid_; }
    // Operations that failed because the worker died or broke the protocol
    // (not because of the data): the caller may redo them elsewhere.
    std::uint64_t failures() const { return failures_; }

private:
    explicit GpgWorker(WorkerOptions options);
    Status spawn();
    void stop();
    // Sends one request and reads the reply; restarts a dead worker first.
    Result<std::string> call(char op, const std::vector<std::string_view>& fields);

    WorkerOptions options_;
    pid_t pid_ = -1;
    int toWorker_ = -1;
    int fromWorker_ = -1;
    std::uint64_t failures_ = 0;
};

// The worker's side: reads requests from `in`, answers on `out`, until EOF.
// Returns the process exit code. Nothing is written to stdout (stray output
// from a library must not corrupt the replies): callers pass other fds.
int runGpgWorker(int in, int out);

}  // namespace secmaild::pgp
