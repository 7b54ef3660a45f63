// GPGME initialisation through its C API (gpgme++ would pull in Qt).
#include "secmaild/pgp/engine.hpp"

#include <gpgme.h>

#include <clocale>

namespace secmaild::pgp {

EngineInfo initialise() {
    EngineInfo info;
    const char* version = gpgme_check_version(nullptr);
    info.gpgmeVersion = version ? version : "";
    gpgme_set_locale(nullptr, LC_CTYPE, std::setlocale(LC_CTYPE, nullptr));
    gpgme_engine_info_t engine = nullptr;
    if (gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP) == GPG_ERR_NO_ERROR &&
        gpgme_get_engine_info(&engine) == GPG_ERR_NO_ERROR) {
        for (; engine; engine = engine->next)
            if (engine->protocol == GPGME_PROTOCOL_OpenPGP && engine->version) info.engineVersion = engine->version;
    }
    return info;
}

}  // namespace secmaild::pgp
