// secmaild: the daemon. A thin main over the core library: parse the command
// line, load (or only check) the configuration, then run one pass or the
// event loop. Exit codes follow sysexits(3): 78 for a configuration error,
// 69 when a server could not be reached in --once, 74 when the store fails.
#include <curl/curl.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <csignal>
#include <iostream>
#include <filesystem>
#include <string>
#include <vector>

#include "secmaild/ctl/status.hpp"
#include "secmaild/pgp/engine.hpp"
#include "secmaild/pgp/gpg.hpp"
#include "secmaild/service/daemon.hpp"
#include "secmaild/service/pass.hpp"
#include "secmaild/util/hash.hpp"
#include "secmaild/util/logging.hpp"
#include "secmaild_build_config.hpp"

namespace {
constexpr int kExitUsage = 64;
constexpr int kExitUnavailable = 69;
constexpr int kExitSoftware = 70;
constexpr int kExitIo = 74;
constexpr int kExitConfig = 78;

// secmaild-gpg-worker: beside this binary in a build tree, in libexec when installed.
std::vector<std::string> gpgWorkerCommand() {
    std::error_code ec;
    auto beside = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path() / "secmaild-gpg-worker";
    if (!ec && ::access(beside.c_str(), X_OK) == 0) return {beside.string()};
    return {std::string(SECMAILD_LIBEXEC_DIR) + "/secmaild-gpg-worker"};
}

void printProblems(const std::vector<secmaild::config::Problem>& problems) {
    for (const auto& p : problems) std::cerr << secmaild::config::describe(p) << "\n";
}
}  // namespace

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN);
    CLI::App app{"secmaild: answers a project's security@ mailbox by its security policy"};
    std::string configPath;
    bool once = false, check = false, version = false;
    app.add_option("-c,--config", configPath, "the configuration file (TOML)");
    app.add_flag("--once", once, "fetch and process everything new, send the outbox, then exit");
    app.add_flag("--check-config", check, "check the configuration and every file it names, then exit");
    app.add_flag("--version", version, "print versions and exit");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : kExitUsage;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    secmaild::initCrypto();
    auto engine = secmaild::pgp::initialise();
    if (version) {
        std::cout << "secmaild " << SECMAILD_VERSION << " (libcurl " << curl_version_info(CURLVERSION_NOW)->version
                  << ", GPGME " << engine.gpgmeVersion << ", gpg "
                  << (engine.engineVersion.empty() ? "missing" : engine.engineVersion) << ")\n";
        return 0;
    }
    if (configPath.empty()) {
        std::cerr << "secmaild: --config FILE is required\n";
        return kExitUsage;
    }
    (void)secmaild::setupLogging("info");
    if (check) {
        auto problems = secmaild::service::checkConfig(configPath);
        // Run by an admin, often as root: no agent of ours may outlive the check.
        if (auto c = secmaild::config::loadConfig(configPath).config; c && c->gpg) secmaild::pgp::stopAgent(c->gpg->home);
        if (!problems.empty()) {
            printProblems(problems);
            return kExitConfig;
        }
        std::cout << configPath << ": OK\n";
        return 0;
    }

    secmaild::SystemClock clock;
    auto loaded = secmaild::service::loadRuntime(configPath, clock);
    if (!loaded.runtime) {
        printProblems(loaded.problems);
        return kExitConfig;
    }
    // What a loaded runtime needs before it runs (at start and after SIGHUP).
    auto prepare = [](secmaild::service::Runtime& rt) {
        (void)secmaild::setupLogging(rt.config.logLevel);
        if (rt.openpgp) secmaild::service::startGpgWorkers(rt.config, *rt.openpgp, gpgWorkerCommand());
    };
    prepare(*loaded.runtime);
    try {
        if (once) {
            auto result = secmaild::service::runPass(*loaded.runtime);
            if (!loaded.runtime->config.metricsFile.empty())
                secmaild::ctl::writeFileAtomically(loaded.runtime->config.metricsFile,
                                                   secmaild::ctl::metricsText(*loaded.runtime));
            if (result.intake.error) std::cerr << "secmaild: " << *result.intake.error << "\n";
            if (result.outbox.connectionError) std::cerr << "secmaild: " << *result.outbox.connectionError << "\n";
            return result.serverUnreachable() ? kExitUnavailable : 0;
        }
        secmaild::service::Reloader reload = [&](const secmaild::service::Runtime& running) {
            secmaild::service::LoadOptions options;
            options.keepStorePath = running.config.storePath;
            return secmaild::service::loadRuntime(configPath, clock, options);
        };
        return secmaild::service::runDaemon(loaded.runtime, reload, prepare);
    } catch (const secmaild::store::StoreError& e) {
        spdlog::critical("store.failed error=\"{}\"", e.what());
        return kExitIo;
    } catch (const std::exception& e) {
        spdlog::critical("secmaild.failed error=\"{}\"", e.what());
        return kExitSoftware;
    }
}
