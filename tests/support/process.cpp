// Child processes for the test harness (see process.hpp). posix_spawn, not system(): arguments
// are never parsed by a shell. The child gets default signal dispositions because a daemon
// under test may ignore SIGPIPE process-wide, and ignored signals survive exec.
#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

extern char** environ;

namespace secmaild::testing {

namespace {

using Clock = std::chrono::steady_clock;

class SpawnFileActions {
public:
    SpawnFileActions() { posix_spawn_file_actions_init(&fa_); }
    ~SpawnFileActions() { posix_spawn_file_actions_destroy(&fa_); }
    SpawnFileActions(const SpawnFileActions&) = delete;
    SpawnFileActions& operator=(const SpawnFileActions&) = delete;
    posix_spawn_file_actions_t* get() { return &fa_; }

private:
    posix_spawn_file_actions_t fa_;
};

class SpawnAttr {
public:
    SpawnAttr() { posix_spawnattr_init(&attr_); }
    ~SpawnAttr() { posix_spawnattr_destroy(&attr_); }
    SpawnAttr(const SpawnAttr&) = delete;
    SpawnAttr& operator=(const SpawnAttr&) = delete;
    posix_spawnattr_t* get() { return &attr_; }

private:
    posix_spawnattr_t attr_;
};

// Kills and reaps a child that was not waited for (an exception between spawn and wait).
class ChildGuard {
public:
    explicit ChildGuard(pid_t pid) : pid_(pid) {}
    ChildGuard(const ChildGuard&) = delete;
    ChildGuard& operator=(const ChildGuard&) = delete;
    ~ChildGuard() {
        if (pid_ <= 0) return;
        ::kill(-pid_, SIGKILL);
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    void release() { pid_ = -1; }

private:
    pid_t pid_;
};

std::string errnoText(const char* what, int err) {
    return std::string(what) + ": " + std::strerror(err);
}

int decodeStatus(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

std::string_view envName(std::string_view entry) {
    return entry.substr(0, entry.find('='));
}

std::vector<std::string> childEnvironment(const CommandOptions& options) {
    std::vector<std::string> env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        const std::string_view entry(*e);
        bool drop = false;
        for (const auto& u : options.unsetEnv) drop = drop || envName(entry) == u;
        for (const auto& s : options.setEnv) drop = drop || envName(entry) == envName(s);
        if (!drop) env.emplace_back(entry);
    }
    env.insert(env.end(), options.setEnv.begin(), options.setEnv.end());
    return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (auto& s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

void appendCapped(std::string& to, const char* data, std::size_t n, std::size_t cap) {
    if (to.size() < cap) to.append(data, std::min(n, cap - to.size()));
}

// Reads both pipes until end-of-file or the deadline; returns false at the deadline.
bool drainPipes(UniqueFd& out, UniqueFd& err, CommandResult& result, std::size_t cap, Clock::time_point deadline) {
    char buf[65536];
    while (out.get() >= 0 || err.get() >= 0) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return false;
        pollfd fds[2] = {{out.get(), POLLIN, 0}, {err.get(), POLLIN, 0}};
        const int n = ::poll(fds, 2, static_cast<int>(std::min<long long>(left, 1000)));
        if (n < 0 && errno != EINTR) return false;
        for (int i = 0; i < 2 && n > 0; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            UniqueFd& fd = i == 0 ? out : err;
            const ssize_t got = ::read(fd.get(), buf, sizeof buf);
            if (got > 0) {
                appendCapped(i == 0 ? result.out : result.err, buf, static_cast<std::size_t>(got), cap);
            } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
                fd.reset();
            }
        }
    }
    return true;
}

// Waits for the child until the deadline; false at the deadline (the child is still running).
bool reap(pid_t pid, CommandResult& result, Clock::time_point deadline) {
    for (;;) {
        int status = 0;
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            result.exitCode = decodeStatus(status);
            return true;
        }
        if (r < 0 && errno != EINTR) {
            // ECHILD: a global reaper of the embedding process took the status.
            result.exitCode = -1;
            result.err += "\n(exit status lost: " + errnoText("waitpid", errno) + ")";
            return true;
        }
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

// The whole file; "" or what was read so far on error. Plain read(2): a /proc file of a process
// that exits while we read fails with ESRCH, and std::filebuf would throw from there.
std::string readWhole(const std::filesystem::path& p) {
    std::string out;
    const UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return out;
    char buf[8192];
    for (;;) {
        const ssize_t got = ::read(fd.get(), buf, sizeof buf);
        if (got > 0) {
            out.append(buf, static_cast<std::size_t>(got));
        } else if (got == 0 || errno != EINTR) {
            return out;
        }
    }
}

std::vector<std::string> splitNul(const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < s.size()) {
        auto end = s.find('\0', start);
        if (end == std::string::npos) end = s.size();
        out.push_back(s.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

// The state letter of /proc/PID/stat ('R', 'S', 'Z', ...), or 0 when the process is gone.
char processState(int pid) {
    const std::string stat = readWhole("/proc/" + std::to_string(pid) + "/stat");
    const auto close = stat.rfind(')');
    if (close == std::string::npos || close + 2 >= stat.size()) return 0;
    return stat[close + 2];
}

}  // namespace

void UniqueFd::reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
}

CommandResult runCommand(const std::vector<std::string>& argv, const CommandOptions& options) {
    CommandResult result;
    if (argv.empty()) {
        result.err = "empty command";
        return result;
    }
    const auto deadline = Clock::now() + options.timeout;

    SpawnFileActions actions;
    posix_spawn_file_actions_addopen(actions.get(), 0, "/dev/null", O_RDONLY, 0);
    UniqueFd outRead, outWrite, errRead, errWrite;
    if (options.logFile) {
        posix_spawn_file_actions_addopen(actions.get(), 1, options.logFile->c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                         0644);
        posix_spawn_file_actions_adddup2(actions.get(), 1, 2);
    } else {
        int p[2];
        if (::pipe2(p, O_CLOEXEC) != 0) {
            result.err = errnoText("pipe2", errno);
            return result;
        }
        outRead = UniqueFd(p[0]);
        outWrite = UniqueFd(p[1]);
        if (::pipe2(p, O_CLOEXEC) != 0) {
            result.err = errnoText("pipe2", errno);
            return result;
        }
        errRead = UniqueFd(p[0]);
        errWrite = UniqueFd(p[1]);
        posix_spawn_file_actions_adddup2(actions.get(), outWrite.get(), 1);
        posix_spawn_file_actions_adddup2(actions.get(), errWrite.get(), 2);
    }
    posix_spawn_file_actions_addclosefrom_np(actions.get(), 3);

    SpawnAttr attr;
    sigset_t empty, defaults;
    sigemptyset(&empty);
    sigemptyset(&defaults);
    for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM})
        sigaddset(&defaults, sig);
    posix_spawnattr_setsigmask(attr.get(), &empty);
    posix_spawnattr_setsigdefault(attr.get(), &defaults);
    posix_spawnattr_setpgroup(attr.get(), 0);
    posix_spawnattr_setflags(attr.get(), POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

    std::vector<std::string> args(argv);
    std::vector<std::string> env = childEnvironment(options);
    auto argp = pointers(args);
    auto envp = pointers(env);
    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, argp[0], actions.get(), attr.get(), argp.data(), envp.data());
    if (rc != 0) {
        result.err = errnoText(("cannot run " + argv[0]).c_str(), rc);
        return result;
    }
    ChildGuard guard(pid);
    outWrite.reset();
    errWrite.reset();

    bool inTime = true;
    if (!options.logFile) inTime = drainPipes(outRead, errRead, result, options.maxCapture, deadline);
    if (inTime) inTime = reap(pid, result, deadline);
    if (!inTime) {
        result.timedOut = true;
        ::kill(-pid, SIGKILL);
        ::kill(pid, SIGKILL);
        reap(pid, result, Clock::now() + std::chrono::seconds(5));
    }
    guard.release();
    return result;
}

std::vector<int> findProcesses(const ProcessMatch& match) {
    std::vector<int> found;
    std::error_code ec;
    const int self = static_cast<int>(::getpid());
    // Explicit increments: the range-for form throws when /proc changes under the iterator.
    for (auto it = std::filesystem::directory_iterator("/proc", ec); !ec && it != std::filesystem::directory_iterator();
         it.increment(ec)) {
        const auto& entry = *it;
        const std::string name = entry.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        const int pid = std::stoi(name);
        if (pid == self) continue;
        const char state = processState(pid);
        if (state == 0 || state == 'Z' || state == 'X') continue;

        const std::string cmdline = commandLine(pid);
        bool hit = false;
        for (const auto& p : match.cmdlinePrefixes) hit = hit || cmdline.rfind(p, 0) == 0;
        for (const auto& c : match.cmdlineContains) hit = hit || cmdline.find(c) != std::string::npos;
        if (!hit && !match.environEntries.empty()) {
            const auto env = splitNul(readWhole(entry.path() / "environ"));
            for (const auto& want : match.environEntries)
                for (const auto& have : env) hit = hit || have == want;
        }
        if (hit) found.push_back(pid);
    }
    return found;
}

std::string commandLine(int pid) {
    std::string cmdline = readWhole("/proc/" + std::to_string(pid) + "/cmdline");
    while (!cmdline.empty() && cmdline.back() == '\0') cmdline.pop_back();
    for (char& c : cmdline)
        if (c == '\0') c = ' ';
    return cmdline;
}

bool processAlive(int pid) {
    if (pid <= 0) return false;
    int status = 0;
    ::waitpid(pid, &status, WNOHANG);  // reaps it if it is our child; ECHILD otherwise
    const char state = processState(pid);
    return state != 0 && state != 'Z' && state != 'X';
}

bool terminateProcess(int pid, std::chrono::milliseconds grace) {
    if (!processAlive(pid)) return true;
    ::kill(pid, SIGTERM);
    const auto waitGone = [pid](Clock::time_point until) {
        while (Clock::now() < until) {
            if (!processAlive(pid)) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return !processAlive(pid);
    };
    if (waitGone(Clock::now() + grace)) return true;
    ::kill(pid, SIGKILL);
    return waitGone(Clock::now() + std::chrono::seconds(5));
}

}  // namespace secmaild::testing
