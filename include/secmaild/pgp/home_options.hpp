// The gpg options secmaild needs in its GnuPG home. GPGME passes no extra
// arguments to gpg, so the home's option file (gpg.conf) is where they go.
//
// no-random-seed-file: every gpg that makes random numbers (each encryption,
// so each encrypted answer) reads random_seed at start and rewrites it at
// exit under an fcntl lock, and a gpg that finds the lock taken sleeps
// 0.25 s, then 1.25 s, 2.25 s... (libgcrypt's lock_seed_file). With secmaild's
// workers running several gpg at once in one home, answers stalled for a
// quarter second to seconds (measured: four parallel encrypt+sign loops, 200
// operations, slowest 281 ms and 2.26 s in all; 37 ms and 1.36 s without the
// file). The file only carries pool state between runs; libgcrypt seeds each
// process from the kernel (getrandom) either way.
#pragma once

#include <filesystem>

#include "secmaild/util/result.hpp"

namespace secmaild::pgp {

// Adds what is missing to `home`/gpg.conf, keeping every line already there;
// the file keeps its owner and mode (a new one: the home's owner, 0600).
// Returns whether the file changed.
Result<bool> ensureHomeOptions(const std::filesystem::path& home);

}  // namespace secmaild::pgp
