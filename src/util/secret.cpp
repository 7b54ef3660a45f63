// Secret: wiped on destruction with libsodium's sodium_memzero, which the
// compiler may not optimise away.
#include "secmaild/util/secret.hpp"

#include <sodium.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace secmaild {

Secret::~Secret() {
    wipe();
}

Secret::Secret(Secret&& other) noexcept : value_(std::move(other.value_)) {
    other.wipe();
}

Secret& Secret::operator=(Secret&& other) noexcept {
    if (this != &other) {
        wipe();
        value_ = std::move(other.value_);
        other.wipe();
    }
    return *this;
}

void Secret::wipe() {
    if (!value_.empty()) sodium_memzero(value_.data(), value_.size());
    value_.clear();
    value_.shrink_to_fit();
}

Result<Secret> readSecretFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(path.string() + ": cannot read: " + std::strerror(errno));
    std::string line;
    std::getline(in, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    Secret secret{std::move(line)};
    if (secret.empty()) return fail(path.string() + ": the first line is empty");
    return secret;
}

Result<Secret> readSecret(const SecretSource& source, const char* credentialsDirectory) {
    const bool underSystemd = credentialsDirectory && *credentialsDirectory;
    if (!source.credential.empty() && underSystemd) {
        const auto path = std::filesystem::path(credentialsDirectory) / source.credential;
        std::error_code ec;
        if (std::filesystem::exists(path, ec)) return readSecretFile(path);
    }
    if (!source.file.empty()) {
        auto fromFile = readSecretFile(source.file);
        if (fromFile || source.credential.empty() || !underSystemd) return fromFile;
        // Under systemd the credential is the way: say that first.
        return fail("the credential " + source.credential + " is not in " + credentialsDirectory +
                    " (put the secret in the file the unit's LoadCredential= names), and " +
                    fromFile.error().message);
    }
    if (source.credential.empty()) return fail("no secret is configured");
    if (underSystemd)
        return fail("the credential " + source.credential + " is not in " + credentialsDirectory +
                    " (give it to the service with LoadCredential=)");
    return fail("the credential " + source.credential +
                " needs systemd (LoadCredential=; $CREDENTIALS_DIRECTORY is not set here); "
                "run by hand, name a file with the *_file key as well");
}

}  // namespace secmaild
