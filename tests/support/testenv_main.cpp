// secmail-testenv: the test mail system (MailEnv) from the shell, for script/demo and
// script/bench. `start` leaves Dovecot and Postfix running after it exits and writes DIR/env.sh;
// every other command attaches to DIR through its state file. All logic lives in MailEnv; this
// file only parses the command line and prints.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "mail_env.hpp"

namespace {

using secmaild::testing::MailEnv;
using secmaild::testing::MailUser;

int failWith(const std::string& message) {
    std::cerr << "secmail-testenv: " << message << "\n";
    return 1;
}

std::unique_ptr<MailEnv> attachOrNull(const std::string& dir, std::string& error) {
    auto env = MailEnv::attach(dir);
    if (!env) {
        error = env.error().message;
        return nullptr;
    }
    return std::move(env.value());
}

std::string shellQuote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string envScript(const MailEnv& env) {
    const std::string imap = std::to_string(env.imapPort());
    const std::string smtp = std::to_string(env.smtpPort());
    std::string users;
    for (const auto& u : env.users()) users += (users.empty() ? "" : " ") + u.address;
    std::string script = "# secmail-testenv: source this file\n";
    script += "MAILENV_DIR=" + shellQuote(env.root().string()) + "\n";
    script += "IMAP_HOST=127.0.0.1\n";
    script += "IMAP_PORT=" + imap + "\n";
    script += "SMTP_PORT=" + smtp + "\n";
    script += "IMAP_URL_BASE=imap://127.0.0.1:" + imap + "\n";
    script += "SMTP_URL=smtp://127.0.0.1:" + smtp + "\n";
    script += "MAIL_USERS=" + shellQuote(users) + "\n";
    return script;
}

int cmdStart(const std::string& dir, const std::vector<std::string>& userSpecs, const std::vector<std::string>& held) {
    std::vector<MailUser> users;
    for (const auto& spec : userSpecs) {
        const auto colon = spec.find(':');
        if (colon == std::string::npos) return failWith("--user wants ADDRESS:PASSWORD, got " + spec);
        const auto address = spec.substr(0, colon);
        const bool hold = std::find(held.begin(), held.end(), address) != held.end();
        users.push_back(MailUser{address, spec.substr(colon + 1), hold});
    }
    for (const auto& address : held)
        if (std::none_of(users.begin(), users.end(), [&](const MailUser& u) { return u.address == address; }))
            return failWith("--hold " + address + ": not one of the --user addresses");
    auto env = MailEnv::start(dir, std::move(users));
    if (!env) return failWith(env.error().message);
    (*env)->release();  // the servers outlive this command
    const std::string script = envScript(**env);
    std::ofstream out((*env)->root() / "env.sh", std::ios::trunc);
    out << script;
    if (!out) return failWith("cannot write " + ((*env)->root() / "env.sh").string());
    std::cout << script;
    return 0;
}

int cmdStop(const std::string& dir) {
    std::string error;
    auto env = attachOrNull(dir, error);
    if (!env) return failWith(error);
    auto st = env->stop();
    return st ? 0 : failWith(st.error().message);
}

int cmdSend(const std::string& dir, const std::string& from, const std::string& to,
            const std::vector<std::string>& files) {
    std::string error;
    auto env = attachOrNull(dir, error);
    if (!env) return failWith(error);
    std::vector<std::filesystem::path> paths(files.begin(), files.end());
    const auto outcome = env->sendFiles(from, to, paths);
    if (outcome.ok()) {
        std::cout << "sent " << outcome.accepted << " message(s)\n";
        return 0;
    }
    return failWith("sent " + std::to_string(outcome.accepted) + " of " + std::to_string(files.size()) +
                    " message(s); curl exit " + std::to_string(outcome.curlExitCode) + ", reply " +
                    std::to_string(outcome.lastReplyCode()) + ": " + outcome.diagnostics);
}

int cmdWait(const std::string& dir, const std::string& user, std::size_t n, int timeoutSeconds,
            const std::string& mailbox) {
    std::string error;
    auto env = attachOrNull(dir, error);
    if (!env) return failWith(error);
    if (env->waitForMessages(user, n, std::chrono::seconds(timeoutSeconds), mailbox)) return 0;
    return failWith("timed out after " + std::to_string(timeoutSeconds) + " s: " + mailbox + " of " + user + " holds " +
                    std::to_string(env->messageCount(user, mailbox)) + " of " + std::to_string(n) + " messages\n" +
                    env->logs(10));
}

int cmdFetch(const std::string& dir, const std::string& user, const std::string& mailbox) {
    std::string error;
    auto env = attachOrNull(dir, error);
    if (!env) return failWith(error);
    auto messages = env->fetchAll(user, mailbox);
    if (!messages) return failWith(messages.error().message);
    for (std::size_t i = 0; i < messages->size(); ++i) {
        const std::string& m = (*messages)[i];
        std::cout << "=== message " << (i + 1) << " ===\n" << m;
        if (!m.empty() && m.back() != '\n') std::cout << "\n";
    }
    return 0;
}

int cmdRelease(const std::string& dir) {
    std::string error;
    auto env = attachOrNull(dir, error);
    if (!env) return failWith(error);
    const auto held = env->heldCount();
    auto st = env->releaseHeld();
    if (!st) return failWith(st.error().message);
    std::cout << "released " << held << " message(s)\n";
    return 0;
}

int cmdSmtp(const std::string& dir, bool up) {
    std::string error;
    auto env = attachOrNull(dir, error);
    if (!env) return failWith(error);
    auto st = up ? env->startSmtp() : env->stopSmtp();
    return st ? 0 : failWith(st.error().message);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"secmail-testenv: a throwaway Dovecot + Postfix on 127.0.0.1 for secmaild's tests"};
    app.require_subcommand(1);
    std::string dir, from, to, user, mailbox = "INBOX";
    std::vector<std::string> users, files, held;
    std::size_t count = 0;
    int timeout = 60;

    auto* start = app.add_subcommand("start", "start both servers (they keep running) and write DIR/env.sh");
    start->add_option("dir", dir, "state directory")->required();
    start->add_option("--user", users, "ADDRESS:PASSWORD (repeatable)")->required();
    start->add_option("--hold", held, "ADDRESS of a --user whose mail Postfix holds until `release` (repeatable)");

    auto* stop = app.add_subcommand("stop", "stop both servers");
    stop->add_option("dir", dir)->required();

    auto* send = app.add_subcommand("send", "send message files through Postfix in one SMTP session");
    send->add_option("dir", dir)->required();
    send->add_option("--from", from, "envelope sender")->required();
    send->add_option("--to", to, "envelope recipient")->required();
    send->add_option("files", files, "RFC 5322 message files (CRLF)")->required()->check(CLI::ExistingFile);

    auto* wait = app.add_subcommand("wait", "wait until a mailbox holds at least N messages");
    wait->add_option("dir", dir)->required();
    wait->add_option("user", user)->required();
    wait->add_option("n", count)->required();
    wait->add_option("--timeout", timeout, "seconds")->check(CLI::Range(1, 86400));
    wait->add_option("--mailbox", mailbox);

    auto* fetch = app.add_subcommand("fetch", "print every message of a mailbox (sets \\Seen)");
    fetch->add_option("dir", dir)->required();
    fetch->add_option("user", user)->required();
    fetch->add_option("--mailbox", mailbox);

    auto* release = app.add_subcommand("release", "let Postfix deliver the mail it holds for --hold users");
    release->add_option("dir", dir)->required();

    auto* stopSmtp = app.add_subcommand("stop-smtp", "stop Postfix only");
    stopSmtp->add_option("dir", dir)->required();
    auto* startSmtp = app.add_subcommand("start-smtp", "start Postfix again on the same port");
    startSmtp->add_option("dir", dir)->required();

    CLI11_PARSE(app, argc, argv);

    if (start->parsed()) return cmdStart(dir, users, held);
    if (stop->parsed()) return cmdStop(dir);
    if (send->parsed()) return cmdSend(dir, from, to, files);
    if (wait->parsed()) return cmdWait(dir, user, count, timeout, mailbox);
    if (fetch->parsed()) return cmdFetch(dir, user, mailbox);
    if (release->parsed()) return cmdRelease(dir);
    if (stopSmtp->parsed()) return cmdSmtp(dir, false);
    if (startSmtp->parsed()) return cmdSmtp(dir, true);
    return 1;
}
