// A pass: intake, filing and sending side by side. The intake stores new mail
// on its own thread (and store connection) while the filing works through
// what is stored, in arrival order; answers go out on a third thread while
// later messages are still being filed, so IMAP and SMTP round trips overlap
// the CPU work. Messages already stored are processed and answered even when
// the IMAP server cannot be reached this time.
#include "secmaild/service/pass.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "secmaild/service/key_health.hpp"
#include "secmaild/service/pipeline.hpp"
#include "secmaild/service/work_feed.hpp"

#include <exception>
#include <functional>
#include <thread>

namespace secmaild::service {

namespace {

// Runs `work` on a thread of its own. When the work ends, returning or
// throwing, `feed` is finished, so whoever waits on it stops waiting; join()
// rethrows what the work threw.
class Beside {
public:
    Beside(std::function<void()> work, WorkFeed* feed = nullptr)
        : feed_(feed), thread_([this, work = std::move(work)] {
              try {
                  work();
              } catch (...) {
                  failure_ = std::current_exception();
              }
              if (feed_) feed_->finished();
          }) {}
    ~Beside() {
        if (thread_.joinable()) thread_.join();
    }
    Beside(const Beside&) = delete;
    Beside& operator=(const Beside&) = delete;
    void join() {
        thread_.join();
        if (failure_) std::rethrow_exception(failure_);
    }

private:
    WorkFeed* feed_;
    std::exception_ptr failure_;
    std::thread thread_;
};

}  // namespace

PassResult runPass(Runtime& rt, const std::atomic<bool>* stop) {
    PassResult r;
    if (!rt.senderStore || !rt.intakeStore) {
        r.intake = fetchNewMail(rt, stop);
        if (stop && stop->load()) return r;
        r.escalations = runEscalations(rt, rt.clock->now());
        r.keyNotices = noticeKeyHealth(rt, rt.clock->now());
        r.processed = processPending(rt, stop);
        r.outbox = drainOutbox(rt, stop);
    } else {
        WorkFeed stored, answers;
        Beside intake([&] { r.intake = fetchNewMail(rt, *rt.intakeStore, stop, &stored); }, &stored);
        Beside sender([&] { r.outbox = drainOutbox(rt, *rt.senderStore, stop, &answers); });
        try {
            // The sender picks the escalation mails up with the answers.
            r.escalations = runEscalations(rt, rt.clock->now());
            r.keyNotices = noticeKeyHealth(rt, rt.clock->now());
            r.processed = processPending(rt, stop, &answers, &stored);
        } catch (...) {
            answers.finished();
            throw;  // ~Beside joins both
        }
        answers.finished();
        intake.join();
        sender.join();
    }
    spdlog::info("pass.done fetched={} processed={} alerts={} sent={} deferred={} failed={}{}", r.intake.fetched,
                 r.processed, r.escalations.alertsQueued, r.outbox.sent, r.outbox.deferred, r.outbox.failed,
                 r.serverUnreachable() ? " unreachable=yes" : "");
    recordPass(rt, r, rt.clock->now());
    return r;
}

void recordPass(Runtime& rt, const PassResult& r, TimePoint at) {
    nlohmann::json pass{{"fetched", r.intake.fetched},
                        {"processed", r.processed},
                        {"alerts_queued", r.escalations.alertsQueued},
                        {"sent", r.outbox.sent},
                        {"deferred", r.outbox.deferred},
                        {"failed", r.outbox.failed},
                        {"imap_error", r.intake.error ? nlohmann::json(*r.intake.error) : nlohmann::json(nullptr)},
                        {"smtp_error", r.outbox.connectionError ? nlohmann::json(*r.outbox.connectionError)
                                                                : nlohmann::json(nullptr)}};
    store::Transaction tx(rt.store->db());
    rt.store->setServiceStatus("last_pass", pass.dump(), at);
    if (rt.config.imap && !r.intake.error)
        rt.store->setServiceStatus("mailbox_ok", nlohmann::json{{"mailbox", mailboxKey(*rt.config.imap)}}.dump(), at);
    if (r.outbox.sent > 0) rt.store->setServiceStatus("last_send", "{}", at);
    tx.commit();
}

}  // namespace secmaild::service
