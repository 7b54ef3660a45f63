// Secrets (passwords, passphrases) live in non-copyable holders that wipe
// their memory when destroyed and have no operator<<, so they cannot end up in
// a log line or a printed config by accident. They are only ever read from
// files (or systemd credentials), never from the config text itself.
#pragma once

#include <filesystem>
#include <string>

#include "secmaild/util/result.hpp"

namespace secmaild {

class Secret {
public:
    Secret() = default;
    explicit Secret(std::string value) : value_(std::move(value)) {}
    ~Secret();
    Secret(const Secret&) = delete;
    Secret& operator=(const Secret&) = delete;
    Secret(Secret&& other) noexcept;
    Secret& operator=(Secret&& other) noexcept;

    bool empty() const { return value_.empty(); }
    // The only way to read the secret: call sites are easy to audit.
    const std::string& reveal() const { return value_; }

private:
    void wipe();
    std::string value_;
};

// Reads a secret file: the first line, without its line ending. Fails with a
// message naming the file when it is missing, unreadable, or empty.
Result<Secret> readSecretFile(const std::filesystem::path& path);

// Where a secret comes from: a systemd credential (LoadCredential=, read from
// $CREDENTIALS_DIRECTORY/<credential>) when the service has it, else a file
// (secmailctl run by hand, or no systemd).
struct SecretSource {
    std::string credential;
    std::filesystem::path file;
    bool configured() const { return !credential.empty() || !file.empty(); }
};

// Reads the credential when `credentialsDirectory` (the environment's
// CREDENTIALS_DIRECTORY, nullptr when unset) holds it, else the file. Fails
// with a message that says where it looked and what to do.
Result<Secret> readSecret(const SecretSource& source, const char* credentialsDirectory);

}  // namespace secmaild
