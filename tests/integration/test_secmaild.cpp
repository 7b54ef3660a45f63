// secmaild end to end on real servers: a throwaway Dovecot and Postfix on
// ephemeral 127.0.0.1 ports (tests/support/mail_env.hpp), mail delivered by a
// real SMTP client (curl), `secmaild --once` run as a process, and the answers
// read back over IMAP from the researcher's mailbox with curl — a client
// independent of secmaild's own IMAP code.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <optional>
#include <set>

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "mail_env.hpp"
#include "secmaild_fixture.hpp"
#include "process.hpp"
#include "secmaild/mime/message.hpp"
#include "secmaild/store/store.hpp"
#include "secmaild/util/hash.hpp"
#include "secmaild/util/strings.hpp"
#include "temp_dir.hpp"

extern char** environ;

using namespace secmaild;
using namespace std::chrono_literals;
using testing::MailEnv;

using namespace secmaild::testing::e2e;

TEST_CASE("a complete report is acknowledged in the researcher's mailbox, and the server copy is marked, not read") {
    Fixture f;
    f.deliver(report("<r1@researcher.example>", "XSS in chat titles", kComplete));
    REQUIRE(f.once().ok());
    auto answers = f.waitForAnswers(kResearcher, 1);
    REQUIRE(answers.size() == 1);
    const auto& ack = answers[0];
    CHECK(ack.subject == "[SEC-2026-0001] Re: XSS in chat titles");
    CHECK(ack.header("In-Reply-To") == "<r1@researcher.example>");
    CHECK(ack.header("Auto-Submitted") == "auto-replied");
    REQUIRE(ack.from.size() == 1);
    CHECK(ack.from[0].address == kSecurity);
    CHECK(ack.text.find("SEC-2026-0001") != std::string::npos);
    CHECK(ack.text.find("everything our policy asks for") != std::string::npos);
    CHECK(ack.text.find("Preliminary assessment and severity classification: by ") != std::string::npos);

    auto flags = f.env().flags(kSecurity);
    REQUIRE(flags);
    REQUIRE(flags->size() == 1);
    CHECK(flags->at(0).find("$SecmaildFiled") != std::string::npos);
    CHECK(flags->at(0).find("\\Seen") == std::string::npos);

    auto shown = f.ctlJson("show SEC-2026-0001");
    CHECK(shown["state"] == "acknowledged");
    CHECK(shown["fields_missing"].empty());
    CHECK(shown["timeline"][0]["state"] == "done");
    CHECK(shown["answers"][0]["state"] == "sent");
}

TEST_CASE("an incomplete report, then its completing follow-up, each get one answer in the thread") {
    Fixture f;
    f.deliver(report("<i1@researcher.example>", "SQL injection in search", "The search box looks injectable."));
    REQUIRE(f.once().ok());
    auto first = f.waitForAnswers(kResearcher, 1);
    REQUIRE(first.size() == 1);
    CHECK(first[0].text.find("Steps to reproduce the issue") != std::string::npos);
    auto listed = f.ctlJson("list");
    REQUIRE(listed["reports"].size() == 1);
    CHECK(listed["reports"][0]["fields_missing"] == nlohmann::json::array({"steps", "impact"}));

    f.deliver(report("<i2@researcher.example>", "Re: " + first[0].subject,
                     "Steps to reproduce:\n1. Search for ' OR 1=1 --\n2. All users are listed\n\n"
                     "Impact: an attacker can read every account.\n",
                     kResearcher, "In-Reply-To: " + first[0].messageId + "\nReferences: " + first[0].messageId + "\n"));
    REQUIRE(f.once().ok());
    auto both = f.waitForAnswers(kResearcher, 2);
    REQUIRE(both.size() == 2);
    CHECK(both[1].header("In-Reply-To") == "<i2@researcher.example>");
    CHECK(both[1].text.find("now has everything") != std::string::npos);
    auto shown = f.ctlJson("show SEC-2026-0001");
    CHECK(shown["fields_missing"].empty());
    CHECK(shown["messages"].size() == 2);
}

TEST_CASE("a bounce and an out-of-office reply are stored and never answered") {
    Fixture f;
    f.deliver(crlf("From: Mail Delivery System <MAILER-DAEMON@mx.researcher.example>\nTo: " + kSecurity +
                   "\nSubject: Undelivered Mail Returned to Sender\nMessage-ID: <b1@mx.researcher.example>\n"
                   "Content-Type: multipart/report; report-type=delivery-status; boundary=\"bb\"\n\n"
                   "--bb\n\nThe mail could not be delivered.\n--bb\nContent-Type: message/delivery-status\n\n"
                   "Final-Recipient: rfc822; nobody@researcher.example\nAction: failed\nStatus: 5.1.1\n--bb--\n"),
              "");
    f.deliver(report("<oof@researcher.example>", "Out of Office: away", "I am away until Monday.", kResearcher,
                     "Auto-Submitted: auto-replied\n"));
    REQUIRE(f.once().ok());
    std::this_thread::sleep_for(2s);  // give Postfix time to deliver anything we wrongly sent
    CHECK(f.env().messageCount(kResearcher) == 0);
    auto messages = f.ctlJson("messages");
    REQUIRE(messages["messages"].size() == 2);
    CHECK(messages["messages"][0]["outcome"] == "bounce");
    CHECK(messages["messages"][1]["outcome"] == "auto-reply");
    for (const auto& m : messages["messages"]) CHECK(m["answers"].empty());
    CHECK(f.ctlJson("list")["reports"].empty());
}

TEST_CASE("a template-injection attempt is answered with nothing evaluated and one clean subject line") {
    Fixture f;
    f.deliver(report("<t1@researcher.example>", "{{report_id}} {{#timeline}}{{title}}{{/timeline}} {{=<% %>=}}",
                     "Description: {{contact}} {{{project}}} <%report_id%>\n"));
    REQUIRE(f.once().ok());
    auto answers = f.waitForAnswers(kResearcher, 1);
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].subject == "[SEC-2026-0001] Re: {{report_id}} {{#timeline}}{{title}}{{/timeline}} {{=<% %>=}}");
    CHECK(answers[0].text.find("{{") == std::string::npos);
    CHECK(answers[0].text.find("<%") == std::string::npos);
    CHECK(answers[0].headersNamed("Subject").size() == 1);
}

TEST_CASE("with the SMTP server down the answer waits in the outbox, and arrives once it is up") {
    Fixture f;
    f.deliver(report("<s1@researcher.example>", "CSRF in settings", kComplete));
    REQUIRE(f.env().stopSmtp());
    auto down = f.once();
    CHECK(down.exitCode == 69);
    CHECK(down.err.find("SMTP") != std::string::npos);
    auto queued = f.ctlJson("messages");
    REQUIRE(queued["messages"][0]["answers"].size() == 1);
    CHECK(queued["messages"][0]["answers"][0]["state"] == "queued");
    CHECK(queued["messages"][0]["answers"][0]["attempts"] == 1);

    REQUIRE(f.env().startSmtp());
    std::this_thread::sleep_for(1500ms);  // smtp.retry_base is 1s
    REQUIRE(f.once().ok());
    auto answers = f.waitForAnswers(kResearcher, 1);
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].subject == "[SEC-2026-0001] Re: CSRF in settings");
    REQUIRE(f.once().ok());
    std::this_thread::sleep_for(1s);
    CHECK(f.env().messageCount(kResearcher) == 1);
}

TEST_CASE("a permanent refusal is recorded and not retried") {
    Fixture f;
    f.deliver(report("<p1@researcher.example>", "report from a dead address", kComplete, "ghost@researcher.example"),
              "ghost@researcher.example");
    CHECK(f.once().ok());
    auto messages = f.ctlJson("messages");
    auto answer = messages["messages"][0]["answers"][0];
    CHECK(answer["state"] == "failed");
    CHECK(answer["last_error"].get<std::string>().find("55") != std::string::npos);
    CHECK(f.once().ok());
    CHECK(f.ctlJson("messages")["messages"][0]["answers"][0]["attempts"] == 1);
}

TEST_CASE("a restart between passes answers nothing twice, and a new UIDVALIDITY re-reads without re-answering") {
    Fixture f;
    f.deliver(report("<u1@researcher.example>", "first", kComplete));
    REQUIRE(f.once().ok());
    f.deliver(report("<u2@researcher.example>", "second", kComplete, kOther), kOther);
    REQUIRE(f.once().ok());
    REQUIRE(f.once().ok());
    f.waitForAnswers(kResearcher, 1);
    f.waitForAnswers(kOther, 1);

    // Make Dovecot forget the mailbox's UIDs: it assigns a new UIDVALIDITY.
    auto maildir = f.env().root() / "home" / kSecurity / "Maildir";
    if (!std::filesystem::exists(maildir)) maildir = f.env().root() / "home" / kSecurity;
    int removed = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(f.env().root())) {
        auto name = e.path().filename().string();
        if (e.path().string().find(kSecurity) != std::string::npos &&
            (name == "dovecot-uidlist" || name.rfind("dovecot.index", 0) == 0)) {
            std::filesystem::remove(e.path());
            ++removed;
        }
    }
    REQUIRE(removed > 0);
    std::this_thread::sleep_for(1100ms);  // Dovecot's new UIDVALIDITY is time-based
    REQUIRE(f.once().ok());
    std::this_thread::sleep_for(2s);
    CHECK(f.env().messageCount(kResearcher) == 1);
    CHECK(f.env().messageCount(kOther) == 1);
    auto messages = f.ctlJson("messages")["messages"];
    REQUIRE(messages.size() == 4);
    CHECK(messages[2]["outcome"] == "duplicate");
    CHECK(messages[3]["outcome"] == "duplicate");
    CHECK(f.ctlJson("list")["reports"].size() == 2);
}

TEST_CASE("in move mode a filed message moves to the folder and is never deleted") {
    Fixture f;
    f.writeConfig("", "mark = \"move\"\nmove_to = \"Filed\"\n");
    f.deliver(report("<m1@researcher.example>", "moved", kComplete));
    REQUIRE(f.once().ok());
    CHECK(f.env().messageCount(kSecurity) == 0);
    CHECK(f.env().messageCount(kSecurity, "Filed") == 1);
    auto flags = f.env().flags(kSecurity, "Filed");
    REQUIRE(flags);
    CHECK(flags->at(0).find("\\Seen") == std::string::npos);
    CHECK(f.waitForAnswers(kResearcher, 1).size() == 1);
}

TEST_CASE("--once says which server it could not reach and exits 69") {
    Fixture f;
    std::ofstream(f.dir() / "imap.pw") << "wrong-password\n";
    auto r = f.once();
    CHECK(r.exitCode == 69);
    CHECK(r.err.find("IMAP") != std::string::npos);
    CHECK(r.err.find("auth-refused") != std::string::npos);
}

TEST_CASE("--check-config names each problem with its file and key, and exits 78") {
    Fixture f;
    auto good = f.secmaild({"--check-config"});
    CHECK_MESSAGE(good.exitCode == 0, good.err);
    std::ofstream(f.config(), std::ios::app) << "[answers]\nper_sender_per_hour = \"lots\"\n[surprise]\n";
    auto bad = f.secmaild({"--check-config"});
    CHECK(bad.exitCode == 78);
    CHECK(bad.err.find(f.config().string() + ": answers.per_sender_per_hour: must be an integer") != std::string::npos);
    CHECK(bad.err.find(f.config().string() + ": surprise: unknown key") != std::string::npos);
    f.writeConfig("");
    std::filesystem::remove(f.dir() / "imap.pw");
    auto noSecret = f.secmaild({"--check-config"});
    CHECK(noSecret.exitCode == 78);
    CHECK(noSecret.err.find("imap.password_file") != std::string::npos);
}

TEST_CASE("secmailctl ingest files a message from stdin and sends its answer") {
    Fixture f;
    std::ofstream(f.dir() / "in.eml") << report("<g1@researcher.example>", "via MTA pipe", kComplete);
    auto r = f.secmailctl("ingest", (f.dir() / "in.eml").string());
    CHECK_MESSAGE(r.ok(), r.err);
    CHECK(r.out.find("new-report, report SEC-2026-0001, answer sent") != std::string::npos);
    auto answers = f.waitForAnswers(kResearcher, 1);
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].subject == "[SEC-2026-0001] Re: via MTA pipe");
}

TEST_CASE("the daemon answers while running and stops cleanly on SIGTERM") {
    Fixture f;
    std::string config = f.config().string();
    const char* argv[] = {SECMAILD_BINARY, "--config", config.c_str(), nullptr};
    pid_t pid = 0;
    REQUIRE(posix_spawn(&pid, SECMAILD_BINARY, nullptr, nullptr, const_cast<char**>(argv), environ) == 0);
    f.deliver(report("<d1@researcher.example>", "daemon report", kComplete));
    auto answers = f.waitForAnswers(kResearcher, 1);
    CHECK(answers.size() == 1);
    kill(pid, SIGTERM);
    int status = 0;
    pid_t done = 0;
    for (int i = 0; i < 200 && done == 0; ++i) {
        done = waitpid(pid, &status, WNOHANG);
        if (done == 0) std::this_thread::sleep_for(50ms);
    }
    if (done == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    REQUIRE(done == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("a report with a 40 MB attachment is stored whole, its attachment recorded, and answered") {
    Fixture f;
    // 40 MB of varied bytes, base64 in 76-character lines (about 54 MB on the wire).
    std::string attachment(40u << 20, '\0');
    std::uint32_t x = 2463534242u;
    for (auto& c : attachment) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        c = static_cast<char>(x);
    }
    static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string encoded;
    encoded.reserve(attachment.size() / 3 * 4 + attachment.size() / 57 * 2 + 8);
    for (std::size_t i = 0; i < attachment.size(); i += 3) {
        std::uint32_t n = static_cast<unsigned char>(attachment[i]) << 16;
        if (i + 1 < attachment.size()) n |= static_cast<unsigned char>(attachment[i + 1]) << 8;
        if (i + 2 < attachment.size()) n |= static_cast<unsigned char>(attachment[i + 2]);
        encoded += alphabet[(n >> 18) & 63];
        encoded += alphabet[(n >> 12) & 63];
        encoded += i + 1 < attachment.size() ? alphabet[(n >> 6) & 63] : '=';
        encoded += i + 2 < attachment.size() ? alphabet[n & 63] : '=';
        if ((i / 3 + 1) % 19 == 0) encoded += "\r\n";
    }
    std::string raw = crlf("From: Jane Researcher <" + kResearcher + ">\nTo: " + kSecurity +
                           "\nSubject: PoC attached\nMessage-ID: <big@researcher.example>\n"
                           "Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\n" +
                           kComplete + "--b\nContent-Type: application/octet-stream\n"
                           "Content-Disposition: attachment; filename=\"poc.bin\"\nContent-Transfer-Encoding: base64\n\n") +
                      encoded + "\r\n--b--\r\n";
    f.deliver(raw);
    REQUIRE(f.once().ok());
    auto answers = f.waitForAnswers(kResearcher, 1);
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].subject == "[SEC-2026-0001] Re: PoC attached");

    auto messages = f.ctlJson("messages")["messages"];
    REQUIRE(messages.size() == 1);
    CHECK(messages[0]["outcome"] == "new-report");
    CHECK(messages[0]["flags"].empty());
    CHECK(messages[0]["size"].get<std::size_t>() > raw.size());  // plus the headers Postfix and Dovecot add
    auto store = store::Store::openReadOnly(f.dir() / "store.db");
    auto parts = store.parts(messages[0]["id"].get<std::int64_t>());
    REQUIRE(parts.size() == 3);
    CHECK(parts[2].filename == "poc.bin");
    CHECK(parts[2].attachment);
    CHECK(parts[2].size == attachment.size());
    CHECK(parts[2].sha256 == sha256Hex(attachment));
}

namespace {

// The receiving end of systemd's notify protocol (sd_notify(3)): a datagram
// socket that keeps every message the daemon sends.
class NotifySocket {
public:
    explicit NotifySocket(const std::filesystem::path& path) : path_(path) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        REQUIRE(path.string().size() < sizeof addr.sun_path);
        std::strcpy(addr.sun_path, path.c_str());
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        timeval tv{0, 100000};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        reader_ = std::thread([this] {
            char buffer[4096];
            while (!done_) {
                auto n = ::recv(fd_, buffer, sizeof buffer, 0);
                if (n <= 0) continue;
                std::lock_guard lock(mutex_);
                messages_.emplace_back(buffer, static_cast<std::size_t>(n));
            }
        });
    }
    ~NotifySocket() {
        done_ = true;
        reader_.join();
        ::close(fd_);
    }
    std::vector<std::string> messages() {
        std::lock_guard lock(mutex_);
        return messages_;
    }
    // Waits up to 30 s for a message containing `text` after the first `from` messages.
    std::optional<std::size_t> waitFor(const std::string& text, std::size_t from = 0) {
        for (int i = 0; i < 300; ++i) {
            auto all = messages();
            for (std::size_t k = from; k < all.size(); ++k)
                if (all[k].find(text) != std::string::npos) return k;
            std::this_thread::sleep_for(100ms);
        }
        return std::nullopt;
    }
    std::size_t count(const std::string& text) {
        std::size_t n = 0;
        for (const auto& m : messages()) n += m.find(text) != std::string::npos;
        return n;
    }

private:
    std::filesystem::path path_;
    int fd_ = -1;
    std::atomic<bool> done_{false};
    std::mutex mutex_;
    std::vector<std::string> messages_;
    std::thread reader_;
};

int waitForExit(pid_t pid) {
    int status = 0;
    for (int i = 0; i < 400; ++i) {
        if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        std::this_thread::sleep_for(50ms);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
}

}  // namespace

TEST_CASE("under systemd's protocol: READY, watchdog pings, STATUS, a credential, reload on SIGHUP, a bad reload kept out") {
    Fixture f;
    // The IMAP password comes from the credential; the file beside it is wrong.
    std::filesystem::create_directory(f.dir() / "creds");
    std::ofstream(f.dir() / "creds" / "secmaild_imap-password") << "sec-pass\n";
    f.writeConfig("", "password_credential = \"secmaild_imap-password\"\n");
    std::ofstream(f.dir() / "imap.pw") << "wrong-pass\n";
    NotifySocket notify(f.dir() / "notify.sock");

    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) env.emplace_back(*e);
    env.push_back("NOTIFY_SOCKET=" + (f.dir() / "notify.sock").string());
    env.push_back("WATCHDOG_USEC=400000");
    env.push_back("CREDENTIALS_DIRECTORY=" + (f.dir() / "creds").string());
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    const std::string config = f.config().string();
    const char* argv[] = {SECMAILD_BINARY, "--config", config.c_str(), nullptr};
    pid_t pid = 0;
    REQUIRE(posix_spawn(&pid, SECMAILD_BINARY, nullptr, nullptr, const_cast<char**>(argv), envp.data()) == 0);

    REQUIRE(notify.waitFor("READY=1"));
    f.deliver(report("<n1@researcher.example>", "first", kComplete));
    REQUIRE(f.waitForAnswers(kResearcher, 1).size() == 1);
    auto idle = notify.waitFor("STATUS=idle; last pass fetched 1, sent 1");
    CHECK(idle);
    CHECK(notify.waitFor("next deadline SEC-2026-0001 assessment in"));
    CHECK(notify.count("WATCHDOG=1") >= 2);

    // A broken config: the reload is refused and the daemon goes on with the old one.
    {
        std::ofstream(f.config(), std::ios::app) << "[no_such_section]\n";
    }
    auto before = notify.messages().size();
    kill(pid, SIGHUP);
    auto refused = notify.waitFor("STATUS=reload failed, still running the previous configuration", before);
    REQUIRE(refused);
    CHECK(notify.messages()[*refused].find("READY=1") != std::string::npos);
    CHECK(notify.messages()[*refused].find("no_such_section") != std::string::npos);
    f.deliver(report("<n2@researcher.example>", "second", kComplete));
    REQUIRE(f.waitForAnswers(kResearcher, 2).size() == 2);

    // A good one: new templates take effect for the next answer.
    const std::filesystem::path source(SECMAILD_SOURCE_DIR);
    std::filesystem::copy(source / "config/templates", f.dir() / "templates2");
    {
        std::ofstream(f.dir() / "templates2" / "acknowledgment.txt.mustache", std::ios::app)
            << "\nReloaded-template marker 7f3a.\n";
    }
    f.writeConfig("", "password_credential = \"secmaild_imap-password\"\n");
    {
        std::string text;
        std::ifstream in(f.config());
        text.assign(std::istreambuf_iterator<char>(in), {});
        auto at = text.find((source / "config/templates").string());
        REQUIRE(at != std::string::npos);
        text.replace(at, (source / "config/templates").string().size(), (f.dir() / "templates2").string());
        std::ofstream(f.config()) << text;
    }
    before = notify.messages().size();
    kill(pid, SIGHUP);
    auto reloaded = notify.waitFor("STATUS=reloaded", before);
    REQUIRE(reloaded);
    CHECK(notify.waitFor("RELOADING=1", before) < reloaded);
    f.deliver(report("<n3@researcher.example>", "third", kComplete));
    auto answers = f.waitForAnswers(kResearcher, 3);
    REQUIRE(answers.size() == 3);
    int marked = 0;
    for (const auto& a : answers) marked += a.text.find("Reloaded-template marker 7f3a.") != std::string::npos;
    CHECK(marked == 1);

    kill(pid, SIGTERM);
    CHECK(waitForExit(pid) == 0);
    CHECK(notify.waitFor("STOPPING=1"));
}

TEST_CASE("a reload refused after loading changes nothing, not even the log level") {
    Fixture f("[log]\nlevel = \"info\"\n");
    NotifySocket notify(f.dir() / "notify.sock");
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) env.emplace_back(*e);
    env.push_back("NOTIFY_SOCKET=" + (f.dir() / "notify.sock").string());
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    const std::string config = f.config().string();
    const std::string logPath = (f.dir() / "daemon.log").string();
    const char* argv[] = {SECMAILD_BINARY, "--config", config.c_str(), nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, logPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = 0;
    const int spawned =
        posix_spawn(&pid, SECMAILD_BINARY, &actions, nullptr, const_cast<char**>(argv), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE(spawned == 0);
    REQUIRE(notify.waitFor("READY=1"));

    // This config loads, with a quieter log level, but moves the store: the
    // daemon refuses it only after loading it, and must not half-apply it.
    f.writeConfig("[log]\nlevel = \"error\"\n");
    {
        std::string text;
        std::ifstream in(f.config());
        text.assign(std::istreambuf_iterator<char>(in), {});
        auto at = text.find("path = \"store.db\"");
        REQUIRE(at != std::string::npos);
        text.replace(at, std::string("path = \"store.db\"").size(), "path = \"moved.db\"");
        std::ofstream(f.config()) << text;
    }
    const auto before = notify.messages().size();
    kill(pid, SIGHUP);
    auto refused = notify.waitFor("STATUS=reload failed, still running the previous configuration", before);
    REQUIRE(refused);
    CHECK(notify.messages()[*refused].find("store.path") != std::string::npos);

    f.deliver(report("<quiet@researcher.example>", "after the refused reload", kComplete));
    REQUIRE(f.waitForAnswers(kResearcher, 1).size() == 1);
    kill(pid, SIGTERM);
    CHECK(waitForExit(pid) == 0);

    std::string log;
    {
        std::ifstream in(logPath);
        log.assign(std::istreambuf_iterator<char>(in), {});
    }
    const auto refusal = log.find("daemon.reload_failed");
    REQUIRE(refusal != std::string::npos);
    // Still at info: the answer sent after the refusal is logged.
    CHECK(log.find(" answer.sent ", refusal) != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(f.dir() / "moved.db"));
}

TEST_CASE("secmailctl status and metrics say what the daemon last did, and status exits 1 when something needs an admin") {
    Fixture f("[metrics]\ntextfile = \"secmaild.prom\"\n");
    f.deliver(report("<s1@researcher.example>", "status report", kComplete));
    REQUIRE(f.once().ok());
    auto status = f.ctlJson("status");
    CHECK(status["mailbox"]["reachable"] == true);
    CHECK_FALSE(status["last_pass"].is_null());
    CHECK(status["reports"]["open"] == 1);
    CHECK(status["outbox"]["queued"] == 0);
    CHECK(status["next_deadline"]["report_id"] == "SEC-2026-0001");
    CHECK(status["problems"].empty());
    CHECK(f.secmailctl("status").exitCode == 0);

    auto metrics = f.secmailctl("metrics");
    REQUIRE(metrics.ok());
    CHECK(metrics.out.find("secmaild_messages_processed_total{outcome=\"new-report\"} 1\n") != std::string::npos);
    CHECK(metrics.out.find("secmaild_acknowledgments_sent_total 1\n") != std::string::npos);
    CHECK(metrics.out.find("secmaild_outbox_depth 0\n") != std::string::npos);
    // Every line is a comment or "name{labels} value", as the exposition format wants.
    for (const auto& line : splitLines(metrics.out))
        if (!line.empty() && line[0] != '#') CHECK(line.find(' ') != std::string::npos);

    std::ifstream prom(f.dir() / "secmaild.prom");
    std::string written((std::istreambuf_iterator<char>(prom)), std::istreambuf_iterator<char>());
    CHECK(written.find("secmaild_messages_processed_total{outcome=\"new-report\"} 1\n") != std::string::npos);

    // The mailbox refuses us: the next pass records it and status says so.
    std::ofstream(f.dir() / "imap.pw") << "wrong-pass\n";
    CHECK(f.once().exitCode == 69);
    auto down = f.secmailctl("status --json");
    CHECK(down.exitCode == 1);
    auto j = nlohmann::json::parse(down.out);
    CHECK(j["mailbox"]["reachable"] == false);
    REQUIRE_FALSE(j["problems"].empty());
    CHECK(j["problems"][0].get<std::string>().find("the mailbox could not be read") != std::string::npos);
}

TEST_CASE("SIGTERM in the middle of a pass loses nothing and answers nothing twice") {
    Fixture f("[answers]\nper_sender_per_hour = 100\n");  // one researcher sends them all
    constexpr int kReports = 12;
    for (int i = 0; i < kReports; ++i)
        f.deliver(report("<t" + std::to_string(i) + "@researcher.example>", "term report " + std::to_string(i),
                         kComplete));
    const std::string config = f.config().string();
    const char* argv[] = {SECMAILD_BINARY, "--config", config.c_str(), nullptr};
    pid_t pid = 0;
    REQUIRE(posix_spawn(&pid, SECMAILD_BINARY, nullptr, nullptr, const_cast<char**>(argv), environ) == 0);
    // Stop it as soon as the first answer is out: the pass is still filing and sending the rest.
    REQUIRE(f.env().waitForMessages(kResearcher, 1, 30s));
    kill(pid, SIGTERM);
    CHECK(waitForExit(pid) == 0);
    const auto answeredBeforeStop = f.inbox(kResearcher).size();
    MESSAGE("answered before the stop: " << answeredBeforeStop << " of " << kReports);

    // The next run finishes the rest; every report is filed once and answered once.
    REQUIRE(f.once().ok());
    auto answers = f.waitForAnswers(kResearcher, kReports);
    std::this_thread::sleep_for(1s);  // a doubled answer would arrive after the last one
    answers = f.inbox(kResearcher);
    CHECK(answers.size() == static_cast<std::size_t>(kReports));
    std::set<std::string> subjects;
    for (const auto& a : answers) subjects.insert(a.subject);
    CHECK(subjects.size() == static_cast<std::size_t>(kReports));
    auto list = f.ctlJson("list");
    CHECK(list["reports"].size() == static_cast<std::size_t>(kReports));
    auto messages = f.ctlJson("messages");
    CHECK(messages["messages"].size() == static_cast<std::size_t>(kReports));
}

TEST_CASE("an admin's mistakes are one line each naming the file and key, exit 78: store directory, GnuPG home, credential") {
    Fixture f;
    SUBCASE("a store directory the service user cannot write (run as nobody)") {
        auto r = testing::runCommand(
            {"runuser", "-u", "nobody", "--", SECMAILD_BINARY, "--config", f.config().string(), "--check-config"});
        CHECK(r.exitCode == 78);
        CHECK(r.err.find(f.config().string() + ": store.path: the directory " + f.dir().path().string() +
                         " is not writable for this user") != std::string::npos);
    }
    SUBCASE("a GnuPG home without secmaild's secret key") {
        std::filesystem::create_directory(f.dir() / "empty-gnupg");
        std::filesystem::permissions(f.dir() / "empty-gnupg", std::filesystem::perms::owner_all);
        std::ofstream(f.config(), std::ios::app) << "[gpg]\nhome = \"" << (f.dir() / "empty-gnupg").string() << "\"\n";
        auto r = f.secmaild({"--check-config"});
        CHECK(r.exitCode == 78);
        CHECK(r.err.find(f.config().string() + ": gpg") != std::string::npos);
        CHECK(r.err.find("key init") != std::string::npos);
    }
    SUBCASE("a credential the service was not given, and no readable file") {
        f.writeConfig("", "password_credential = \"secmaild_imap-password\"\n");
        std::filesystem::remove(f.dir() / "imap.pw");
        std::filesystem::create_directory(f.dir() / "creds");
        testing::CommandOptions o;
        o.setEnv = {"CREDENTIALS_DIRECTORY=" + (f.dir() / "creds").string()};
        auto r = testing::runCommand({SECMAILD_BINARY, "--config", f.config().string(), "--check-config"}, o);
        CHECK(r.exitCode == 78);
        CHECK(r.err.find(f.config().string() + ": imap.password_credential: the credential secmaild_imap-password is not in") !=
              std::string::npos);
    }
}
