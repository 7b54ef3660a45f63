// The fixture of the end-to-end tests: a throwaway Dovecot and Postfix
// (mail_env.hpp), a secmaild config pointing at them, and ways to run
// `secmaild` and `secmailctl` as processes and read the answers back over
// IMAP with curl. Header-only; include it from one test file each.
#pragma once

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mail_env.hpp"
#include "process.hpp"
#include "secmaild/mime/message.hpp"
#include "secmaild/util/strings.hpp"
#include "temp_dir.hpp"

namespace secmaild::testing::e2e {

using namespace std::chrono_literals;

inline const std::string kSecurity = "security@example.org";
inline const std::string kResearcher = "jane@researcher.example";
inline const std::string kOther = "max@researcher.example";
inline const std::string kLead = "lead@example.org";

inline std::string crlf(const std::string& text) {
    std::string out;
    for (auto line : splitLines(text)) out += std::string(line) + "\r\n";
    return out;
}

inline std::string report(const std::string& messageId, const std::string& subject, const std::string& body,
                   const std::string& from = kResearcher, const std::string& extraHeaders = "") {
    return crlf("From: Jane Researcher <" + from + ">\nTo: " + kSecurity + "\nSubject: " + subject + "\nMessage-ID: " +
                messageId + "\nDate: Mon, 23 Nov 2026 10:00:00 +0000\n" + extraHeaders + "\n" + body);
}

inline const std::string kComplete =
    "Description: Stored XSS in the chat title.\n\nSteps to reproduce:\n1. Name a chat <script>x</script>\n"
    "2. Share it\n\nImpact: an attacker can run script in another user's session.\n\nAffected version: 0.2.3\n";

class Fixture {
public:
    // `policy`: a policy file instead of the shipped personal-chatter one.
    explicit Fixture(const std::string& extraConfig = "", std::filesystem::path policy = {})
        : policy_(policy.empty() ? std::filesystem::path(SECMAILD_SOURCE_DIR) / "config/policies/personal-chatter.toml"
                                 : std::move(policy)) {
        // The servers' unprivileged processes must pass through (not list) our directory.
        std::filesystem::permissions(dir_.path(), std::filesystem::perms::owner_all |
                                                      std::filesystem::perms::group_exec |
                                                      std::filesystem::perms::others_exec);
        auto env =
            MailEnv::start(dir_ / "mail", {{kSecurity, "sec-pass"}, {kResearcher, "jane-pass"}, {kOther, "max-pass"}, {kLead, "lead-pass"}});
        REQUIRE_MESSAGE(env, (env ? "" : env.error().message));
        env_ = std::move(env).value();
        writeConfig(extraConfig);
    }

    void writeConfig(const std::string& extraConfig, const std::string& imapExtra = "") {
        const std::filesystem::path source(SECMAILD_SOURCE_DIR);
        std::ofstream(dir_ / "imap.pw") << "sec-pass\n";
        std::ofstream(dir_ / "secmaild.toml")
            << "[imap]\nurl = \"" << env_->imapUrl() << "\"\nuser = \"" << kSecurity
            << "\"\npassword_file = \"imap.pw\"\ntls = \"none\"\npoll_interval = \"1s\"\ntimeout = \"10s\"\n"
            << imapExtra << "[smtp]\nurl = \"" << env_->smtpUrl() << "\"\ntls = \"none\"\nfrom = \"" << kSecurity
            << "\"\nfrom_name = \"Example security team\"\ntimeout = \"10s\"\nretry_base = \"1s\"\n"
            << "[store]\npath = \"store.db\"\n[policy]\nfile = \""
            << policy_.string() << "\"\n[templates]\ndir = \""
            << (source / "config/templates").string() << "\"\n"
            << extraConfig;
    }

    testing::CommandResult secmaild(std::vector<std::string> args) {
        std::vector<std::string> argv{SECMAILD_BINARY, "--config", config().string()};
        argv.insert(argv.end(), args.begin(), args.end());
        testing::CommandOptions o;
        o.timeout = 120s;
        return testing::runCommand(argv, o);
    }

    testing::CommandResult once() {
        auto r = secmaild({"--once"});
        if (!r.ok()) MESSAGE("secmaild --once exited " << r.exitCode << ":\n" << r.err);
        return r;
    }

    testing::CommandResult secmailctl(const std::string& args, const std::string& stdinFile = "") {
        std::string cmd = std::string(SECMAILCTL_BINARY) + " --config " + config().string() + " " + args;
        if (!stdinFile.empty()) cmd += " < " + stdinFile;
        testing::CommandOptions o;
        o.timeout = 60s;
        return testing::runCommand({"/bin/sh", "-c", cmd}, o);
    }

    nlohmann::json ctlJson(const std::string& args) {
        auto r = secmailctl(args + " --json");
        REQUIRE_MESSAGE(r.ok(), r.err);
        return nlohmann::json::parse(r.out);
    }

    void deliver(const std::string& raw, const std::string& from = kResearcher) {
        auto before = env_->messageCount(kSecurity);
        auto s = env_->deliver(from, kSecurity, raw);
        REQUIRE_MESSAGE(s, (s ? "" : s.error().message));
        REQUIRE_MESSAGE(env_->waitForMessages(kSecurity, before + 1, 30s), env_->logs());
    }

    // The answers in a mailbox, parsed.
    std::vector<mime::ParsedMessage> inbox(const std::string& user) {
        auto all = env_->fetchAll(user);
        REQUIRE_MESSAGE(all, (all ? "" : all.error().message));
        std::vector<mime::ParsedMessage> out;
        for (const auto& raw : *all) out.push_back(mime::parseMessage(raw));
        return out;
    }

    std::vector<mime::ParsedMessage> waitForAnswers(const std::string& user, std::size_t n) {
        CHECK_MESSAGE(env_->waitForMessages(user, n, 30s), env_->logs());
        return inbox(user);
    }

    std::filesystem::path config() const { return dir_ / "secmaild.toml"; }
    const std::filesystem::path& policy() const { return policy_; }
    MailEnv& env() { return *env_; }
    const testing::TempDir& dir() const { return dir_; }

private:
    testing::TempDir dir_;
    std::unique_ptr<MailEnv> env_;
    std::filesystem::path policy_;
};


}  // namespace secmaild::testing::e2e
