// The Asio loop. Passes run on a one-thread pool; their completion is posted
// back to the loop, which schedules the next one. The store is only touched
// by the pass thread (and, for scheduling, by the loop while no pass runs).
#include "secmaild/service/daemon.hpp"

#include <spdlog/spdlog.h>

#include <atomic>

#include "secmaild/service/pass.hpp"
#include "secmaild/util/asio.hpp"
#include "secmaild_build_config.hpp"

#if SECMAILD_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace secmaild::service {

namespace {

void notify(const char* state) {
#if SECMAILD_HAVE_SYSTEMD
    sd_notify(0, state);
#else
    (void)state;
#endif
}

class Daemon {
public:
    explicit Daemon(Runtime& rt) : rt_(rt), timer_(io_), signals_(io_, SIGTERM, SIGINT, SIGHUP), pool_(1) {}

    int run() {
        waitForSignal();
        schedule(std::chrono::seconds{0});
        notify("READY=1\nSTATUS=started");
        spdlog::info("daemon.started poll_interval={}s", pollInterval().count());
        io_.run();
        pool_.join();
        notify("STOPPING=1");
        spdlog::info("daemon.stopped");
        return 0;
    }

private:
    std::chrono::seconds pollInterval() const {
        return rt_.config.imap ? rt_.config.imap->pollInterval : std::chrono::seconds{60};
    }

    void waitForSignal() {
        signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
            if (ec) return;
            if (signal == SIGHUP) {
                spdlog::warn("daemon.sighup reload is not supported yet; restart secmaild to apply changes");
                waitForSignal();
                return;
            }
            spdlog::info("daemon.stopping signal={}", signal);
            stop_ = true;
            timer_.cancel();
            if (!running_) io_.stop();
        });
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
            bool ok = true;
            try {
                runPass(rt_, &stop_);
            } catch (const std::exception& e) {
                // A store or library failure ends this pass, not the daemon.
                spdlog::error("pass.failed error=\"{}\"", e.what());
                ok = false;
            }
            boost::asio::post(io_, [this, ok] { passDone(ok); });
        });
    }

    void passDone(bool ok) {
        running_ = false;
        if (stop_) {
            io_.stop();
            return;
        }
        auto delay = pollInterval();
        try {
            // The next moment anything is due: a retry, or a policy alert
            // across all open reports (not only the poll interval).
            for (auto next : {rt_.store->nextOutboxAttempt(), rt_.store->nextAlertAt()}) {
                if (!next) continue;
                auto until = std::chrono::duration_cast<std::chrono::seconds>(*next - rt_.clock->now());
                if (until < delay) delay = std::max(until, std::chrono::seconds{1});
            }
        } catch (const std::exception& e) {
            spdlog::error("daemon.schedule_failed error=\"{}\"", e.what());
        }
        if (!ok) delay = std::max(delay, std::chrono::seconds{5});
        notify("STATUS=idle");
        schedule(delay);
    }

    Runtime& rt_;
    boost::asio::io_context io_;
    boost::asio::steady_timer timer_;
    boost::asio::signal_set signals_;
    boost::asio::thread_pool pool_;
    std::atomic<bool> stop_{false};
    bool running_ = false;
};

}  // namespace

int runDaemon(Runtime& rt) {
    return Daemon(rt).run();
}

}  // namespace secmaild::service
