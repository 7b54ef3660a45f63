// GPGME start-up. The OpenPGP work itself (decrypting reports, signing
// answers) arrives with the OpenPGP issue; until then the library is linked
// and initialised so `secmaild --version` reports the engine that will do it.
#pragma once

#include <string>

namespace secmaild::pgp {

// gpgme_check_version must run once before any other GPGME call.
// Returns the GPGME version, and the OpenPGP engine's ("" if none is installed).
struct EngineInfo {
    std::string gpgmeVersion;
    std::string engineVersion;
};
EngineInfo initialise();

}  // namespace secmaild::pgp
