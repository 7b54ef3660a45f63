// The Asio loop. Passes run on a one-thread pool; their completion is posted
// back to the loop, which schedules the next one. The store is only touched
// by the pass thread (and, for scheduling, status and metrics, by the loop
// while no pass runs). Everything systemd hears (READY, RELOADING, STOPPING,
// STATUS, WATCHDOG) is sent from the loop, so a stuck loop stops the
// watchdog pings and systemd restarts it.
#include "secmaild/service/daemon.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdint>
#include <string>

#include "secmaild/ctl/deadlines.hpp"
#include "secmaild/ctl/status.hpp"
#include "secmaild/service/pass.hpp"
#include "secmaild/util/asio.hpp"
#include "secmaild_build_config.hpp"

#if SECMAILD_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace secmaild::service {

namespace {

void notify(const std::string& state) {
#if SECMAILD_HAVE_SYSTEMD
    sd_notify(0, state.c_str());
#else
    (void)state;
#endif
}

// Half the WatchdogSec= systemd set for us, as sd_watchdog_enabled(3) advises; zero: none.
std::chrono::microseconds watchdogInterval() {
#if SECMAILD_HAVE_SYSTEMD
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) return std::chrono::microseconds{usec / 2};
#endif
    return std::chrono::microseconds{0};
}

// "3h 12m", "45s": how long until a deadline, for STATUS=.
std::string shortSpan(std::chrono::seconds s) {
    const auto n = s.count();
    if (n >= 86400) return std::to_string(n / 86400) + "d " + std::to_string(n % 86400 / 3600) + "h";
    if (n >= 3600) return std::to_string(n / 3600) + "h " + std::to_string(n % 3600 / 60) + "m";
    if (n >= 60) return std::to_string(n / 60) + "m";
    return std::to_string(n) + "s";
}

class Daemon {
public:
    Daemon(std::unique_ptr<Runtime>& rt, const Reloader& reload, const Preparer& prepare)
        : rt_(rt),
          reload_(reload),
          prepare_(prepare),
          timer_(io_),
          watchdog_(io_),
          signals_(io_, SIGTERM, SIGINT, SIGHUP),
          pool_(1) {}

    int run() {
        waitForSignal();
        schedule(std::chrono::seconds{0});
        if (auto interval = watchdogInterval(); interval.count() > 0) {
            spdlog::info("daemon.watchdog interval={}ms", interval.count() / 1000);
            pingWatchdog(interval);
        }
        // The config is loaded, the store open and the first pass scheduled.
        notify("READY=1\nSTATUS=started, first pass under way");
        spdlog::info("daemon.started poll_interval={}s", pollInterval().count());
        io_.run();
        pool_.join();
        notify("STOPPING=1\nSTATUS=stopped");
        spdlog::info("daemon.stopped");
        return 0;
    }

private:
    std::chrono::seconds pollInterval() const {
        return rt_->config.imap ? rt_->config.imap->pollInterval : std::chrono::seconds{60};
    }

    void pingWatchdog(std::chrono::microseconds interval) {
        notify("WATCHDOG=1");
        watchdog_.expires_after(interval);
        watchdog_.async_wait([this, interval](const boost::system::error_code& ec) {
            if (!ec) pingWatchdog(interval);
        });
    }

    void waitForSignal() {
        signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
            if (ec) return;
            if (signal == SIGHUP) {
                spdlog::info("daemon.reload_requested");
                if (running_)
                    reloadPending_ = true;  // between passes: the runtime is in use now
                else
                    (void)reload();
                waitForSignal();
                return;
            }
            spdlog::info("daemon.stopping signal={}", signal);
            notify("STOPPING=1\nSTATUS=stopping: finishing the message in hand");
            stop_ = true;
            timer_.cancel();
            watchdog_.cancel();
            if (!running_) io_.stop();
        });
    }

    // Replaces the runtime by one freshly loaded from the config file; a
    // reload with any problem keeps the running one and says why.
    // Returns true when the new runtime took over (a pass is then scheduled).
    bool reload() {
        reloadPending_ = false;
        notify("RELOADING=1\nSTATUS=reloading the configuration");
        Loaded loaded;
        try {
            loaded = reload_(*rt_);
        } catch (const std::exception& e) {
            loaded.problems.push_back({rt_->config.file.string(), "", e.what()});
        }
        if (!loaded.problems.empty() || !loaded.runtime) {
            for (const auto& p : loaded.problems) spdlog::error("daemon.reload_failed {}", config::describe(p));
            const std::string first = loaded.problems.empty() ? "" : config::describe(loaded.problems.front());
            notify("READY=1\nSTATUS=reload failed, still running the previous configuration: " + first);
            return false;
        }
        try {
            prepare_(*loaded.runtime);
        } catch (const std::exception& e) {
            spdlog::error("daemon.reload_failed {}: {}", rt_->config.file.string(), e.what());
            notify(std::string("READY=1\nSTATUS=reload failed, still running the previous configuration: ") + e.what());
            return false;
        }
        rt_ = std::move(loaded.runtime);
        spdlog::info("daemon.reloaded config={} policy=\"{}\"", rt_->config.file.string(), rt_->policy.name);
        notify("READY=1\nSTATUS=reloaded");
        timer_.cancel();
        schedule(std::chrono::seconds{0});
        return true;
    }

    void schedule(std::chrono::seconds delay) {
        if (stop_) return;
        timer_.expires_after(delay);
        timer_.async_wait([this](const boost::system::error_code& ec) {
            if (ec || stop_) return;
            startPass();
        });
    }

    void startPass() {
        running_ = true;
        notify("STATUS=running a pass");
        boost::asio::post(pool_, [this] {
            PassResult result;
            bool ok = true;
            try {
                result = runPass(*rt_, &stop_);
            } catch (const std::exception& e) {
                // A store or library failure ends this pass, not the daemon.
                spdlog::error("pass.failed error=\"{}\"", e.what());
                ok = false;
            }
            boost::asio::post(io_, [this, ok, result] { passDone(ok, result); });
        });
    }

    void passDone(bool ok, const PassResult& result) {
        running_ = false;
        if (stop_) {
            io_.stop();
            return;
        }
        if (reloadPending_ && reload()) return;  // a pass with the new runtime is scheduled
        auto delay = pollInterval();
        try {
            // The next moment anything is due: a retry, or a policy alert
            // across all open reports (not only the poll interval).
            for (auto next : {rt_->store->nextOutboxAttempt(), rt_->store->nextAlertAt()}) {
                if (!next) continue;
                auto until = std::chrono::duration_cast<std::chrono::seconds>(*next - rt_->clock->now());
                if (until < delay) delay = std::max(until, std::chrono::seconds{1});
            }
        } catch (const std::exception& e) {
            spdlog::error("daemon.schedule_failed error=\"{}\"", e.what());
        }
        if (!ok) delay = std::max(delay, std::chrono::seconds{5});
        // One walk over the open deadlines for both (about 80 ms at 100,000 open reports).
        std::optional<ctl::OverdueCount> overdue;
        try {
            overdue = ctl::countOverdue(*rt_, rt_->clock->now());
        } catch (const std::exception& e) {
            spdlog::error("daemon.status_failed error=\"{}\"", e.what());
        }
        notify("STATUS=" + statusLine(ok, result, overdue));
        if (overdue) writeMetrics(*overdue);
        schedule(delay);
    }

    // "idle; last pass fetched 2, sent 2; 3 stages overdue; next deadline
    // SEC-2026-0004 assessment in 3h 12m" (systemctl status shows it).
    std::string statusLine(bool ok, const PassResult& r, const std::optional<ctl::OverdueCount>& overdue) {
        std::string line = "idle; ";
        if (!ok)
            line += "last pass FAILED (see the journal)";
        else if (r.intake.error)
            line += "mailbox NOT reachable: " + *r.intake.error;
        else
            line += "last pass fetched " + std::to_string(r.intake.fetched) + ", sent " + std::to_string(r.outbox.sent);
        if (r.outbox.connectionError) line += "; SMTP NOT reachable";
        try {
            const auto now = rt_->clock->now();
            if (overdue && overdue->stages > 0) line += "; " + std::to_string(overdue->stages) + " stages overdue";
            if (auto next = ctl::nextDeadline(*rt_, now))
                line += "; next deadline " + next->reportId + " " + next->stage + " in " + shortSpan(next->dueAt - now);
        } catch (const std::exception& e) {
            spdlog::error("daemon.status_failed error=\"{}\"", e.what());
        }
        return line;
    }

    void writeMetrics(const ctl::OverdueCount& overdue) {
        if (rt_->config.metricsFile.empty()) return;
        try {
            ctl::writeFileAtomically(rt_->config.metricsFile, ctl::metricsText(*rt_, overdue));
        } catch (const std::exception& e) {
            spdlog::error("metrics.write_failed file={} error=\"{}\"", rt_->config.metricsFile.string(), e.what());
        }
    }

    std::unique_ptr<Runtime>& rt_;
    const Reloader& reload_;
    const Preparer& prepare_;
    boost::asio::io_context io_;
    boost::asio::steady_timer timer_;
    boost::asio::steady_timer watchdog_;
    boost::asio::signal_set signals_;
    boost::asio::thread_pool pool_;
    std::atomic<bool> stop_{false};
    bool running_ = false;
    bool reloadPending_ = false;
};

}  // namespace

int runDaemon(std::unique_ptr<Runtime>& rt, const Reloader& reload, const Preparer& prepare) {
    return Daemon(rt, reload, prepare).run();
}

}  // namespace secmaild::service
