// A pass: intake, then filing and sending side by side — answers go out on a
// second thread (with its own store connection) while later messages are
// still being filed, so SMTP round trips overlap the CPU work. Messages
// already stored are processed and answered even when the IMAP server cannot
// be reached this time.
#include "secmaild/service/pass.hpp"

#include <spdlog/spdlog.h>

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
    return r;
}

}  // namespace secmaild::service
