// Starting and stopping a throwaway Dovecot + Postfix for tests (see mail_env.hpp): lays out
// the root directory, starts both daemons detached (they outlive the process that started them,
// for the secmail-testenv tool), checks that each greets, and stops them through their pid
// files. Configuration texts are in server_config.cpp; sending and reading mail in
// mail_env_mail.cpp.
#include "mail_env.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
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

constexpr const char* kDovecot = "/usr/sbin/dovecot";
constexpr const char* kPostfix = "/usr/sbin/postfix";
constexpr const char* kPostfixMaster = "/usr/lib/postfix/sbin/master";
constexpr std::size_t kMaxRootLength = 70;  // Dovecot's sockets under root must fit in sun_path

// Postfix waits (in 300 ms steps) until main.cf, master.cf and its lookup tables are older than
// the current second, taking them for files still being edited: date them back.
Status backdate(const fs::path& path) {
    timespec times[2];
    ::clock_gettime(CLOCK_REALTIME, &times[0]);
    times[0].tv_sec -= 10;
    times[1] = times[0];
    if (::utimensat(AT_FDCWD, path.c_str(), times, 0) != 0)
        return fail("cannot set the time of " + path.string() + ": " + std::strerror(errno));
    return {};
}

// Restrictive on purpose: addresses go unquoted into passwd-file lines, main.cf and paths.
bool validAddress(std::string_view a) {
    const auto at = a.find('@');
    if (at == 0 || at == std::string_view::npos || at + 1 >= a.size() || a.find('@', at + 1) != a.npos) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const char c = a[i];
        const bool ok = isAsciiAlnum(c) || c == '.' || c == '-' || (i < at && (c == '_' || c == '+')) || i == at;
        if (!ok) return false;
    }
    return a.find("..") == a.npos && a.back() != '.';
}

bool validPassword(std::string_view p) {
    if (p.empty()) return false;
    return std::all_of(p.begin(), p.end(), [](char c) { return c > ' ' && c < 127 && c != ':'; });
}

bool safePath(std::string_view p) {
    return std::all_of(p.begin(), p.end(), [](char c) {
        return isAsciiAlnum(c) || c == '/' || c == '.' || c == '_' || c == '-' || c == '+';
    });
}

bool executableInPath(const std::string& name) {
    const char* path = std::getenv("PATH");
    for (const auto dir : split(path != nullptr ? path : "/usr/bin:/bin", ':'))
        if (!dir.empty() && ::access((std::string(dir) + "/" + name).c_str(), X_OK) == 0) return true;
    return false;
}

Status checkPrerequisites() {
    if (::geteuid() != 0)
        return fail("MailEnv needs root: Dovecot's and Postfix's files must belong to the users mail and postfix");
    struct Need {
        const char* path;
        const char* package;
    };
    for (const Need& n :
         {Need{kDovecot, "dovecot-core"}, Need{"/usr/lib/dovecot/imap", "dovecot-imapd"},
          Need{"/usr/lib/dovecot/lmtp", "dovecot-lmtpd"}, Need{kPostfix, "postfix"}, Need{kPostfixMaster, "postfix"}})
        if (::access(n.path, X_OK) != 0)
            return fail(std::string(n.path) + " is missing: the integration tests need the Debian package " +
                        n.package + " (apt-get install dovecot-core dovecot-imapd dovecot-lmtpd postfix curl)");
    if (!executableInPath(kCurlCommand)) return fail("curl is not in PATH: apt-get install curl");
    return {};
}

// Dovecot's and Postfix's unprivileged processes must walk down to the sockets and Maildirs.
Status checkTraversable(const fs::path& root) {
    for (fs::path p = root;; p = p.parent_path()) {
        struct stat st {};
        if (::stat(p.c_str(), &st) != 0) return fail("cannot stat " + p.string() + ": " + std::strerror(errno));
        if ((st.st_mode & S_IXOTH) == 0)
            return fail(p.string() +
                        " is not searchable by other users (chmod o+x): Dovecot's and Postfix's "
                        "unprivileged processes must reach files under " +
                        root.string());
        if (p == p.root_path() || p.parent_path() == p) break;
    }
    return {};
}

Result<fs::path> normalisedRoot(const fs::path& root) {
    std::error_code ec;
    fs::path abs = fs::weakly_canonical(fs::absolute(root, ec), ec);
    if (ec) return fail("cannot resolve " + root.string() + ": " + ec.message());
    std::string s = abs.string();
    while (s.size() > 1 && s.back() == '/') s.pop_back();
    return fs::path(s);
}

// Ports the kernel hands out for 127.0.0.1:0. All sockets are held until every port is known
// so that the ports differ; another process may still take one before the servers bind it.
Result<std::vector<int>> freePorts(std::size_t n) {
    std::vector<UniqueFd> held;
    std::vector<int> ports;
    for (std::size_t i = 0; i < n; ++i) {
        UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (fd.get() < 0) return fail(std::string("socket: ") + std::strerror(errno));
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        socklen_t len = sizeof addr;
        if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0)
            return fail(std::string("cannot get an ephemeral port: ") + std::strerror(errno));
        ports.push_back(ntohs(addr.sin_port));
        held.push_back(std::move(fd));
    }
    return ports;
}

UniqueFd connectTcp(int port) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    if (fd.get() < 0 || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return UniqueFd();
    return fd;
}

UniqueFd connectUnix(const fs::path& path) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string p = path.string();
    if (fd.get() < 0 || p.size() >= sizeof addr.sun_path) return UniqueFd();
    std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return UniqueFd();
    return fd;
}

// Reads the server's first line and says goodbye; true when it starts with `prefix`.
bool greets(UniqueFd fd, std::string_view prefix, std::string_view quit) {
    if (fd.get() < 0) return false;
    std::string line;
    const auto until = Clock::now() + 2s;
    while (line.find('\n') == std::string::npos && Clock::now() < until) {
        pollfd p{fd.get(), POLLIN, 0};
        if (::poll(&p, 1, 200) <= 0) continue;
        char buf[512];
        const ssize_t got = ::recv(fd.get(), buf, sizeof buf, 0);
        if (got <= 0) return false;
        line.append(buf, static_cast<std::size_t>(got));
    }
    ::send(fd.get(), quit.data(), quit.size(), MSG_NOSIGNAL);
    return line.rfind(prefix, 0) == 0;
}

// The queue and data directories as /etc/postfix/postfix-files describes them; `postfix start`
// would create them through post-install, at the cost of a second and a half of postconf runs.
Status makePostfixDirs(const ServerLayout& layout, uid_t postfixUid, gid_t postdropGid) {
    const int owner = static_cast<int>(postfixUid);
    if (auto st = makeDir(layout.postfixQueue, fs::perms(0755), 0, 0); !st) return st;
    if (auto st = makeDir(layout.postfixQueue / "pid", fs::perms(0755), 0, 0); !st) return st;
    for (const char* d :
         {"active", "bounce", "corrupt", "defer", "deferred", "flush", "hold", "incoming", "private", "saved", "trace"})
        if (auto st = makeDir(layout.postfixQueue / d, fs::perms(0700), owner, 0); !st) return st;
    if (auto st = makeDir(layout.postfixQueue / "maildrop", fs::perms(0730), owner, static_cast<int>(postdropGid)); !st)
        return st;
    if (auto st = makeDir(layout.postfixQueue / "public", fs::perms(0710), owner, static_cast<int>(postdropGid)); !st)
        return st;
    return makeDir(layout.postfixData, fs::perms(0700), owner, 0);
}

int readPid(const fs::path& pidFile) {
    std::istringstream in(readFile(pidFile));
    int pid = 0;
    in >> pid;
    return pid > 0 ? pid : 0;
}

// Waits for matching processes to exit by themselves, then kills what is left.
void reapStragglers(const ProcessMatch& match, std::chrono::milliseconds grace) {
    pollUntil(Clock::now() + grace, [&] { return findProcesses(match).empty(); });
    for (int pid : findProcesses(match)) terminateProcess(pid, 200ms);
}

ProcessMatch dovecotProcesses(const ServerLayout& layout, const std::string& instance) {
    return ProcessMatch{{"dovecot-" + instance + "/"}, {layout.dovecotConf.string()}, {}};
}

ProcessMatch postfixProcesses(const ServerLayout& layout) {
    // Every Postfix daemon inherits MAIL_CONFIG from its master; their titles name no path.
    return ProcessMatch{{}, {}, {"MAIL_CONFIG=" + layout.postfixConfigDir.string()}};
}

}  // namespace

Result<std::unique_ptr<MailEnv>> MailEnv::start(const fs::path& root, std::vector<MailUser> users,
                                                MailEnvOptions options) {
    if (auto st = checkPrerequisites(); !st) return st.error();
    if (users.empty()) return fail("MailEnv::start needs at least one user");
    for (auto& u : users) {
        u.address = toLower(u.address);
        if (!validAddress(u.address)) return fail("unsupported address for a test user: " + u.address);
        if (!validPassword(u.password)) return fail("unsupported password for " + u.address);
    }
    const passwd* mail = ::getpwnam("mail");
    if (mail == nullptr) return fail("there is no system user 'mail' to own the Maildirs");
    const uid_t mailUid = mail->pw_uid;
    const gid_t mailGid = mail->pw_gid;
    const passwd* postfix = ::getpwnam("postfix");
    if (postfix == nullptr) return fail("there is no system user 'postfix' (is the postfix package installed?)");
    const uid_t postfixUid = postfix->pw_uid;
    const group* postdrop = ::getgrnam("postdrop");
    if (postdrop == nullptr) return fail("there is no system group 'postdrop' (is the postfix package installed?)");
    const gid_t postdropGid = postdrop->gr_gid;

    std::error_code ec;
    fs::create_directories(root, ec);
    if (ec) return fail("cannot create " + root.string() + ": " + ec.message());
    auto rootPath = normalisedRoot(root);
    if (!rootPath) return rootPath.error();
    const std::string rootText = rootPath->string();
    if (!safePath(rootText) || rootText.size() > kMaxRootLength)
        return fail("root " + rootText + " must be at most " + std::to_string(kMaxRootLength) +
                    " characters of letters, digits and /._+- (it goes into unix socket paths and config files)");
    fs::permissions(*rootPath, fs::perms(0755), ec);
    if (auto st = checkTraversable(*rootPath); !st) return st.error();

    std::unique_ptr<MailEnv> env(new MailEnv());
    env->root_ = *rootPath;
    env->users_ = std::move(users);
    env->options_ = options;
    env->instance_ = instanceNameFor(env->root_);
    env->mailUid_ = mailUid;
    env->mailGid_ = mailGid;
    const ServerLayout layout(env->root_);

    // An earlier run (crashed, or secmail-testenv start) may have left servers in this root.
    if (auto earlier = attach(env->root_, options); earlier.ok()) (void)(*earlier)->stop();
    for (int pid : runningProcesses(env->root_)) terminateProcess(pid, 1s);

    for (const auto& dir : {layout.dovecotDir, layout.postfixDir, layout.postfixConfigDir, layout.spool, layout.home})
        if (auto st = makeDir(dir, fs::perms(0755)); !st) return st.error();
    if (auto st = makePostfixDirs(layout, postfixUid, postdropGid); !st) return st.error();
    for (const auto& u : env->users_) {
        const fs::path home = layout.homeOf(u.address);
        for (const auto& dir :
             {home, home / "Maildir", home / "Maildir/cur", home / "Maildir/new", home / "Maildir/tmp"})
            if (auto st =
                    makeDir(dir, fs::perms(0700), static_cast<int>(env->mailUid_), static_cast<int>(env->mailGid_));
                !st)
                return st.error();
    }
    for (const auto& log : {layout.dovecotLog, layout.postfixLog, layout.dovecotStartLog, layout.postfixStartLog})
        fs::remove(log, ec);

    // From here on `env` owns whatever runs: an early return stops it.
    for (int attempt = 1;; ++attempt) {
        auto ports = freePorts(2);
        if (!ports) return ports.error();
        env->imapPort_ = (*ports)[0];
        env->smtpPort_ = (*ports)[1];
        if (auto st = env->writeConfig(); !st) return st.error();
        const bool lastAttempt = attempt >= options.portAttempts;
        if (auto st = env->startDovecot(); !st) {
            if (lastAttempt || readFile(layout.dovecotLog).find("Address already in use") == std::string::npos)
                return st.error();
            (void)env->stopDovecot();
            continue;
        }
        if (auto st = env->startPostfix(); !st) {
            if (lastAttempt || readFile(layout.postfixLog).find("Address already in use") == std::string::npos)
                return st.error();
            (void)env->stopPostfix();
            (void)env->stopDovecot();
            continue;
        }
        break;
    }
    if (auto st = env->saveState(); !st) return st.error();
    return env;
}

Result<std::unique_ptr<MailEnv>> MailEnv::attach(const fs::path& root, MailEnvOptions options) {
    auto rootPath = normalisedRoot(root);
    if (!rootPath) return rootPath.error();
    const ServerLayout layout(*rootPath);
    std::ifstream in(layout.stateFile);
    if (!in)
        return fail("no mail environment in " + rootPath->string() + " (missing " + layout.stateFile.string() + ")");
    std::unique_ptr<MailEnv> env(new MailEnv());
    env->root_ = *rootPath;
    env->options_ = options;
    env->owned_ = false;
    for (std::string line; std::getline(in, line);) {
        std::istringstream fields(line);
        std::string key;
        fields >> key;
        if (key == "instance")
            fields >> env->instance_;
        else if (key == "imap_port")
            fields >> env->imapPort_;
        else if (key == "smtp_port")
            fields >> env->smtpPort_;
        else if (key == "mail_uid")
            fields >> env->mailUid_;
        else if (key == "mail_gid")
            fields >> env->mailGid_;
        else if (key == "message_size_limit")
            fields >> env->options_.messageSizeLimit;
        else if (key == "user") {
            MailUser u;
            std::string held;
            fields >> u.address >> u.password >> held;
            u.held = held == "held";
            env->users_.push_back(std::move(u));
        }
    }
    if (env->instance_.empty() || env->imapPort_ <= 0 || env->smtpPort_ <= 0 || env->users_.empty())
        return fail("unreadable state file " + layout.stateFile.string());
    return env;
}

MailEnv::~MailEnv() {
    if (!owned_) return;
    try {
        (void)stop();
    } catch (...) {
        // A destructor must not throw; stop() throws only std::bad_alloc.
    }
}

Status MailEnv::stop() {
    owned_ = false;
    const Status postfix = stopPostfix();
    const Status dovecot = stopDovecot();
    for (int pid : runningProcesses(root_)) terminateProcess(pid, 500ms);
    const auto left = runningProcesses(root_);
    if (!left.empty()) {
        std::string pids;
        for (int pid : left) pids += " " + std::to_string(pid);
        return fail("processes of the mail environment in " + root_.string() + " survived SIGKILL:" + pids);
    }
    if (!postfix) return postfix;
    return dovecot;
}

Status MailEnv::writeConfig() {
    const ServerLayout layout(root_);
    ServerSettings s{instance_, imapPort_, smtpPort_, mailUid_, mailGid_, options_.messageSizeLimit, users_};
    // The users file holds the (test) passwords; Dovecot's auth process reads it as user dovecot.
    if (auto st = writeFile(layout.dovecotUsers, dovecotUsersFile(layout, s), fs::perms(0640)); !st) return st;
    const group* dovecotGroup = ::getgrnam("dovecot");
    if (dovecotGroup == nullptr || ::chown(layout.dovecotUsers.c_str(), 0, dovecotGroup->gr_gid) != 0)
        return fail("cannot give " + layout.dovecotUsers.string() + " to group dovecot");
    if (auto st = writeFile(layout.dovecotConf, dovecotConfig(layout, s)); !st) return st;
    const std::pair<fs::path, std::string> postfixFiles[] = {
        {layout.postfixConfigDir / "main.cf", postfixMainCf(layout, s)},
        {layout.postfixConfigDir / "master.cf", postfixMasterCf(s)},
        {layout.postfixMailboxes, postfixMailboxes(s)},
        {layout.postfixHeldRecipients, postfixHeldRecipients(s)},
    };
    for (const auto& [path, text] : postfixFiles) {
        if (auto st = writeFile(path, text); !st) return st;
        if (auto st = backdate(path); !st) return st;
    }
    return {};
}

Status MailEnv::startDovecot() {
    const ServerLayout layout(root_);
    const auto deadline = Clock::now() + options_.startTimeout;
    CommandOptions run;
    run.timeout = options_.startTimeout;
    run.logFile = layout.dovecotStartLog;
    // A stale pid file would read as "started and died" below; nothing of ours runs now.
    std::error_code ec;
    fs::remove(layout.dovecotPidFile, ec);
    // Without -F Dovecot forks into the background once its listeners are bound.
    const CommandResult r = runCommand({kDovecot, "-c", layout.dovecotConf.string()}, run);
    if (!r.ok())
        return fail("Dovecot did not start (exit " + std::to_string(r.exitCode) + "):\n" + r.err +
                    tailLines(layout.dovecotStartLog, 20) + dovecotLogTail(20));
    const bool up = pollUntil(deadline, [&] {
        const int pid = readPid(layout.dovecotPidFile);
        if (pid > 0 && !processAlive(pid)) return true;  // died: stop waiting
        return greets(connectTcp(imapPort_), "* OK", "a LOGOUT\r\n") &&
               greets(connectUnix(layout.lmtpSocket), "220", "QUIT\r\n");
    });
    const int pid = readPid(layout.dovecotPidFile);
    if (!up || pid <= 0 || !processAlive(pid))
        return fail("Dovecot did not answer on 127.0.0.1:" + std::to_string(imapPort_) + " and " +
                    layout.lmtpSocket.string() + ":\n" + dovecotLogTail(30));
    return {};
}

Status MailEnv::startPostfix() {
    const ServerLayout layout(root_);
    const auto deadline = Clock::now() + options_.startTimeout;
    CommandOptions run;
    run.timeout = options_.startTimeout;
    run.logFile = layout.postfixStartLog;
    // What `postfix -c DIR start` runs in the end, without its checks: those take ~1.5 s and
    // report errors only to syslog or a terminal. As root, neither way needs DIR listed in
    // alternate_config_directories of /etc/postfix/main.cf (there is none here). -w: return
    // once the daemon in the background has initialised (exit status 0) or failed.
    run.setEnv = {"MAIL_CONFIG=" + layout.postfixConfigDir.string()};
    std::error_code ec;
    fs::remove(layout.postfixPidFile, ec);
    const CommandResult r = runCommand({kPostfixMaster, "-w"}, run);
    if (!r.ok())
        return fail("Postfix did not start (exit " + std::to_string(r.exitCode) + "):\n" + r.err +
                    tailLines(layout.postfixStartLog, 20) + postfixLogTail(30));
    const bool up = pollUntil(deadline, [&] {
        const int pid = readPid(layout.postfixPidFile);
        if (pid > 0 && !processAlive(pid)) return true;
        return greets(connectTcp(smtpPort_), "220", "QUIT\r\n");
    });
    const int pid = readPid(layout.postfixPidFile);
    if (!up || pid <= 0 || !processAlive(pid))
        return fail("Postfix did not answer on 127.0.0.1:" + std::to_string(smtpPort_) + ":\n" + postfixLogTail(30));
    return {};
}

Status MailEnv::stopPostfix() {
    const ServerLayout layout(root_);
    const int pid = readPid(layout.postfixPidFile);
    // SIGTERM to the master is what `postfix stop` does; the master then stops its children.
    if (pid > 0 && !terminateProcess(pid, options_.stopTimeout))
        return fail("Postfix master " + std::to_string(pid) + " did not stop");
    reapStragglers(postfixProcesses(layout), 3s);
    // A child may still hold the listening socket for a moment after the master is gone.
    const bool closed = pollUntil(Clock::now() + 3s, [&] { return connectTcp(smtpPort_).get() < 0; });
    if (!closed) return fail("port " + std::to_string(smtpPort_) + " still accepts connections after Postfix stopped");
    return {};
}

Status MailEnv::stopDovecot() {
    const ServerLayout layout(root_);
    const ProcessMatch all = dovecotProcesses(layout, instance_);
    const int pid = readPid(layout.dovecotPidFile);
    if (pid > 0 && processAlive(pid)) {
        ::kill(pid, SIGTERM);
        // After stopping its services Dovecot's master sleeps a fixed second so that its log
        // process can flush, then exits. Once nothing but the master and the log process is
        // left, no mail process can lose data: skip that second (tests start and stop often).
        const std::string logTitle = "dovecot-" + instance_ + "/log";
        const bool drained = pollUntil(Clock::now() + options_.stopTimeout, [&] {
            for (int p : findProcesses(all))
                if (p != pid && commandLine(p) != logTitle) return false;
            return true;
        });
        if (!drained) return fail("Dovecot's processes did not stop:\n" + dovecotLogTail(10));
        terminateProcess(pid, 100ms);
    }
    reapStragglers(all, 200ms);
    return {};
}

Status MailEnv::stopSmtp() {
    return stopPostfix();
}

Status MailEnv::startSmtp() {
    const ServerLayout layout(root_);
    const int pid = readPid(layout.postfixPidFile);
    if (pid > 0 && processAlive(pid)) return {};
    return startPostfix();
}

Status MailEnv::releaseHeld() {
    const ServerLayout layout(root_);
    CommandOptions run;
    run.timeout = options_.commandTimeout;
    run.setEnv = {"MAIL_CONFIG=" + layout.postfixConfigDir.string()};
    // -H moves the held messages to the deferred queue; -f has the queue manager try them now
    // instead of at its next queue run.
    const std::vector<std::vector<std::string>> steps = {{"/usr/sbin/postsuper", "-H", "ALL"},
                                                         {"/usr/sbin/postqueue", "-f"}};
    for (const auto& argv : steps) {
        const CommandResult r = runCommand(argv, run);
        if (!r.ok()) return fail(argv[0] + " failed (exit " + std::to_string(r.exitCode) + "): " + r.err);
    }
    return {};
}

std::size_t MailEnv::heldCount() const {
    std::error_code ec;
    std::size_t n = 0;
    for (fs::recursive_directory_iterator it(ServerLayout(root_).postfixQueue / "hold", ec), end; !ec && it != end;
         it.increment(ec))
        if (it->is_regular_file(ec)) ++n;
    return n;
}

Status MailEnv::saveState() const {
    std::ostringstream s;
    s << "version 1\n"
      << "instance " << instance_ << "\n"
      << "imap_port " << imapPort_ << "\n"
      << "smtp_port " << smtpPort_ << "\n"
      << "mail_uid " << mailUid_ << "\n"
      << "mail_gid " << mailGid_ << "\n"
      << "message_size_limit " << options_.messageSizeLimit << "\n";
    for (const auto& u : users_) s << "user " << u.address << " " << u.password << (u.held ? " held" : "") << "\n";
    return writeFile(ServerLayout(root_).stateFile, s.str(), fs::perms(0600));
}

std::string MailEnv::dovecotLogTail(std::size_t lines) const {
    return "--- " + ServerLayout(root_).dovecotLog.string() + " (tail) ---\n" +
           tailLines(ServerLayout(root_).dovecotLog, lines);
}

std::string MailEnv::postfixLogTail(std::size_t lines) const {
    return "--- " + ServerLayout(root_).postfixLog.string() + " (tail) ---\n" +
           tailLines(ServerLayout(root_).postfixLog, lines);
}

std::string MailEnv::logs(std::size_t linesEach) const {
    return dovecotLogTail(linesEach) + postfixLogTail(linesEach);
}

std::vector<int> MailEnv::runningProcesses(const fs::path& root) {
    auto rootPath = normalisedRoot(root);
    if (!rootPath) return {};
    const ServerLayout layout(*rootPath);
    const ProcessMatch d = dovecotProcesses(layout, instanceNameFor(*rootPath));
    const ProcessMatch p = postfixProcesses(layout);
    return findProcesses(ProcessMatch{d.cmdlinePrefixes, d.cmdlineContains, p.environEntries});
}

}  // namespace secmaild::testing
