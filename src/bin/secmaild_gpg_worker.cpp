// secmaild-gpg-worker: GPGME for the daemon, in a process small enough that
// GPGME's fork per operation is cheap (pgp/worker.hpp). Started by secmaild
// only: requests on fd 0, replies on fd 3; it exits when secmaild closes fd 0.
// Linked with GPGME and libsodium alone, on purpose: every library mapped
// here would be copied by each fork.
#include <csignal>
#include <cstdio>

#include "secmaild/pgp/worker.hpp"

int main(int argc, char**) {
    std::signal(SIGPIPE, SIG_IGN);
    if (argc != 1) {
        std::fputs("secmaild-gpg-worker is started by secmaild, not by hand\n", stderr);
        return 64;
    }
    return secmaild::pgp::runGpgWorker(0, 3);
}
