// Start-up: load and check everything, then open the store. Every problem
// names its file and key; the checks run to the end so an admin sees all of
// them at once.
#include "secmaild/service/runtime.hpp"

#include <unistd.h>

#include <cstdlib>

namespace secmaild::service {

namespace {

struct Parts {
    std::optional<config::Config> config;
    std::optional<policy::Policy> policy;
    std::optional<policy::Calendar> calendar;
    std::optional<answer::Templates> templates;
    std::optional<Secret> imapPassword;
    std::optional<Secret> smtpPassword;
};

std::optional<Secret> readPassword(const SecretSource& source, const std::string& configFile,
                                   const std::string& section, std::vector<config::Problem>& problems) {
    auto secret = readSecret(source, std::getenv("CREDENTIALS_DIRECTORY"));
    if (!secret) {
        const char* credentials = std::getenv("CREDENTIALS_DIRECTORY");
        const bool fromCredential = !source.credential.empty() && (source.file.empty() || (credentials && *credentials));
        problems.push_back({configFile, section + (fromCredential ? ".password_credential" : ".password_file"),
                            secret.error().message});
        return std::nullopt;
    }
    return std::move(secret).value();
}

void checkStorePath(const config::Config& c, std::vector<config::Problem>& problems) {
    const auto file = c.file.string();
    std::error_code ec;
    auto dir = c.storePath.has_parent_path() ? c.storePath.parent_path() : std::filesystem::path{"."};
    if (!std::filesystem::is_directory(dir, ec)) {
        problems.push_back({file, "store.path", "the directory " + dir.string() + " does not exist"});
        return;
    }
    if (std::filesystem::exists(c.storePath, ec) && !std::filesystem::is_regular_file(c.storePath, ec)) {
        problems.push_back({file, "store.path", c.storePath.string() + " is not a regular file"});
        return;
    }
    if (::access(dir.c_str(), W_OK) != 0)
        problems.push_back({file, "store.path", "the directory " + dir.string() + " is not writable for this user"});
    if (!c.metricsFile.empty()) {
        auto metricsDir = c.metricsFile.parent_path();
        if (!std::filesystem::is_directory(metricsDir, ec))
            problems.push_back({file, "metrics.textfile", "the directory " + metricsDir.string() + " does not exist"});
        else if (::access(metricsDir.c_str(), W_OK) != 0)
            problems.push_back(
                {file, "metrics.textfile", "the directory " + metricsDir.string() + " is not writable for this user"});
    }
}

Parts loadParts(const std::filesystem::path& configFile, std::vector<config::Problem>& problems, bool readSecrets) {
    Parts parts;
    auto loaded = config::loadConfig(configFile);
    problems.insert(problems.end(), loaded.problems.begin(), loaded.problems.end());
    if (!loaded.config) return parts;
    const config::Config& c = *loaded.config;
    const auto file = c.file.string();

    auto policy = policy::loadPolicy(c.policyFile);
    problems.insert(problems.end(), policy.problems.begin(), policy.problems.end());
    if (policy.policy) {
        auto calendar = policy::Calendar::forPolicy(*policy.policy);
        if (calendar)
            parts.calendar = std::move(calendar).value();
        else
            problems.push_back({c.policyFile.string(), "policy.timezone", calendar.error().message});
    }
    auto templates = answer::Templates::load(c.templatesDir, problems);
    if (templates) parts.templates = std::move(templates).value();

    if (readSecrets) {
        if (c.imap) parts.imapPassword = readPassword(c.imap->password, file, "imap", problems);
        if (c.smtp.password.configured()) parts.smtpPassword = readPassword(c.smtp.password, file, "smtp", problems);
    }
    checkStorePath(c, problems);
    parts.config = std::move(loaded.config);
    parts.policy = std::move(policy.policy);
    return parts;
}

}  // namespace

std::vector<config::Problem> checkConfig(const std::filesystem::path& configFile) {
    std::vector<config::Problem> problems;
    auto parts = loadParts(configFile, problems, true);
    if (parts.config) setUpOpenPgp(*parts.config, OpenPgpUse::Check, problems);
    return problems;
}

Loaded loadRuntime(const std::filesystem::path& configFile, const Clock& clock, const LoadOptions& options) {
    Loaded result;
    const bool readOnly = options.readOnly;
    Parts parts = loadParts(configFile, result.problems, !readOnly);
    if (!result.problems.empty()) return result;
    if (!options.keepStorePath.empty() && parts.config->storePath != options.keepStorePath) {
        result.problems.push_back({configFile.string(), "store.path",
                                   "changed from " + options.keepStorePath.string() +
                                       "; a reload keeps the store it has: restart secmaild to move it"});
        return result;
    }
    if (!options.gnupgHome.empty() && parts.config->gpg) parts.config->gpg->home = options.gnupgHome;
    if (readOnly && !options.openPgp) parts.config->gpg.reset();
    auto rt = std::make_unique<Runtime>(Runtime{
        std::move(*parts.config), std::move(*parts.policy), std::move(*parts.calendar), std::move(*parts.templates),
        std::move(parts.imapPassword), std::move(parts.smtpPassword), nullptr, nullptr, nullptr, &clock, std::nullopt});
    if (rt->config.gpg) {
        auto& sink = readOnly ? result.warnings : result.problems;
        rt->openpgp = setUpOpenPgp(rt->config, readOnly ? OpenPgpUse::Read : OpenPgpUse::Run, sink);
        if (!result.problems.empty()) return result;
    }
    try {
        rt->store = std::make_unique<store::Store>(readOnly ? store::Store::openReadOnly(rt->config.storePath)
                                                            : store::Store::open(rt->config.storePath));
        if (!readOnly) {
            rt->senderStore = std::make_unique<store::Store>(store::Store::open(rt->config.storePath));
            rt->intakeStore = std::make_unique<store::Store>(store::Store::open(rt->config.storePath));
        }
        if (rt->openpgp) {
            auto& sink = readOnly ? result.warnings : result.problems;
            unlockStore(rt->config, *rt->openpgp, *rt->store, !readOnly, clock.now(), sink);
            if (!result.problems.empty()) return result;
            for (auto* other : {rt->senderStore.get(), rt->intakeStore.get()})
                if (other) other->setSealer(rt->store->sealer());
        } else if (!readOnly && rt->store->wrappedDataKey()) {
            result.problems.push_back({rt->config.file.string(), "gpg",
                                       "the store is encrypted at rest but the config has no [gpg] section to unlock it"});
            return result;
        }
    } catch (const store::StoreError& e) {
        result.problems.push_back({rt->config.file.string(), "store.path", e.what()});
        return result;
    }
    result.runtime = std::move(rt);
    return result;
}

}  // namespace secmaild::service
