// A pass: intake, then filing and sending side by side — answers go out on a
// second thread (with its own store connection) while later messages are
// still being filed, so SMTP round trips overlap the CPU work. Messages
// already stored are processed and answered even when the IMAP server cannot
// be reached this time.
#include "secmaild/service/pass.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "secmaild/service/key_health.hpp"
#include "secmaild/service/pipeline.hpp"

#include <exception>
#include <thread>

namespace secmaild::service {

PassResult runPass(Runtime& rt, const std::atomic<bool>* stop) {
    PassResult r;
    r.intake = fetchNewMail(rt, stop);
    if (stop && stop->load()) return r;
    // Before filing: the sender below picks the escalation mails up with the answers.
    r.escalations = runEscalations(rt, rt.clock->now());
    r.keyNotices = noticeKeyHealth(rt, rt.clock->now());
    if (!rt.senderStore) {
        r.processed = processPending(rt, stop);
        r.outbox = drainOutbox(rt, stop);
    } else {
        AnswerFeed feed;
        std::exception_ptr senderFailure;
        std::thread sender([&] {
            try {
                r.outbox = drainOutbox(rt, *rt.senderStore, stop, &feed);
            } catch (...) {
                senderFailure = std::current_exception();
            }
        });
        try {
            r.processed = processPending(rt, stop, &feed);
        } catch (...) {
            feed.finished();
            sender.join();
            throw;
        }
        feed.finished();
        sender.join();
        if (senderFailure) std::rethrow_exception(senderFailure);
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
