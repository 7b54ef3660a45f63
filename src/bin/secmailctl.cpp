// secmailctl: the companion command for admins and maintainers. A thin main:
// each subcommand is a call into the core library (ingest is the pipeline,
// the views are ctl/views.hpp, the actions service/actions.hpp).
#include <curl/curl.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <map>
#include <iostream>
#include <iterator>

#include "secmaild/ctl/deadlines.hpp"
#include "secmaild/ctl/status.hpp"
#include "secmaild/pgp/gpg.hpp"
#include "secmaild/ctl/views.hpp"
#include "secmaild/report/commands.hpp"
#include "secmaild/service/actions.hpp"
#include "secmaild/service/openpgp.hpp"
#include "secmaild/service/outbox.hpp"
#include "secmaild/service/pipeline.hpp"
#include "secmaild/util/hash.hpp"
#include "secmaild/util/logging.hpp"
#include "secmaild/util/time_format.hpp"

namespace {
constexpr int kExitUsage = 64;
constexpr int kExitDataErr = 65;
constexpr int kExitNoInput = 66;
constexpr int kExitSoftware = 70;
constexpr int kExitIo = 74;
constexpr int kExitConfig = 78;

// Reads stdin, at most `limit` bytes; nullopt when there is more.
std::optional<std::string> readStdin(std::uint64_t limit) {
    std::string data;
    char buffer[1 << 16];
    while (std::cin.read(buffer, sizeof buffer) || std::cin.gcount() > 0) {
        data.append(buffer, static_cast<std::size_t>(std::cin.gcount()));
        if (data.size() > limit) return std::nullopt;
    }
    return data;
}

int ingest(secmaild::service::Runtime& rt) {
    auto raw = readStdin(rt.config.limits.maxMessageBytes);
    if (!raw) {
        // Refuse rather than keep a cut copy: the sending MTA still holds the
        // whole message and will return it to its sender with this reason.
        std::cerr << "secmailctl: the message is larger than limits.max_message_size ("
                  << rt.config.limits.maxMessageBytes << " bytes); refused\n";
        return kExitDataErr;
    }
    std::int64_t id = 0;
    {
        secmaild::store::IncomingMessage m;
        m.receivedAt = rt.clock->now();
        m.source = "stdin";
        m.raw = std::move(*raw);
        id = rt.store->storeIncoming(m, rt.clock->now());
    }  // the bytes are in the store now; do not hold a second copy while processing
    // Our exit status tells the MTA it may delete its copy: be on disk first.
    rt.store->makeDurable(rt.clock->now());
    auto processed = secmaild::service::processMessage(rt, id);
    auto drained = secmaild::service::drainOutbox(rt);
    std::cout << "stored message " << id << ": " << processed.outcome;
    if (processed.reportId) std::cout << ", report " << *processed.reportId;
    if (processed.answerQueued)
        std::cout << (drained.connectionError ? ", answer queued (SMTP unreachable; the daemon will retry)"
                                              : ", answer sent");
    std::cout << "\n";
    return 0;
}

std::optional<secmaild::config::Config> configOnly(const std::string& path) {
    auto loaded = secmaild::config::loadConfig(path);
    for (const auto& p : loaded.problems) std::cerr << secmaild::config::describe(p) << "\n";
    return loaded.config;
}

nlohmann::json keyJson(const secmaild::pgp::KeyInfo& k) {
    return {{"fingerprint", k.fingerprint},
            {"user_ids", k.userIds},
            {"can_encrypt", k.canEncrypt},
            {"can_sign", k.canSign},
            {"revoked", k.revoked},
            {"expired", k.expired},
            {"expires", k.expires ? nlohmann::json(secmaild::formatIsoUtc(*k.expires)) : nlohmann::json(nullptr)},
            {"algorithm", k.algorithm}};
}

constexpr int kExitNoPerm = 77;

// The user who owns `path`, or its nearest existing parent: whoever the
// daemon runs as must own the GnuPG home and what gpg writes into it.
std::optional<uid_t> ownerOf(std::filesystem::path path) {
    struct stat st {};
    for (; !path.empty(); path = path.parent_path()) {
        if (::stat(path.c_str(), &st) == 0) return st.st_uid;
        if (path == path.parent_path()) break;
    }
    return std::nullopt;
}

std::string userName(uid_t uid) {
    const passwd* pw = ::getpwuid(uid);
    return pw ? pw->pw_name : std::to_string(uid);
}

// secmailctl key init: secmaild's own key pair, made once per installation.
int keyInit(const secmaild::config::Config& c, int expiresDays) {
    if (auto owner = ownerOf(c.gpg->home); owner && *owner != ::geteuid()) {
        std::cerr << "secmailctl: key init: " << c.gpg->home.string() << " belongs to " << userName(*owner)
                  << ", and files gpg writes there as " << userName(::geteuid())
                  << " would be unreadable to secmaild; run it as that user:\n  runuser -u " << userName(*owner)
                  << " -- secmailctl --config " << c.file.string() << " key init\n";
        return kExitNoPerm;
    }
    std::optional<std::chrono::seconds> expiry;
    if (expiresDays > 0) expiry = std::chrono::hours{24} * expiresDays;
    auto key = secmaild::service::createOurKey(c, expiry);
    if (!key) {
        std::cerr << "secmailctl: key init: " << key.error().message << "\n";
        return kExitConfig;
    }
    std::cout << "created " << key->fingerprint << " for " << c.smtp.from << " in " << c.gpg->home.string()
              << "\npublish it with: secmailctl --config " << c.file.string() << " key export\n";
    return 0;
}

int keyExport(const secmaild::config::Config& c) {
    std::vector<secmaild::config::Problem> problems;
    auto openpgp = secmaild::service::setUpOpenPgp(c, secmaild::service::OpenPgpUse::Read, problems);
    if (!openpgp || openpgp->ourKey.fingerprint.empty()) {
        for (const auto& p : problems) std::cerr << secmaild::config::describe(p) << "\n";
        return kExitConfig;
    }
    auto armored = openpgp->gpg->exportPublicKey(openpgp->ourKey.fingerprint);
    if (!armored) {
        std::cerr << "secmailctl: key export: " << armored.error().message << "\n";
        return kExitSoftware;
    }
    std::cout << *armored;
    return 0;
}

int maintainers(const secmaild::config::Config& c, bool json) {
    std::vector<secmaild::config::Problem> problems;
    auto openpgp = secmaild::service::setUpOpenPgp(c, secmaild::service::OpenPgpUse::Read, problems);
    if (!openpgp) {
        for (const auto& p : problems) std::cerr << secmaild::config::describe(p) << "\n";
        return kExitConfig;
    }
    for (const auto& p : problems) std::cerr << "warning: " << secmaild::config::describe(p) << "\n";
    nlohmann::json keys = nlohmann::json::array();
    for (const auto& k : openpgp->maintainerKeys) keys.push_back(keyJson(k));
    if (json) {
        std::cout << nlohmann::json{{"file", c.maintainers.keysFile.string()}, {"keys", keys}}.dump(2) << "\n";
        return 0;
    }
    if (keys.empty()) std::cout << "No maintainer keys (set [maintainers] keys).\n";
    for (const auto& k : openpgp->maintainerKeys) {
        std::cout << k.fingerprint << "  " << (k.revoked ? "REVOKED" : k.expired ? "EXPIRED" : "ok")
                  << (k.canEncrypt ? "" : "  (cannot encrypt)") << "\n";
        for (const auto& uid : k.userIds) std::cout << "    " << uid << "\n";
    }
    return 0;
}

// Who did it, for the audit trail: the login name (and the sudo user behind it).
std::string actorName() {
    const passwd* pw = ::getpwuid(::geteuid());
    std::string actor = "secmailctl:" + std::string(pw ? pw->pw_name : std::to_string(::geteuid()));
    if (const char* sudo = std::getenv("SUDO_USER"); sudo && *sudo) actor += " (sudo by " + std::string(sudo) + ")";
    return actor;
}

// secmailctl ack|assess|...: the action through the same code path as a
// signed mail command, then the status mail or reply is sent at once (the
// daemon retries it if SMTP is down).
int runAction(secmaild::service::Runtime& rt, const std::string& reportId, secmaild::report::Action action,
              bool json) {
    secmaild::report::normalizeAction(action);
    secmaild::service::ActionOutcome outcome;
    {
        secmaild::store::Transaction tx(rt.store->db());
        outcome = secmaild::service::applyAction(rt, *rt.store, reportId, action, actorName(), rt.clock->now());
        tx.commit();
    }
    std::optional<std::string> sendError;
    if (outcome.mailKind) {
        rt.store->makeDurable(rt.clock->now());
        auto drained = secmaild::service::drainOutbox(rt);
        if (drained.connectionError) sendError = *drained.connectionError;
    }
    if (json) {
        nlohmann::json j{{"report", reportId},
                         {"action", outcome.description},
                         {"done", outcome.done},
                         {"refusal", outcome.done ? nlohmann::json(nullptr) : nlohmann::json(outcome.refusal)},
                         {"state", outcome.done ? nlohmann::json(outcome.state) : nlohmann::json(nullptr)},
                         {"stages_completed", outcome.stagesCompleted},
                         {"mail", outcome.mailKind ? nlohmann::json(*outcome.mailKind) : nlohmann::json(nullptr)},
                         {"mail_sent", outcome.mailKind && !sendError}};
        std::cout << j.dump(2) << "\n";
    } else if (!outcome.done) {
        std::cerr << "secmailctl: " << reportId << ": refused: " << outcome.refusal << "\n";
    } else {
        std::cout << reportId << ": " << outcome.description << " (state " << outcome.state << ")";
        for (const auto& s : outcome.stagesCompleted) std::cout << "; stage " << s << " done";
        if (outcome.mailKind)
            std::cout << "; " << *outcome.mailKind
                      << (sendError ? " mail queued (SMTP unreachable; the daemon will retry)" : " mail sent");
        std::cout << "\n";
    }
    return outcome.done ? 0 : kExitDataErr;
}

void print(const nlohmann::json& j, bool json, std::string (*asText)(const nlohmann::json&)) {
    if (json)
        std::cout << j.dump(2) << "\n";
    else
        std::cout << asText(j);
}
}  // namespace

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN);
    CLI::App app{"secmailctl: inspect and feed secmaild's store"};
    std::string configPath = "/etc/secmaild/secmaild.toml";
    bool json = false;
    std::string reportId;
    app.add_option("-c,--config", configPath, "the configuration file (TOML)")->capture_default_str();
    app.require_subcommand(1);
    auto* ingestCmd = app.add_subcommand("ingest", "store and process one message read from stdin (for MTA pipes)");
    auto* listCmd = app.add_subcommand("list", "list reports");
    auto* showCmd = app.add_subcommand("show", "show one report with its fields, timeline, messages and audit trail");
    auto* messagesCmd = app.add_subcommand("messages", "list every stored message with its outcome and answers");
    auto* overdueCmd = app.add_subcommand("overdue", "list the stages that are late, since when, and the alerts sent");
    auto* timelineCmd = app.add_subcommand("timeline", "one report's stages: due, done and escalation times");
    auto* statusCmd = app.add_subcommand(
        "status", "is all well: mailbox, last pass, outbox, overdue, next deadline, key expiry (exit 1 if not)");
    auto* metricsCmd = app.add_subcommand("metrics", "print the Prometheus metrics the daemon writes to [metrics] textfile");
    timelineCmd->add_option("id", reportId, "the report id")->required();
    for (auto* c : {listCmd, showCmd, messagesCmd, overdueCmd, timelineCmd, statusCmd})
        c->add_flag("--json", json, "print JSON (see README)");
    showCmd->add_option("id", reportId, "the report id, e.g. SEC-2026-0001")->required();
    std::string gnupgHome;
    app.add_option("--gnupg-home", gnupgHome,
                   "read sealed records with the keys of this GnuPG home instead of [gpg] home "
                   "(a maintainer reading an archive)");
    auto* keyCmd = app.add_subcommand("key", "secmaild's own OpenPGP key");
    keyCmd->require_subcommand(1);
    auto* keyInitCmd = keyCmd->add_subcommand("init", "make secmaild's key pair for smtp.from in [gpg] home");
    int expiresDays = 0;
    keyInitCmd->add_option("--expires-days", expiresDays, "days until the key expires (default: never)");
    auto* keyExportCmd = keyCmd->add_subcommand("export", "print secmaild's public key (for the website, security.txt)");
    auto* maintainersCmd = app.add_subcommand("maintainers", "list the maintainers' keys (authority for commands)");
    maintainersCmd->add_flag("--json", json, "print JSON");

    // Maintainer actions: the same as the signed mail commands (README, "Maintainer actions").
    using secmaild::report::Verb;
    secmaild::report::Action action;
    std::map<CLI::App*, Verb> actionCmds;
    auto addAction = [&](Verb verb, const std::string& help) {
        auto* cmd = app.add_subcommand(std::string(secmaild::report::verbName(verb)), help);
        cmd->add_option("id", reportId, "the report id")->required();
        cmd->add_flag("--json", json, "print the outcome as JSON");
        actionCmds[cmd] = verb;
        return cmd;
    };
    addAction(Verb::Ack, "acknowledge receipt (completes the acknowledgment stage)");
    addAction(Verb::Assess, "record the assessment and its severity")
        ->add_option("--severity", action.severity, "none, low, medium, high or critical")
        ->required();
    addAction(Verb::Fix, "a fix is written");
    addAction(Verb::Release, "the fix is released")->add_option("--version", action.version, "the version")->required();
    addAction(Verb::Disclose, "set the public disclosure date")
        ->add_option("--date", action.date, "YYYY-MM-DD")
        ->required();
    addAction(Verb::Close, "close the report")->add_option("--reason", action.reason, "why")->required();
    addAction(Verb::Reopen, "reopen a closed report");
    addAction(Verb::Assign, "say who handles it")->add_option("who", action.assignee, "a name or address")->required();
    addAction(Verb::Note, "add an internal note (never sent)")->add_option("text", action.text, "the note")->required();
    addAction(Verb::Reply, "send the reporter the text read from stdin, threaded with the report");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : kExitUsage;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    secmaild::initCrypto();
    // GPGME initialises itself when first used (pgp/gpg.cpp): its engine
    // check runs five processes, which views like `overdue` do not need.
    (void)secmaild::setupLogging(ingestCmd->parsed() ? "info" : "warn");

    if (keyCmd->parsed() || maintainersCmd->parsed()) {
        auto c = configOnly(configPath);
        if (!c) return kExitConfig;
        if (!c->gpg) {
            std::cerr << configPath << ": gpg: the config has no [gpg] section (OpenPGP is off)\n";
            return kExitConfig;
        }
        if (!gnupgHome.empty()) c->gpg->home = gnupgHome;
        int code = keyInitCmd->parsed() ? keyInit(*c, expiresDays) : keyExportCmd->parsed() ? keyExport(*c)
                                                                                           : maintainers(*c, json);
        // The agent GPGME started would outlive this command outside the
        // service's sandbox, and the daemon would then use it.
        secmaild::pgp::stopAgent(c->gpg->home);
        return code;
    }

    secmaild::SystemClock clock;
    std::optional<Verb> verb;
    for (const auto& [cmd, v] : actionCmds)
        if (cmd->parsed()) verb = v;
    const bool readOnly = !ingestCmd->parsed() && !verb;
    secmaild::service::LoadOptions load;
    load.readOnly = readOnly;
    load.openPgp = !(overdueCmd->parsed() || timelineCmd->parsed());
    load.gnupgHome = gnupgHome;
    auto loaded = secmaild::service::loadRuntime(configPath, clock, load);
    if (!loaded.runtime) {
        for (const auto& p : loaded.problems) std::cerr << secmaild::config::describe(p) << "\n";
        return kExitConfig;
    }
    for (const auto& p : loaded.warnings) std::cerr << "warning: " << secmaild::config::describe(p) << "\n";
    auto& rt = *loaded.runtime;
    try {
        if (ingestCmd->parsed()) return ingest(rt);
        if (verb) {
            action.verb = *verb;
            if (*verb == Verb::Reply) {
                auto text = readStdin(secmaild::report::ActionLimits{}.maxTextBytes);
                if (!text) {
                    std::cerr << "secmailctl: reply: the text is longer than "
                              << secmaild::report::ActionLimits{}.maxTextBytes << " bytes\n";
                    return kExitDataErr;
                }
                action.text = std::move(*text);
            }
            return runAction(rt, reportId, std::move(action), json);
        }
        if (listCmd->parsed()) print(secmaild::ctl::listReports(rt), json, secmaild::ctl::reportsAsText);
        if (messagesCmd->parsed()) print(secmaild::ctl::listMessages(rt), json, secmaild::ctl::messagesAsText);
        if (overdueCmd->parsed())
            secmaild::ctl::writeOverdue(std::cout, rt,
                                        json ? secmaild::ctl::OverdueWriter::Format::Json
                                             : secmaild::ctl::OverdueWriter::Format::Text);
        if (statusCmd->parsed()) {
            auto status = secmaild::ctl::serviceStatus(rt);
            print(status, json, secmaild::ctl::statusAsText);
            return status["problems"].empty() ? 0 : 1;
        }
        if (metricsCmd->parsed()) std::cout << secmaild::ctl::metricsText(rt);
        if (timelineCmd->parsed()) {
            auto t = secmaild::ctl::reportTimeline(rt, reportId);
            if (!t) {
                std::cerr << "secmailctl: no report " << reportId << "\n";
                return kExitNoInput;
            }
            print(*t, json, secmaild::ctl::timelineAsText);
        }
        if (showCmd->parsed()) {
            auto r = secmaild::ctl::showReport(rt, reportId);
            if (!r) {
                std::cerr << "secmailctl: no report " << reportId << "\n";
                return kExitNoInput;
            }
            print(*r, json, secmaild::ctl::reportAsText);
        }
        return 0;
    } catch (const secmaild::store::StoreError& e) {
        std::cerr << "secmailctl: store: " << e.what() << "\n";
        return kExitIo;
    } catch (const std::exception& e) {
        std::cerr << "secmailctl: " << e.what() << "\n";
        return kExitSoftware;
    }
}
