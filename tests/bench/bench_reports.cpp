// Benchmark (not a test) of the deadline scheduler at scale. Fills a store
// with N open reports received over the last 60 days at various stages, then,
// as a daemon start would, reopens it and times the first escalation pass
// (every report needs a plan), the quiet pass after it, one maintainer action
// with the pass that follows, and `secmailctl overdue` (in process and the
// real binary); prints peak RSS. One line per figure; no timing assertions
// (shared machines are noisy): it exits non-zero only when something fails.
// Usage: bench_reports [N=100000] [--keep DIR] [--secmailctl PATH] [--source-dir DIR]
#include <fcntl.h>
#include <malloc.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "secmaild/config/config.hpp"
#include "secmaild/ctl/deadlines.hpp"
#include "secmaild/report/commands.hpp"
#include "secmaild/service/actions.hpp"
#include "secmaild/service/escalations.hpp"
#include "secmaild/service/runtime.hpp"
#include "secmaild/store/store.hpp"
#include "secmaild/util/clock.hpp"
#include "secmaild/util/time_format.hpp"

#ifndef SECMAILD_SOURCE_DIR
#define SECMAILD_SOURCE_DIR "."
#endif
#ifndef SECMAILCTL_BINARY
#define SECMAILCTL_BINARY "build/src/secmailctl"
#endif

extern char** environ;

namespace {

using namespace secmaild;
using Seconds = std::chrono::duration<double>;
using Steady = std::chrono::steady_clock;

constexpr std::size_t kBatch = 10000;
constexpr auto kSpread = std::chrono::hours{24 * 60};  // receipts over the last 60 days

struct Options {
    std::size_t count = 100000;
    std::optional<std::filesystem::path> keep;
    std::filesystem::path secmailctl = SECMAILCTL_BINARY;
    std::filesystem::path sourceDir = SECMAILD_SOURCE_DIR;
};

// A failure of the benchmark itself (not a slow figure).
class BenchError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

double since(Steady::time_point start) {
    return Seconds(Steady::now() - start).count();
}

std::string fixed(double v, int digits) {
    std::ostringstream out;
    out.setf(std::ios::fixed);
    out.precision(digits);
    out << v;
    return out.str();
}

std::string ms(double seconds) {
    return fixed(seconds * 1000.0, seconds < 0.01 ? 2 : 1) + " ms";
}

double megabytes(long kilobytes) {
    return static_cast<double>(kilobytes) / 1024.0;
}

// User + system CPU seconds of this process so far.
double cpuSeconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return secs(u.ru_utime) + secs(u.ru_stime);
}

long peakRssKb() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

// Resident now (not the peak): the second field of /proc/self/statm, in pages.
long currentRssKb() {
    std::ifstream statm("/proc/self/statm");
    long size = 0, resident = 0;
    if (!(statm >> size >> resident)) return 0;
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

std::uintmax_t storeBytes(const std::filesystem::path& db) {
    std::uintmax_t total = 0;
    for (const char* suffix : {"", "-wal", "-shm"}) {
        std::error_code ec;
        auto size = std::filesystem::file_size(db.string() + suffix, ec);
        if (!ec) total += size;
    }
    return total;
}

// splitmix64: the same reports (ages, stages, severities) for the same N on
// every run and machine (std:: distributions are implementation-defined).
class Rng {
public:
    explicit Rng(std::uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull) {}
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
    bool chance(double p) { return uniform() < p; }

private:
    std::uint64_t state_;
};

// One report's history: when it came in and which stages were completed when.
struct History {
    TimePoint received;
    std::vector<std::pair<const policy::Stage*, TimePoint>> done;  // policy order
    std::optional<std::string> severity;
    std::string state = "new";
};

std::string stateAfterVerb(const std::string& verb) {
    static const std::map<std::string, std::string> states{{"ack", "acknowledged"},
                                                           {"assess", "assessed"},
                                                           {"fix", "fixed"},
                                                           {"release", "released"},
                                                           {"disclose", "disclosed"}};
    auto it = states.find(verb);
    return it == states.end() ? "" : it->second;
}

std::string pickSeverity(Rng& rng) {
    double u = rng.uniform();
    if (u < 0.05) return "none";
    if (u < 0.30) return "low";
    if (u < 0.70) return "medium";
    if (u < 0.92) return "high";
    return "critical";
}

// Walks the policy's stages in order as a team that mostly keeps up would:
// the automatic acknowledgment goes out for 97% of reports within minutes;
// each later stage is done for 80% of the reports whose previous stage is,
// somewhere between 30% and 140% of its window (so some late), never after
// `now`. The first stage not done ends the walk.
History historyOf(std::size_t i, const service::Runtime& rt, TimePoint now) {
    Rng rng(i);
    History h;
    h.received = now - std::chrono::duration_cast<std::chrono::seconds>(kSpread * rng.uniform());
    std::map<std::string, TimePoint> anchors{{"receipt", h.received}};
    TimePoint last = h.received;
    for (const auto& stage : rt.policy.stages) {
        if (!stage.severities.empty() && (!h.severity || std::find(stage.severities.begin(), stage.severities.end(),
                                                                   *h.severity) == stage.severities.end()))
            continue;  // not applicable: later stages anchored on it stay waiting
        auto anchor = anchors.find(stage.anchor);
        if (anchor == anchors.end()) break;
        const TimePoint start = anchor->second;
        const TimePoint due = rt.calendar.due(start, stage.window);
        TimePoint at;
        if (stage.completedBy == "ack") {
            if (!rng.chance(0.97)) break;
            at = start + std::chrono::minutes{2};
        } else {
            if (!rng.chance(0.80)) break;
            at = start + std::chrono::duration_cast<std::chrono::seconds>((due - start) * (0.3 + 1.1 * rng.uniform()));
        }
        at = std::max(at, last + std::chrono::minutes{1});
        if (at > now) break;
        if (stage.completedBy == "assess") h.severity = pickSeverity(rng);
        h.done.emplace_back(&stage, at);
        anchors[stage.name] = at;
        last = at;
        if (auto s = stateAfterVerb(stage.completedBy); !s.empty()) h.state = s;
    }
    return h;
}

const std::string kDomain = "researchers.example";

std::string reporterOf(std::size_t i, std::size_t count) {
    // About five reports per researcher: lastReporterContact() looks up by address.
    return "r" + std::to_string(i % (count / 5 + 1)) + "@" + kDomain;
}

std::string incomingRaw(std::size_t i, const std::string& reporter, TimePoint date) {
    return "From: Researcher <" + reporter + ">\r\nTo: security@example.org\r\nSubject: Report " + std::to_string(i) +
           ": stored XSS in the profile page\r\nMessage-ID: <bench-" + std::to_string(i) + "@" + kDomain +
           ">\r\nDate: " + formatRfc5322(date) +
           "\r\n\r\nDescription: stored XSS in the profile page.\r\n\r\nSteps to reproduce:\r\n1. Set the display "
           "name to <script>alert(1)</script>\r\n2. Open the profile as another user\r\n\r\nImpact: script in other "
           "users' sessions.\r\n\r\nAffected version: 0.2.3\r\n";
}

// A sent answer to the reporter about a stage, as the pipeline or an action
// would have queued it: what lastReporterContact() reads.
void sentAnswer(store::Store& store, const std::string& kind, const std::string& reportId, const std::string& stage,
                std::int64_t message, const std::string& reporter, TimePoint at) {
    const std::string messageId = "<" + kind + "." + stage + "." + reportId + "@example.org>";
    store::OutboxItem item;
    item.createdAt = at;
    item.kind = kind;
    item.reportId = reportId;
    item.inReplyTo = message;
    item.recipient = reporter;
    item.envelopeFrom = "security@example.org";
    item.messageId = messageId;
    item.raw = "From: Example security team <security@example.org>\r\nTo: " + reporter + "\r\nSubject: [" + reportId +
               "] " + kind + "\r\nMessage-ID: " + messageId + "\r\nDate: " + formatRfc5322(at) +
               "\r\nAuto-Submitted: auto-replied\r\n\r\nThank you for your report.\r\n";
    item.nextAttemptAt = at;
    store.markSent(store.enqueue(item), at);
    store.addThreadMessageId(messageId, reportId);
}

struct FillCounts {
    std::map<std::string, std::size_t> states;
    std::map<std::string, std::size_t> stages;
    std::map<std::string, std::size_t> severities;
};

// One report: its first message (already stored), the report, its verdict,
// the contact field, the automatic acknowledgment and later actions with
// their status mails. Inside the caller's transaction.
void fileReport(service::Runtime& rt, std::size_t i, std::size_t count, std::int64_t message, const History& h,
                FillCounts& counts) {
    auto& store = *rt.store;
    const std::string reporter = reporterOf(i, count);
    const TimePoint filedAt = h.received + std::chrono::seconds{10};
    const std::string id = store.allocateReportId(rt.policy.reportPrefix, rt.calendar.localYear(h.received));
    store::ReportRow r;
    r.id = id;
    r.state = "new";
    r.reporter = reporter;
    r.replyTo = reporter;
    r.subject = "Report " + std::to_string(i) + ": stored XSS in the profile page";
    r.receivedAt = h.received;
    r.firstMessage = message;
    r.policy = rt.policy.name;
    r.createdAt = filedAt;
    r.updatedAt = filedAt;
    store.insertReport(r);
    store::MessageVerdict v;
    v.messageId = "<bench-" + std::to_string(i) + "@" + kDomain + ">";
    v.sender = reporter;
    v.subject = r.subject;
    v.outcome = "new-report";
    v.outcomeReason = "a new report";
    v.reportId = id;
    v.text = "Description: stored XSS in the profile page.";
    store.recordVerdict(message, v, filedAt);
    store.setField(id, {"contact", reporter, "sender", message, filedAt});
    store.addThreadMessageId(*v.messageId, id);
    store.audit(filedAt, id, message, "secmaild", "report.filed", "{}");
    TimePoint last = filedAt;
    for (const auto& [stage, at] : h.done) {
        if (stage->completedBy == "ack") {
            sentAnswer(store, "acknowledgment", id, stage->name, message, reporter, at);
            store.completeStage(id, stage->name, at, "secmaild (automatic acknowledgment)");
        } else {
            store.completeStage(id, stage->name, at, "secmailctl:bench");
            if (stage->completedBy == "assess")
                store.setReportDetail(id, store::Store::Detail::Severity, *h.severity, at);
            if (stage->completedBy == "release")
                store.setReportDetail(id, store::Store::Detail::FixedVersion, "0.2.4", at);
            sentAnswer(store, "status", id, stage->name, message, reporter, at);
            store.audit(at, id, std::nullopt, "secmailctl:bench", "action." + stage->completedBy, "{}");
        }
        ++counts.stages[stage->name];
        last = at;
    }
    if (h.state != "new") store.setReportState(id, h.state, last);
    // Every report starts without a plan, as after an upgrade to the scheduler.
    store.invalidateAlertPlan(id);
    ++counts.states[h.state];
    ++counts.severities[h.severity.value_or("unset")];
}

std::string countsText(const std::map<std::string, std::size_t>& m) {
    std::string out;
    for (const auto& [name, n] : m) out += (out.empty() ? "" : ", ") + name + " " + std::to_string(n);
    return out;
}

// Batches of kBatch: each message is stored on its own (storeIncoming commits
// itself), then the batch's reports in one transaction.
void fillStore(service::Runtime& rt, std::size_t count, TimePoint now) {
    auto& store = *rt.store;
    FillCounts counts;
    const auto start = Steady::now();
    for (std::size_t first = 0; first < count; first += kBatch) {
        const std::size_t end = std::min(count, first + kBatch);
        std::vector<History> histories;
        std::vector<std::int64_t> messages;
        for (std::size_t i = first; i < end; ++i) {
            histories.push_back(historyOf(i, rt, now));
            store::IncomingMessage m;
            m.receivedAt = histories.back().received;
            m.source = "imap";
            m.mailbox = "INBOX";
            m.uidValidity = 1;
            m.uid = static_cast<std::int64_t>(i + 1);
            m.raw = incomingRaw(i, reporterOf(i, count), m.receivedAt);
            messages.push_back(store.storeIncoming(m, m.receivedAt + std::chrono::seconds{5}));
        }
        store::Transaction tx(store.db());
        for (std::size_t i = first; i < end; ++i)
            fileReport(rt, i, count, messages[i - first], histories[i - first], counts);
        tx.commit();
        store.setServerMarked(messages);
    }
    const double seconds = since(start);
    std::cout << "fill (not a target): " << count << " open reports in " << fixed(seconds, 2) << " s ("
              << fixed(static_cast<double>(count) / seconds, 0) << " reports/s), received over the last 60 days\n"
              << "  states: " << countsText(counts.states) << "\n"
              << "  stages done: " << countsText(counts.stages) << "\n"
              << "  severities: " << countsText(counts.severities) << "\n";
}

// The work directory: a fresh temp dir removed at the end, or --keep DIR.
class WorkDir {
public:
    explicit WorkDir(const std::optional<std::filesystem::path>& keep) : keep_(keep.has_value()) {
        if (keep) {
            path_ = std::filesystem::absolute(*keep);
            std::filesystem::create_directories(path_);
            if (std::filesystem::exists(path_ / "store.db"))
                throw BenchError(path_.string() + " already has a store.db; give --keep a new or empty directory");
        } else {
            std::string pattern = "/tmp/bench-reports.XXXXXX";
            if (!mkdtemp(pattern.data())) throw BenchError("mkdtemp failed");
            path_ = pattern;
        }
    }
    ~WorkDir() {
        if (keep_) return;
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    WorkDir(const WorkDir&) = delete;
    WorkDir& operator=(const WorkDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
    bool keep_;
};

// As tests/support/runtime_fixture.hpp: the shipped policy and templates,
// SMTP at a closed port (nothing is sent; escalation mails stay queued).
std::filesystem::path writeConfig(const std::filesystem::path& dir, const std::filesystem::path& source) {
    const auto file = dir / "secmaild.toml";
    std::ofstream out(file);
    out << "[smtp]\nurl = \"smtp://127.0.0.1:9\"\ntls = \"none\"\nfrom = \"security@example.org\"\n"
           "from_name = \"Example security team\"\ntimeout = \"2s\"\n"
           "[store]\npath = \"store.db\"\n"
           "[policy]\nfile = \""
        << (source / "config/policies/personal-chatter.toml").string() << "\"\n[templates]\ndir = \""
        << (source / "config/templates").string() << "\"\n";
    if (!out) throw BenchError("cannot write " + file.string());
    return file;
}

std::unique_ptr<service::Runtime> load(const std::filesystem::path& config, const Clock& clock, bool readOnly) {
    service::LoadOptions options;
    options.readOnly = readOnly;
    auto loaded = service::loadRuntime(config, clock, options);
    if (!loaded.runtime) {
        std::string problems;
        for (const auto& p : loaded.problems) problems += "\n  " + config::describe(p);
        throw BenchError("the runtime did not load:" + problems);
    }
    return std::move(loaded.runtime);
}

// The daemon logs each queued alert at warn; so does this process, into a
// file in the work directory (the cost of formatting and writing is part of
// the pass, as under journald).
void logTo(const std::filesystem::path& file) {
    auto logger = spdlog::basic_logger_mt("bench", file.string(), true);
    logger->set_level(spdlog::level::warn);
    spdlog::set_default_logger(logger);
}

// The store is filled in a child process, so that this process's peak RSS
// is the daemon start's alone.
void fillInChild(const std::filesystem::path& config, const std::filesystem::path& dir, std::size_t count,
                 TimePoint now) {
    std::cout.flush();
    pid_t pid = fork();
    if (pid < 0) throw BenchError("fork failed");
    if (pid == 0) {
        int code = 0;
        try {
            logTo(dir / "fill.log");
            FakeClock clock(now);
            auto rt = load(config, clock, false);
            fillStore(*rt, count, now);
        } catch (const std::exception& e) {
            std::cerr << "bench_reports: filling the store failed: " << e.what() << "\n";
            code = 1;
        }
        std::cout.flush();
        std::cerr.flush();
        spdlog::shutdown();
        _exit(code);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw BenchError("filling the store failed (wait status " + std::to_string(status) + ")");
}

struct Spawned {
    double seconds = 0;
    long maxRssKb = 0;
};

// Runs the command with stdout to `out`, stderr inherited; throws unless it
// exits 0. fork, not posix_spawn: a vfork child's peak RSS starts at this
// process's peak (the address space is shared until exec), a fork child's at
// this process's current RSS, which malloc_trim keeps small.
Spawned runCommand(const std::vector<std::string>& args, const std::string& out) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    malloc_trim(0);
    std::cout.flush();
    const auto start = Steady::now();
    pid_t pid = fork();
    if (pid < 0) throw BenchError("fork failed");
    if (pid == 0) {
        int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0) _exit(126);
        execve(argv[0], argv.data(), environ);
        _exit(127);
    }
    int status = 0;
    rusage u{};
    if (wait4(pid, &status, 0, &u) != pid) throw BenchError("wait4 failed");
    Spawned s{since(start), u.ru_maxrss};
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw BenchError(args[0] + " failed (status " + std::to_string(status) + ")");
    return s;
}

struct Runs {
    double best = 0;
    double median = 0;
};

Runs bestAndMedian(std::vector<double> seconds) {
    std::sort(seconds.begin(), seconds.end());
    return {seconds.front(), seconds[seconds.size() / 2]};
}

std::size_t distinctReports(const nlohmann::json& overdue) {
    std::set<std::string> ids;
    for (const auto& o : overdue["overdue"]) ids.insert(o["report_id"].get<std::string>());
    return ids.size();
}

// An acknowledged, unassessed report that came in over 15 days ago, so that
// `assess severity=high` also opens the (already late) release stage; with a
// small N, one over 3 days old (assessment overdue); nullopt when there is none.
std::optional<std::string> actionTarget(store::Store& store, TimePoint now) {
    for (int days : {15, 3}) {
        auto stmt = store.db().prepare(
            "SELECT id FROM reports WHERE state = 'acknowledged' AND received_at < ? ORDER BY received_at DESC "
            "LIMIT 1");
        stmt.bind(1, toUnix(now - std::chrono::hours{24 * days}));
        if (stmt.step()) return stmt.text(0);
    }
    return std::nullopt;
}

// `assess severity=high` as secmailctl applies it (one transaction), then the
// escalation pass that follows. Returns the report's id (or any report's,
// when none could be assessed) for the timeline probe.
std::string timeOneAction(service::Runtime& rt, TimePoint now) {
    auto target = actionTarget(*rt.store, now);
    if (!target) {
        std::cout << "apply one action: skipped (no acknowledged report with its assessment overdue)\n";
        auto any = rt.store->db().prepare("SELECT id FROM reports LIMIT 1");
        if (!any.step()) throw BenchError("the store has no report");
        return any.text(0);
    }
    report::Action assess;
    assess.verb = report::Verb::Assess;
    assess.severity = "high";
    auto start = Steady::now();
    service::ActionOutcome outcome;
    {
        store::Transaction tx(rt.store->db());
        outcome = service::applyAction(rt, *rt.store, *target, assess, "secmailctl:bench", now);
        tx.commit();
    }
    const double actionSeconds = since(start);
    if (!outcome.done) throw BenchError("assess on " + *target + " was refused: " + outcome.refusal);
    start = Steady::now();
    auto after = service::runEscalations(rt, now);
    const double afterSeconds = since(start);
    std::cout << "apply one action (assess severity=high on overdue " << *target
              << ", then the pass): " << ms(actionSeconds + afterSeconds) << " (action " << ms(actionSeconds)
              << ", pass " << ms(afterSeconds) << ": " << after.reportsLooked << " looked at, " << after.alertsQueued
              << " alerts queued)\n";
    return *target;
}

void runBench(const Options& options) {
    const auto source = std::filesystem::absolute(options.sourceDir);
    if (!std::filesystem::exists(source / "config/policies/personal-chatter.toml"))
        throw BenchError("no config/policies/personal-chatter.toml under " + source.string() + " (--source-dir)");
    if (access(options.secmailctl.c_str(), X_OK) != 0)
        throw BenchError("no secmailctl binary at " + options.secmailctl.string() + " (--secmailctl)");
    WorkDir dir(options.keep);
    const auto config = writeConfig(dir.path(), source);
    const TimePoint now = SystemClock().now();
    const std::size_t n = options.count;
    std::cout << "bench_reports: " << n << " open reports, policy personal-chatter.toml, work dir "
              << dir.path().string() << "\n";

    fillInChild(config, dir.path(), n, now);
    std::cout << "store after fill: " << fixed(static_cast<double>(storeBytes(dir.path() / "store.db")) / 1e6, 1)
              << " MB\n";

    // A daemon start: a fresh runtime on the filled store, and its first pass.
    logTo(dir.path() / "bench.log");
    FakeClock clock(now);
    auto start = Steady::now();
    auto rt = load(config, clock, false);
    const double loadSeconds = since(start);
    const long rssLoaded = currentRssKb();
    std::cout << "daemon start: runtime loaded (config, policy, templates, store) in " << ms(loadSeconds) << ", RSS "
              << fixed(megabytes(rssLoaded), 1) << " MB\n";

    start = Steady::now();
    double cpu = cpuSeconds();
    auto first = service::runEscalations(*rt, now);
    const double firstSeconds = since(start);
    cpu = cpuSeconds() - cpu;
    std::cout << "startup scheduling (first pass over " << n << " reports): " << fixed(firstSeconds, 2) << " s, "
              << first.reportsLooked << " looked at, " << first.alertsQueued << " alerts queued ("
              << fixed(firstSeconds * 1e6 / std::max(1, first.reportsLooked), 0) << " us per report; CPU "
              << fixed(cpu, 2) << " s)\n";

    start = Steady::now();
    auto second = service::runEscalations(*rt, now);
    const double secondSeconds = since(start);
    std::cout << "second pass right after: " << ms(secondSeconds) << ", " << second.reportsLooked << " looked at, "
              << second.alertsQueued << " alerts queued\n";

    std::cout << "peak RSS after start-up scheduling: " << fixed(megabytes(peakRssKb()), 1) << " MB (resident "
              << fixed(megabytes(currentRssKb()), 1) << " MB now, " << fixed(megabytes(rssLoaded), 1)
              << " MB before the first pass)\n";
    rt->store->db().exec("PRAGMA wal_checkpoint(TRUNCATE)");
    std::cout << "store after the first pass: "
              << fixed(static_cast<double>(storeBytes(dir.path() / "store.db")) / 1e6, 1) << " MB\n";

    const std::string timelineId = timeOneAction(*rt, now);
    rt.reset();

    // secmailctl overdue reads a read-only store at the clock's now.
    auto ro = load(config, clock, true);
    std::vector<double> runs;
    std::size_t inProcessEntries = 0;
    std::set<std::string> lateReports;
    for (int k = 0; k < 5; ++k) {
        // As the command writes it, to a stream that discards it.
        std::ostream discard(nullptr);
        start = Steady::now();
        inProcessEntries = ctl::writeOverdue(discard, *ro, ctl::OverdueWriter::Format::Json);
        runs.push_back(since(start));
    }
    ctl::forEachOverdue(*ro, ro->clock->now(), [&](const store::DeadlineRow& d) { lateReports.insert(d.reportId); });
    auto inProcess = bestAndMedian(runs);
    std::cout << "ctl::writeOverdue (read-only store, in process, JSON discarded): best " << ms(inProcess.best)
              << ", median " << ms(inProcess.median) << " of 5; " << inProcessEntries << " overdue stages in "
              << lateReports.size() << " reports\n";
    ro.reset();

    // The binary, at the real clock (a little after the fake one).
    const std::vector<std::string> args{options.secmailctl.string(), "--config", config.string(), "overdue", "--json"};
    runCommand(args, (dir.path() / "overdue.json").string());
    const auto jsonBytes = std::filesystem::file_size(dir.path() / "overdue.json");
    std::ifstream in(dir.path() / "overdue.json");
    auto fromBinary = nlohmann::json::parse(in, nullptr, false);
    if (fromBinary.is_discarded() || !fromBinary.contains("overdue"))
        throw BenchError("secmailctl overdue --json printed no JSON object with \"overdue\"");
    const std::size_t binaryEntries = fromBinary["overdue"].size(), binaryReports = distinctReports(fromBinary);
    fromBinary = nullptr;
    // timeline of one report: what any secmailctl command costs before it reads much.
    const std::vector<std::pair<std::string, std::vector<std::string>>> commands{
        {"overdue --json", args},
        {"overdue", {args.begin(), args.end() - 1}},
        {"timeline ID (start-up cost)", {args[0], args[1], args[2], "timeline", timelineId}}};
    for (const auto& [label, command] : commands) {
        runs.clear();
        long rss = 0;
        for (int k = 0; k < 5; ++k) {
            auto s = runCommand(command, "/dev/null");
            runs.push_back(s.seconds);
            rss = std::max(rss, s.maxRssKb);
        }
        auto r = bestAndMedian(runs);
        std::cout << "secmailctl " << label << " (the binary, > /dev/null): best " << ms(r.best) << ", median "
                  << ms(r.median) << " of 5, peak RSS " << fixed(megabytes(rss), 1) << " MB";
        if (label.starts_with("overdue")) std::cout << "; target 100 ms: " << (r.best < 0.1 ? "under" : "OVER");
        std::cout << "\n";
    }
    std::cout << "  (the binary, at the real clock: " << binaryEntries << " overdue stages in " << binaryReports
              << " reports, " << fixed(static_cast<double>(jsonBytes) / 1e6, 1) << " MB of JSON)\n";
    std::cout << "peak RSS of this process (daemon start, action, overdue): " << fixed(megabytes(peakRssKb()), 1)
              << " MB\n";
    if (options.keep)
        std::cout << "kept " << dir.path().string() << " (secmaild.toml, store.db, bench.log, overdue.json)\n";
}

constexpr const char* kUsage = "usage: bench_reports [N=100000] [--keep DIR] [--secmailctl PATH] [--source-dir DIR]\n";

std::optional<Options> parseArgs(int argc, char** argv) {
    Options o;
    bool haveCount = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::optional<std::string> {
            if (i + 1 >= argc) return std::nullopt;
            return std::string(argv[++i]);
        };
        if (a == "--keep" || a == "--secmailctl" || a == "--source-dir") {
            auto v = value();
            if (!v || v->empty()) return std::nullopt;
            if (a == "--keep") o.keep = *v;
            if (a == "--secmailctl") o.secmailctl = *v;
            if (a == "--source-dir") o.sourceDir = *v;
        } else if (!haveCount && !a.empty() && a.size() <= 9 &&
                   a.find_first_not_of("0123456789") == std::string::npos && std::stoul(a) > 0) {
            o.count = std::stoul(a);
            haveCount = true;
        } else {
            return std::nullopt;
        }
    }
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    auto options = parseArgs(argc, argv);
    if (!options) {
        std::cerr << kUsage;
        return 64;
    }
    try {
        runBench(*options);
    } catch (const std::exception& e) {
        std::cerr << "bench_reports: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
