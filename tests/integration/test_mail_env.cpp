// Tests of the test harness itself (tests/support/mail_env): real Dovecot and Postfix from the
// Debian packages, started as root on ephemeral ports under a temporary directory. A missing
// server binary fails these tests with the package to install; they never skip.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mail_env.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using secmaild::testing::MailEnv;
using secmaild::testing::MailUser;
using secmaild::testing::TempDir;
using secmaild::testing::UniqueFd;

namespace {

template <class T>
std::string errorText(const secmaild::Result<T>& r) {
    return r.ok() ? std::string() : r.error().message;
}

// Stops the test with the error and both servers' log tails.
void requireOk(const secmaild::Status& st, const MailEnv& env) {
    REQUIRE_MESSAGE(st.ok(), (errorText(st) + "\n" + env.logs()));
}

const std::string kSecurity = "security@example.org";
const std::string kPassword = "s3cret-pw";

std::unique_ptr<MailEnv> startOrFail(const fs::path& root, std::vector<MailUser> users = {{kSecurity, kPassword}}) {
    auto env = MailEnv::start(root, std::move(users));
    REQUIRE_MESSAGE(env.ok(), errorText(env));
    return std::move(env.value());
}

// The first line a server sends on a fresh connection to 127.0.0.1:port ("" when refused).
std::string greeting(int port) {
    const UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    std::string line;
    if (fd.get() >= 0 && ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        timeval tv{5, 0};
        ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char c = 0;
        while (line.size() < 512 && ::recv(fd.get(), &c, 1, 0) == 1 && c != '\n') line += c;
    }
    return line;
}

std::string message(const std::string& subject, const std::string& body) {
    std::string m = "From: Reporter <reporter@researcher.test>\r\n";
    m += "To: " + kSecurity + "\r\n";
    m += "Subject: " + subject + "\r\n";
    m += "Message-ID: <" + subject + "@researcher.test>\r\n";
    m += "Date: Mon, 06 May 2024 10:00:00 +0000\r\n";
    m += "MIME-Version: 1.0\r\n";
    m += "Content-Type: text/plain; charset=utf-8\r\n";
    m += "Content-Transfer-Encoding: 8bit\r\n";
    return m + "\r\n" + body;
}

std::string bodyOf(const std::string& raw) {
    const auto end = raw.find("\r\n\r\n");
    return end == std::string::npos ? std::string() : raw.substr(end + 4);
}

std::string readFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Every file under `dir` with its size and modification time.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
    std::map<std::string, std::string> out;
    std::error_code ec;
    if (!fs::exists(dir, ec)) return out;
    for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
        const auto t = fs::last_write_time(e.path(), ec).time_since_epoch().count();
        out[e.path().string()] = std::to_string(e.is_regular_file(ec) ? e.file_size(ec) : 0) + "@" + std::to_string(t);
    }
    return out;
}

}  // namespace

TEST_SUITE_BEGIN("mail_env");

TEST_CASE("Dovecot and Postfix come up on distinct ephemeral loopback ports and greet") {
    TempDir root;
    auto env = startOrFail(root.path());
    CHECK(env->imapPort() > 0);
    CHECK(env->smtpPort() > 0);
    CHECK(env->imapPort() != env->smtpPort());
    CHECK(env->imapPort() != 143);
    CHECK(env->smtpPort() != 25);
    CHECK(greeting(env->imapPort()).rfind("* OK", 0) == 0);
    CHECK(greeting(env->smtpPort()).rfind("220 ", 0) == 0);
    CHECK(env->imapUrl() == "imap://127.0.0.1:" + std::to_string(env->imapPort()) + "/INBOX");
    CHECK(env->imapUrl("Bot Done") == "imap://127.0.0.1:" + std::to_string(env->imapPort()) + "/Bot%20Done");
    CHECK(env->smtpUrl() == "smtp://127.0.0.1:" + std::to_string(env->smtpPort()));
}

TEST_CASE("a message sent through SMTP arrives in the recipient's INBOX with its body byte for byte") {
    TempDir root;
    auto env = startOrFail(root.path());
    // A leading dot (SMTP dot-stuffing), a 2,000-byte line (longer than SMTP's 998: no folding),
    // 8-bit UTF-8, and a line that looks like the end of DATA.
    const std::string body = "Hello,\r\n.leading dot\r\n..two dots\r\n" + std::string(2000, 'x') +
                             "\r\nGr\xC3\xBC\xC3\x9F"
                             "e \xE2\x80\x94 caf\xC3\xA9\r\n.\r\nend\r\n";
    requireOk(env->deliver("reporter@researcher.test", kSecurity, message("byte-exact", body)), *env);
    REQUIRE_MESSAGE(env->waitForMessages(kSecurity, 1, 10s), env->logs());

    auto before = env->flags(kSecurity);
    REQUIRE_MESSAGE(before.ok(), errorText(before));
    REQUIRE(before->size() == 1);
    CHECK(before->at(0).find("\\Seen") == std::string::npos);

    auto messages = env->fetchAll(kSecurity);
    REQUIRE_MESSAGE(messages.ok(), errorText(messages));
    REQUIRE(messages->size() == 1);
    const std::string& got = messages->at(0);
    CHECK(bodyOf(got) == body);
    CHECK(got.find("Subject: byte-exact\r\n") != std::string::npos);
    // Dovecot's LMTP records the envelope sender: the mail really went through Postfix.
    CHECK(got.rfind("Return-Path: <reporter@researcher.test>\r\n", 0) == 0);

    auto after = env->flags(kSecurity);
    REQUIRE(after.ok());
    REQUIRE(after->size() == 1);
    CHECK(after->at(0).find("\\Seen") != std::string::npos);  // curl's URL fetch sets \Seen
}

TEST_CASE("mail to a domain the server does not serve is refused permanently, as is an unknown user") {
    TempDir root;
    auto env = startOrFail(root.path());
    const std::string m = message("elsewhere", "body\r\n");

    const auto relay = env->send("reporter@researcher.test", "someone@not-served.test", {m});
    CHECK(relay.curlExitCode == 55);  // CURLE_SEND_ERROR: RCPT refused
    CHECK(relay.lastReplyCode() == 554);
    CHECK(relay.permanentFailure());
    CHECK(relay.accepted == 0);
    CHECK_FALSE(env->deliver("reporter@researcher.test", "someone@not-served.test", m).ok());

    const auto unknown = env->send("reporter@researcher.test", "nobody@example.org", {m});
    CHECK(unknown.curlExitCode == 55);
    CHECK(unknown.lastReplyCode() == 550);
    CHECK(unknown.permanentFailure());
    CHECK(env->messageCount(kSecurity) == 0);
    auto flags = env->flags(kSecurity);
    REQUIRE_MESSAGE(flags.ok(), errorText(flags));
    CHECK(flags->empty());
    auto none = env->fetchAll(kSecurity);
    REQUIRE_MESSAGE(none.ok(), errorText(none));
    CHECK(none->empty());
}

TEST_CASE("with SMTP stopped submission cannot connect; after startSmtp it works again on the same port") {
    TempDir root;
    auto env = startOrFail(root.path());
    const int port = env->smtpPort();
    requireOk(env->stopSmtp(), *env);
    CHECK(greeting(port).empty());

    const auto down = env->send("reporter@researcher.test", kSecurity, {message("while-down", "x\r\n")});
    CHECK(down.curlExitCode == 7);  // CURLE_COULDNT_CONNECT
    CHECK(down.lastReplyCode() == 0);
    CHECK_FALSE(down.permanentFailure());
    // Dovecot is unaffected.
    CHECK(greeting(env->imapPort()).rfind("* OK", 0) == 0);

    requireOk(env->startSmtp(), *env);
    CHECK(env->smtpPort() == port);
    requireOk(env->deliver("reporter@researcher.test", kSecurity, message("after-restart", "y\r\n")), *env);
    CHECK_MESSAGE(env->waitForMessages(kSecurity, 1, 10s), env->logs());
}

TEST_CASE("mail to a held user waits in Postfix's hold queue until releaseHeld, then arrives") {
    TempDir root;
    const std::string held = "researcher@example.org";
    auto env = startOrFail(root.path(), {{kSecurity, kPassword}, {held, "p", true}});
    requireOk(env->deliver("security@example.org", held, message("held answer", "one\r\n")), *env);
    requireOk(env->deliver("reporter@researcher.test", kSecurity, message("not held", "two\r\n")), *env);
    // The unheld message is delivered; by then the held one has long been filed in the hold queue.
    REQUIRE_MESSAGE(env->waitForMessages(kSecurity, 1, 10s), env->logs());
    CHECK(env->heldCount() == 1);
    CHECK(env->messageCount(held) == 0);
    // The state file keeps the flag: an attached environment (secmail-testenv) releases too.
    auto attached = MailEnv::attach(root.path());
    REQUIRE(attached.ok());
    REQUIRE(attached.value()->users().size() == 2);
    CHECK(attached.value()->users()[1].held);
    requireOk(attached.value()->releaseHeld(), *env);
    CHECK_MESSAGE(env->waitForMessages(held, 1, 10s), env->logs());
    CHECK(env->heldCount() == 0);
    auto got = env->fetchAll(held);
    REQUIRE_MESSAGE(got.ok(), errorText(got));
    REQUIRE(got->size() == 1);
    CHECK(got->at(0).find("Subject: held answer\r\n") != std::string::npos);
}

TEST_CASE("deliverMany submits every message over a single SMTP session") {
    TempDir root;
    auto env = startOrFail(root.path());
    std::vector<std::string> batch;
    for (int i = 0; i < 25; ++i)
        batch.push_back(message("batch-" + std::to_string(i), "n=" + std::to_string(i) + "\r\n"));
    requireOk(env->deliverMany("reporter@researcher.test", kSecurity, batch), *env);
    REQUIRE_MESSAGE(env->waitForMessages(kSecurity, 25, 20s), env->logs());
    // Postfix logs one line per SMTP session when the client quits, with its command counts.
    const fs::path log = env->root() / "postfix" / "postfix.log";
    bool oneSession = false;
    for (int i = 0; i < 200 && !oneSession; ++i) {
        oneSession = readFile(log).find("mail=25 rcpt=25 data=25") != std::string::npos;
        if (!oneSession) ::usleep(10'000);
    }
    CHECK_MESSAGE(oneSession, env->logs());

    auto messages = env->fetchAll(kSecurity);
    REQUIRE(messages.ok());
    REQUIRE(messages->size() == 25);
    std::vector<std::string> bodies;
    for (const auto& m : *messages) bodies.push_back(bodyOf(m));
    std::sort(bodies.begin(), bodies.end());
    std::vector<std::string> want;
    for (int i = 0; i < 25; ++i) want.push_back("n=" + std::to_string(i) + "\r\n");
    std::sort(want.begin(), want.end());
    CHECK(bodies == want);
}

TEST_CASE("a message put into the Maildir is served over IMAP with exactly its bytes, in any mailbox") {
    TempDir root;
    auto env = startOrFail(root.path());
    const std::string raw = "From: a@b.test\r\nSubject: no return path\r\n\r\nexact\r\n";
    requireOk(env->appendToMaildir(kSecurity, raw), *env);
    requireOk(env->appendToMaildir(kSecurity, raw + "second\r\n", "Archive/2024"), *env);
    CHECK(env->messageCount(kSecurity) == 1);
    CHECK(env->messageCount(kSecurity, "Archive/2024") == 1);

    auto inbox = env->fetchAll(kSecurity);
    REQUIRE_MESSAGE(inbox.ok(), errorText(inbox));
    REQUIRE(inbox->size() == 1);
    CHECK(inbox->at(0) == raw);
    auto archive = env->fetchAll(kSecurity, "Archive/2024");
    REQUIRE_MESSAGE(archive.ok(), errorText(archive));
    REQUIRE(archive->size() == 1);
    CHECK(archive->at(0) == raw + "second\r\n");
    CHECK_FALSE(env->appendToMaildir("stranger@example.org", raw).ok());
}

TEST_CASE("two environments run at once with their own ports, instances and mailboxes") {
    TempDir rootA, rootB;
    auto a = startOrFail(rootA.path());
    auto b = startOrFail(rootB.path(), {{"security@other.test", "pw-b"}});
    CHECK(a->instanceName() != b->instanceName());
    CHECK(a->imapPort() != b->imapPort());
    CHECK(a->smtpPort() != b->smtpPort());

    requireOk(a->deliver("r@researcher.test", kSecurity, message("to-a", "a\r\n")), *a);
    requireOk(b->deliver("r@researcher.test", "security@other.test", message("to-b", "b\r\n")), *b);
    REQUIRE_MESSAGE(a->waitForMessages(kSecurity, 1, 10s), a->logs());
    REQUIRE_MESSAGE(b->waitForMessages("security@other.test", 1, 10s), b->logs());
    // Each serves only its own domain.
    CHECK(a->send("r@researcher.test", "security@other.test", {message("x", "x\r\n")}).permanentFailure());
    auto got = b->fetchAll("security@other.test");
    REQUIRE(got.ok());
    REQUIRE(got->size() == 1);
    CHECK(bodyOf(got->at(0)) == "b\r\n");
}

TEST_CASE("the destructor stops both servers and leaves no process of the environment behind") {
    TempDir root;
    auto env = startOrFail(root.path());
    const int imap = env->imapPort();
    const int smtp = env->smtpPort();
    const auto running = MailEnv::runningProcesses(root.path());
    bool sawDovecot = false, sawPostfix = false;
    for (int pid : running) {
        const std::string cmd = readFile("/proc/" + std::to_string(pid) + "/cmdline");
        sawDovecot = sawDovecot || cmd.find("dovecot-" + env->instanceName() + "/") == 0;
        sawPostfix = sawPostfix || cmd.find("qmgr") == 0;
    }
    CHECK(sawDovecot);
    CHECK(sawPostfix);

    env.reset();
    CHECK(MailEnv::runningProcesses(root.path()).empty());
    CHECK(greeting(imap).empty());
    CHECK(greeting(smtp).empty());
}

TEST_CASE("attach finds a running environment from its state file and does not stop it when destroyed") {
    TempDir root;
    auto env = startOrFail(root.path());
    {
        auto attached = MailEnv::attach(root.path());
        REQUIRE_MESSAGE(attached.ok(), errorText(attached));
        CHECK((*attached)->imapPort() == env->imapPort());
        CHECK((*attached)->smtpPort() == env->smtpPort());
        requireOk((*attached)->deliver("r@researcher.test", kSecurity, message("via-attach", "z\r\n")), **attached);
    }
    CHECK(greeting(env->smtpPort()).rfind("220 ", 0) == 0);
    CHECK_MESSAGE(env->waitForMessages(kSecurity, 1, 10s), env->logs());
    CHECK_FALSE(MailEnv::attach(root.path() / "nowhere").ok());
}

TEST_CASE("starting and stopping changes nothing under /etc/postfix or /etc/dovecot") {
    const auto postfixBefore = snapshot("/etc/postfix");
    const auto dovecotBefore = snapshot("/etc/dovecot");
    {
        TempDir root;
        auto env = startOrFail(root.path());
        requireOk(env->stopSmtp(), *env);
        requireOk(env->startSmtp(), *env);
    }
    CHECK(snapshot("/etc/postfix") == postfixBefore);
    CHECK(snapshot("/etc/dovecot") == dovecotBefore);
}

TEST_CASE("start refuses users it could not configure safely") {
    TempDir root;
    CHECK_FALSE(MailEnv::start(root.path(), {}).ok());
    CHECK_FALSE(MailEnv::start(root.path(), {{"no-at-sign", "pw"}}).ok());
    CHECK_FALSE(MailEnv::start(root.path(), {{"a@b.test", "pass:word"}}).ok());
    CHECK_FALSE(MailEnv::start(root.path(), {{"a b@c.test", "pw"}}).ok());
    CHECK(MailEnv::runningProcesses(root.path()).empty());
}

TEST_SUITE_END();
