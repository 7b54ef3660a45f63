// secmaild's OpenPGP at start-up: its own key in the GnuPG home, the
// maintainers' keys (the only keys with authority, imported from the one
// armored file the config names), one GPGME context per thread that uses
// one, and the store's data key — unwrapped once here so each record costs
// an AEAD call, not a gpg process. Everything fails as a config Problem
// naming the file and key, with what to do.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "secmaild/config/config.hpp"
#include "secmaild/pgp/gpg.hpp"
#include "secmaild/pgp/worker.hpp"
#include "secmaild/store/store.hpp"
#include "secmaild/util/clock.hpp"
#include "secmaild/util/writer_first_lock.hpp"

namespace secmaild::service {

struct OpenPgp {
    std::shared_ptr<const Secret> passphrase;
    std::unique_ptr<pgp::Gpg> gpg;        // the thread that processes messages
    std::unique_ptr<pgp::Gpg> senderGpg;  // the thread that sends (signs answers)
    pgp::KeyInfo ourKey;
    std::vector<pgp::KeyInfo> maintainerKeys;
    // GPGME worker processes (pgp/worker.hpp), from startGpgWorkers():
    // `readers` decrypt ahead of the processing thread (read_ahead.hpp),
    // `signers` protect answers ahead of the sending thread
    // (protect_ahead.hpp). Empty: the two contexts above do all the work.
    std::vector<std::unique_ptr<pgp::GpgWorker>> readers;
    std::vector<std::unique_ptr<pgp::GpgWorker>> signers;
    // Key imports by the processing thread so far: a signature read ahead as
    // "unknown key" is checked again when a key has come in since.
    std::uint64_t keyImports = 0;
    // GnuPG replaces pubring.kbx on an import by two renames, and a gpg that
    // starts between them finds no keyring: a signature failed with "Unusable
    // secret key" (1 answer in 1,000 in script/bench), and a message read
    // ahead then would have been filed as undecryptable. Imports into the home
    // hold this exclusively; operations in workers and the sender's context
    // hold it shared. (The processing thread's own operations cannot overlap
    // its imports.)
    std::shared_ptr<WriterFirstLock> keyringLock = std::make_shared<WriterFirstLock>();

    bool isMaintainerKey(const std::string& fingerprint) const;
    // A maintainer's encryption-capable key for an address, if any.
    std::optional<std::string> maintainerKeyFor(const std::string& address) const;
};

// Check: find our key and read the maintainers' keys, change nothing.
// Read: the same, for secmailctl. Run: also import the maintainers' keys
// into the home and open the sender's context.
enum class OpenPgpUse { Check, Read, Run };

// Opens the GnuPG home and finds our key; see OpenPgpUse. Problems are
// appended; nullopt when there is no [gpg] section or something failed.
std::optional<OpenPgp> setUpOpenPgp(const config::Config& config, OpenPgpUse use,
                                    std::vector<config::Problem>& problems);

// Reads the maintainers' keys file into KeyInfos without touching any home
// (for --check-config and `secmailctl maintainers`).
std::vector<pgp::KeyInfo> readMaintainerKeys(const config::Config& config, pgp::Gpg& gpg,
                                             std::vector<config::Problem>& problems);

// The fingerprints the data key must be wrapped to: ours and the archive recipients.
std::vector<std::string> archiveRecipients(const config::Config& config, const OpenPgp& openpgp,
                                           std::vector<config::Problem>& problems);

// Unwraps (or, when `mayWrite`, creates or re-wraps) the store's data key and
// gives the store its sealer; then seals what was written while encryption
// was off. Read-only callers without access to the key get a store that shows
// sealed values as a placeholder, and the reason is returned as a Problem.
void unlockStore(const config::Config& config, OpenPgp& openpgp, store::Store& store, bool mayWrite, TimePoint now,
                 std::vector<config::Problem>& problems);

// Starts `[gpg] workers` readers and as many signers, each running
// `command` (secmaild-gpg-worker). A worker that
// cannot start is logged (gpg.worker_failed) and its work stays in this
// process; nothing else changes.
void startGpgWorkers(const config::Config& config, OpenPgp& openpgp, const std::vector<std::string>& command);

// Makes secmaild's key pair for smtp.from in the configured home (secmailctl key init).
Result<pgp::KeyInfo> createOurKey(const config::Config& config, std::optional<std::chrono::seconds> expiry);

}  // namespace secmaild::service
