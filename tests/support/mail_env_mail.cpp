// Mail in and out of a MailEnv (see mail_env.hpp): submission through Postfix and reading
// over IMAP with the curl command line, one process and one connection per call, so that many
// messages cost one TCP session; and direct Maildir access (counting, exact-byte drops).
// Starting and stopping the servers is in mail_env.cpp.
#include "mail_env.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "harness_util.hpp"
#include "process.hpp"
#include "secmaild/util/strings.hpp"
#include "server_config.hpp"

namespace secmaild::testing {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

// A value in a curl config file (-K): double-quoted, with backslash escapes.
std::string curlQuote(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string urlEncodeMailbox(std::string_view mailbox) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : std::string(mailbox)) {
        if (isAsciiAlnum(static_cast<char>(c)) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

// Options every curl run gets: no ~/.curlrc (-q on the command line), no proxy from the
// environment, errors on stderr.
std::string curlCommonConfig() {
    return "silent\nshow-error\nnoproxy = \"*\"\nconnect-timeout = 5\n";
}

// Mailbox names become Maildir++ directory names: nothing that could leave the Maildir.
bool validMailboxName(std::string_view mailbox) {
    if (mailbox.empty() || mailbox.front() == '/' || mailbox.front() == '.' || mailbox.find("..") != mailbox.npos)
        return false;
    return std::all_of(mailbox.begin(), mailbox.end(), [](char c) { return c >= ' ' && c != 127; });
}

std::vector<unsigned> parseSearch(const std::string& out) {
    std::vector<unsigned> uids;
    for (const auto line : splitLines(out)) {
        if (!istartsWith(line, "* SEARCH")) continue;
        std::istringstream in{std::string(line.substr(8))};
        for (unsigned uid = 0; in >> uid;) uids.push_back(uid);
    }
    std::sort(uids.begin(), uids.end());
    return uids;
}

}  // namespace

std::string MailEnv::imapUrl(std::string_view mailbox) const {
    return "imap://127.0.0.1:" + std::to_string(imapPort_) + "/" + urlEncodeMailbox(mailbox);
}

std::string MailEnv::smtpUrl() const {
    return "smtp://127.0.0.1:" + std::to_string(smtpPort_);
}

fs::path MailEnv::scratchDir(std::string_view what) {
    fs::path dir = ServerLayout(root_).spool /
                   (std::string(what) + "-" + std::to_string(::getpid()) + "-" + std::to_string(++scratchCounter_));
    std::error_code ec;
    fs::remove_all(dir, ec);
    fs::create_directories(dir, ec);
    return dir;
}

SmtpOutcome MailEnv::send(const std::string& from, const std::string& to, const std::vector<std::string>& rawMessages) {
    const fs::path dir = scratchDir("send");
    std::vector<fs::path> files;
    for (std::size_t i = 0; i < rawMessages.size(); ++i) {
        files.push_back(dir / (std::to_string(i + 1) + ".eml"));
        if (auto st = writeFile(files.back(), rawMessages[i]); !st) {
            SmtpOutcome o;
            o.diagnostics = st.error().message;
            return o;
        }
    }
    SmtpOutcome outcome = sendFiles(from, to, files);
    std::error_code ec;
    fs::remove_all(dir, ec);
    return outcome;
}

SmtpOutcome MailEnv::sendFiles(const std::string& from, const std::string& to, const std::vector<fs::path>& files) {
    SmtpOutcome outcome;
    if (files.empty()) {
        outcome.curlExitCode = 0;
        return outcome;
    }
    // One curl process with one URL per message: curl keeps the SMTP connection between them.
    // The path part of the URL is the EHLO name (without it curl would use the file's name).
    std::string config = curlCommonConfig() + "fail-early\nwrite-out = \"%{response_code}\\n\"\n" +
                         "mail-from = " + curlQuote(from) + "\nmail-rcpt = " + curlQuote(to) + "\n";
    const std::string url = curlQuote(smtpUrl() + "/client.test");
    for (const auto& f : files) config += "url = " + url + "\nupload-file = " + curlQuote(f.string()) + "\n";
    const fs::path dir = scratchDir("smtp");
    const fs::path configFile = dir / "curl.cfg";
    if (auto st = writeFile(configFile, config, fs::perms(0600)); !st) {
        outcome.diagnostics = st.error().message;
        return outcome;
    }
    CommandOptions run;
    run.timeout = options_.commandTimeout;
    const CommandResult r = runCommand({kCurlCommand, "-q", "-K", configFile.string()}, run);
    std::error_code ec;
    fs::remove_all(dir, ec);

    outcome.curlExitCode = r.timedOut ? -1 : r.exitCode;
    outcome.diagnostics = trimmed(r.err) + (r.timedOut ? " (curl timed out)" : "");
    for (const auto line : splitLines(r.out)) {
        const std::string code = trimmed(line);
        if (code.empty()) continue;
        outcome.replyCodes.push_back(std::atoi(code.c_str()));
    }
    outcome.accepted =
        outcome.ok() ? files.size()
                     : static_cast<std::size_t>(std::count(outcome.replyCodes.begin(), outcome.replyCodes.end(), 250));
    // A refused final transfer still reports its code; one that never connected reports 0.
    return outcome;
}

Status MailEnv::deliver(const std::string& from, const std::string& to, const std::string& rawMessage) {
    return deliverMany(from, to, {rawMessage});
}

Status MailEnv::deliverMany(const std::string& from, const std::string& to,
                            const std::vector<std::string>& rawMessages) {
    const SmtpOutcome o = send(from, to, rawMessages);
    if (o.ok()) return {};
    return fail("SMTP submission to " + smtpUrl() + " failed after " + std::to_string(o.accepted) + " of " +
                std::to_string(rawMessages.size()) + " messages: curl exit " + std::to_string(o.curlExitCode) +
                ", reply " + std::to_string(o.lastReplyCode()) + ": " + o.diagnostics);
}

const MailUser* MailEnv::findUser(const std::string& address) const {
    const std::string want = toLower(address);
    for (const auto& u : users_)
        if (u.address == want) return &u;
    return nullptr;
}

fs::path MailEnv::maildir(const std::string& user, std::string_view mailbox) const {
    fs::path dir = ServerLayout(root_).homeOf(toLower(user)) / "Maildir";
    if (iequals(mailbox, "INBOX")) return dir;
    // Maildir++ layout: "Archive/2024" is the directory ".Archive.2024".
    std::string name = "." + std::string(mailbox);
    std::replace(name.begin() + 1, name.end(), '/', '.');
    return dir / name;
}

std::size_t MailEnv::messageCount(const std::string& user, std::string_view mailbox) const {
    std::size_t n = 0;
    if (findUser(user) == nullptr || !validMailboxName(mailbox)) return n;
    const fs::path dir = maildir(user, mailbox);
    for (const char* sub : {"new", "cur"}) {
        std::error_code ec;
        for (auto it = fs::directory_iterator(dir / sub, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
            if (it->is_regular_file(ec) && it->path().filename().string().front() != '.') ++n;
    }
    return n;
}

bool MailEnv::waitForMessages(const std::string& user, std::size_t n, std::chrono::milliseconds timeout,
                              std::string_view mailbox) const {
    return pollUntil(
        Clock::now() + timeout, [&] { return messageCount(user, mailbox) >= n; }, 20ms);
}

Result<std::string> MailEnv::curlImap(const std::string& user, std::string_view mailbox, const std::string& command) {
    const MailUser* u = findUser(user);
    if (u == nullptr) return fail("no such test user: " + user);
    const fs::path dir = scratchDir("imap");
    const fs::path configFile = dir / "curl.cfg";
    const std::string config = curlCommonConfig() + "user = " + curlQuote(u->address + ":" + u->password) +
                               "\nurl = " + curlQuote(imapUrl(mailbox)) + "\nrequest = " + curlQuote(command) + "\n";
    if (auto st = writeFile(configFile, config, fs::perms(0600)); !st) return st.error();
    CommandOptions run;
    run.timeout = options_.commandTimeout;
    const CommandResult r = runCommand({kCurlCommand, "-q", "-K", configFile.string()}, run);
    std::error_code ec;
    fs::remove_all(dir, ec);
    if (!r.ok())
        return fail("IMAP " + command + " in " + std::string(mailbox) + " failed: curl exit " +
                    std::to_string(r.exitCode) + (r.timedOut ? " (timed out)" : "") + ": " + trimmed(r.err));
    return r.out;
}

Result<std::vector<std::string>> MailEnv::fetchAll(const std::string& user, std::string_view mailbox) {
    auto search = curlImap(user, mailbox, "UID SEARCH ALL");
    if (!search) return search.error();
    const std::vector<unsigned> uids = parseSearch(*search);
    std::vector<std::string> messages;
    if (uids.empty()) return messages;

    const MailUser* u = findUser(user);
    const fs::path dir = scratchDir("fetch");
    std::string config = curlCommonConfig() + "user = " + curlQuote(u->address + ":" + u->password) + "\n";
    for (unsigned uid : uids)
        config += "url = " + curlQuote(imapUrl(mailbox) + "/;UID=" + std::to_string(uid)) +
                  "\noutput = " + curlQuote((dir / std::to_string(uid)).string()) + "\n";
    const fs::path configFile = dir / "curl.cfg";
    if (auto st = writeFile(configFile, config, fs::perms(0600)); !st) return st.error();
    CommandOptions run;
    run.timeout = options_.commandTimeout;
    const CommandResult r = runCommand({kCurlCommand, "-q", "-K", configFile.string()}, run);
    if (r.ok())
        for (unsigned uid : uids) messages.push_back(readFile(dir / std::to_string(uid)));
    std::error_code ec;
    fs::remove_all(dir, ec);
    if (!r.ok())
        return fail("IMAP fetch from " + std::string(mailbox) + " failed: curl exit " + std::to_string(r.exitCode) +
                    ": " + trimmed(r.err));
    return messages;
}

Result<std::vector<std::string>> MailEnv::flags(const std::string& user, std::string_view mailbox) {
    auto out = curlImap(user, mailbox, "UID FETCH 1:* (FLAGS)");
    if (!out) return out.error();
    std::vector<std::pair<unsigned, std::string>> byUid;
    for (const auto line : splitLines(*out)) {
        // "* 3 FETCH (UID 7 FLAGS (\Seen \Answered))"; the order of UID and FLAGS may vary.
        const auto uidAt = line.find("UID ");
        const auto flagsAt = line.find("FLAGS (");
        if (!istartsWith(line, "* ") || uidAt == line.npos || flagsAt == line.npos) continue;
        const auto close = line.find(')', flagsAt);
        if (close == line.npos) continue;
        const unsigned uid =
            static_cast<unsigned>(std::strtoul(std::string(line.substr(uidAt + 4)).c_str(), nullptr, 10));
        byUid.emplace_back(uid, std::string(line.substr(flagsAt + 7, close - flagsAt - 7)));
    }
    std::sort(byUid.begin(), byUid.end());
    std::vector<std::string> result;
    for (auto& [uid, f] : byUid) result.push_back(std::move(f));
    return result;
}

Status MailEnv::appendToMaildir(const std::string& user, const std::string& rawMessage, std::string_view mailbox) {
    if (findUser(user) == nullptr) return fail("no such test user: " + user);
    if (!validMailboxName(mailbox)) return fail("unsupported mailbox name: " + std::string(mailbox));
    const fs::path dir = maildir(user, mailbox);
    for (const auto& d : {dir, dir / "cur", dir / "new", dir / "tmp"})
        if (auto st = makeDir(d, fs::perms(0700), static_cast<int>(mailUid_), static_cast<int>(mailGid_)); !st)
            return st;
    // Maildir delivery: write under tmp/, then rename into new/, so Dovecot never sees half a file.
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const std::string name =
        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now).count()) + ".M" +
        std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(now).count() % 1000000) + "P" +
        std::to_string(::getpid()) + "Q" + std::to_string(++scratchCounter_) + ".mailenv";
    const fs::path tmp = dir / "tmp" / name;
    if (auto st = writeFile(tmp, rawMessage, fs::perms(0600)); !st) return st;
    if (::chown(tmp.c_str(), mailUid_, mailGid_) != 0) return fail("cannot chown " + tmp.string());
    std::error_code ec;
    fs::rename(tmp, dir / "new" / name, ec);
    if (ec) return fail("cannot move " + tmp.string() + " into new/: " + ec.message());
    return {};
}

}  // namespace secmaild::testing
