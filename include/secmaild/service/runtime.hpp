// Everything a running secmaild has loaded at start: the config, the policy
// and its calendar, the templates, the secrets and the store. Loading is one
// start-up phase with one error boundary: any problem is reported with its
// file and key, and nothing starts half-configured.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "secmaild/answer/templates.hpp"
#include "secmaild/config/config.hpp"
#include "secmaild/policy/calendar.hpp"
#include "secmaild/policy/policy.hpp"
#include "secmaild/service/openpgp.hpp"
#include "secmaild/store/store.hpp"
#include "secmaild/util/clock.hpp"
#include "secmaild/util/secret.hpp"

namespace secmaild::service {

struct Runtime {
    config::Config config;
    policy::Policy policy;
    policy::Calendar calendar;
    answer::Templates templates;
    std::optional<Secret> imapPassword;
    std::optional<Secret> smtpPassword;
    std::unique_ptr<store::Store> store;
    // A second connection for the thread that sends answers while reports are
    // still being filed (SQLite transactions belong to a connection).
    std::unique_ptr<store::Store> senderStore;
    // The same for the IMAP intake, which stores new mail while earlier mail is filed.
    std::unique_ptr<store::Store> intakeStore;
    const Clock* clock = nullptr;
    // Set when the config has [gpg]: our key, the maintainers' keys, one GPGME
    // context per thread.
    std::optional<OpenPgp> openpgp;
};

struct Loaded {
    std::unique_ptr<Runtime> runtime;
    std::vector<config::Problem> problems;
    std::vector<config::Problem> warnings;  // read-only: what could not be unlocked
};

// Checks the config and every file it names (policy, templates, password
// files, the store's directory), without opening the store.
std::vector<config::Problem> checkConfig(const std::filesystem::path& configFile);

struct LoadOptions {
    // Open the store for reading and read no secrets; the data key is
    // unwrapped if this user can (otherwise `warnings` says why, and sealed
    // values read as a placeholder).
    bool readOnly = false;
    // Read-only views that show nothing sealed (overdue, timeline) skip
    // OpenPGP: no gpg process, no key unlock.
    bool openPgp = true;
    // Replaces [gpg] home (secmailctl --gnupg-home: a maintainer reading an
    // archive with their own key).
    std::filesystem::path gnupgHome;
    // A reload: the store the running daemon has. A config that names another
    // is refused before anything is opened (a reload cannot move the store).
    std::filesystem::path keepStorePath;
};

// Loads everything and opens (creating or migrating) the store.
Loaded loadRuntime(const std::filesystem::path& configFile, const Clock& clock, const LoadOptions& options = {});

}  // namespace secmaild::service
