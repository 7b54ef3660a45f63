// Child processes for the test harness: run a command with a deadline and capture its output,
// or send its output to a log file (daemons fork and keep stdout open, so a pipe would never
// reach end-of-file); find processes in /proc by command line or environment, and stop them.
// Linux only. Not a general process library: no stdin, no interactive I/O, no shell.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace secmaild::testing {

// An owned file descriptor (closed on destruction).
class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) reset(other.release());
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }
    int get() const { return fd_; }
    int release() {
        const int fd = fd_;
        fd_ = -1;
        return fd;
    }
    void reset(int fd = -1);

private:
    int fd_ = -1;
};

struct CommandOptions {
    // The child (and its process group) is killed with SIGKILL at this deadline.
    std::chrono::milliseconds timeout{60'000};
    // When set, stdout and stderr are appended to this file instead of being captured.
    std::optional<std::filesystem::path> logFile;
    // Bytes kept of each captured stream; the rest is read and dropped.
    std::size_t maxCapture = 4u << 20;
    // Environment variables removed from the child's environment, and NAME=VALUE entries added.
    std::vector<std::string> unsetEnv{"MAIL_CONFIG"};
    std::vector<std::string> setEnv;
};

struct CommandResult {
    // The exit status; 128+N when killed by signal N; -1 when it did not start or its status
    // was lost (another part of the process reaped it).
    int exitCode = -1;
    bool timedOut = false;
    std::string out;
    std::string err;  // also says why the command did not start
    bool ok() const { return exitCode == 0 && !timedOut; }
};

// Runs argv[0] (looked up in PATH) with stdin from /dev/null, default signal dispositions, no
// inherited descriptors beyond 0-2, in its own process group. Waits for it to exit, at most
// options.timeout. Failures are values; throws only std::bad_alloc.
CommandResult runCommand(const std::vector<std::string>& argv, const CommandOptions& options = {});

// What findProcesses looks for; a process matches when any one rule matches.
struct ProcessMatch {
    std::vector<std::string> cmdlinePrefixes;  // the command line (arguments joined by ' ') starts with
    std::vector<std::string> cmdlineContains;  // the command line contains
    std::vector<std::string> environEntries;   // the environment holds exactly this NAME=VALUE entry
};

// Pids of live processes (zombies excluded) other than the calling process that match.
std::vector<int> findProcesses(const ProcessMatch& match);

// The command line of a process, arguments joined by ' ' ("" when it is gone).
std::string commandLine(int pid);

// True while the process exists and is not a zombie (a zombie child of ours is reaped).
bool processAlive(int pid);

// SIGTERM, then SIGKILL once `grace` has passed; returns true when the process is gone.
bool terminateProcess(int pid, std::chrono::milliseconds grace);

}  // namespace secmaild::testing
