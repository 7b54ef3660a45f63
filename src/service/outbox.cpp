// The outbox drain (see outbox.hpp). Each result is committed before the next
// mail is sent, so a crash can at worst resend the one mail in flight.
#include "secmaild/service/outbox.hpp"

#include <shared_mutex>

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "secmaild/pgp/protect.hpp"
#include "secmaild/service/protect_ahead.hpp"
#include "secmaild/smtp/client.hpp"

namespace secmaild::service {

namespace {

// Durable: once a mail is out, its record must survive even a power loss,
// or a restart would send it again (invariant 2).
void recordSent(Runtime& rt, store::Store& store, const store::OutboxItem& item, TimePoint now) {
    store::Transaction tx(store.db(), store::Transaction::Sync::Durable);
    store.markSent(item.id, now);
    if (item.reportId) {
        store.audit(now, item.reportId, item.inReplyTo, "secmaild", "answer.sent",
                    nlohmann::json{{"kind", item.kind}, {"message_id", item.messageId}}.dump());
        if (item.kind == "acknowledgment" && rt.policy.autoAckCompletes) {
            for (const auto& stage : rt.policy.stages) {
                if (stage.completedBy != "ack") continue;
                store.completeStage(*item.reportId, stage.name, now, "secmaild (automatic acknowledgment)");
                store.audit(now, item.reportId, item.inReplyTo, "secmaild", "stage.completed",
                            nlohmann::json{{"stage", stage.name}, {"by", "automatic acknowledgment"}}.dump());
            }
            auto report = store.report(*item.reportId);
            if (report && report->state == "new") store.setReportState(*item.reportId, "acknowledged", now);
        }
    }
    tx.commit();
}

void recordFailed(store::Store& store, const store::OutboxItem& item, TimePoint now, const std::string& reason) {
    store::Transaction tx(store.db());
    store.markFailed(item.id, now, reason);
    if (item.reportId)
        store.audit(now, item.reportId, item.inReplyTo, "secmaild", "answer.failed",
                    nlohmann::json{{"kind", item.kind}, {"error", reason}}.dump(
                        -1, ' ', false, nlohmann::json::error_handler_t::replace));
    tx.commit();
}

// Gives claimed but unsent items back, due at `when` (now by default).
void releaseClaims(store::Store& store, const std::vector<store::OutboxItem>& items, std::size_t from, TimePoint when) {
    if (from >= items.size()) return;
    store::Transaction tx(store.db());
    for (std::size_t i = from; i < items.size(); ++i) store.releaseOutbox(items[i].id, when);
    tx.commit();
}

// The mail as it leaves: the queued text with the OpenPGP protection it was
// queued with. Never falls back to clear text when protection fails.
Result<std::string> protectForSending(Runtime& rt, const store::OutboxItem& item) {
    auto protection = pgp::protectionFromJson(item.protection);
    if (!protection.any()) return item.raw;
    if (!rt.openpgp || !rt.openpgp->senderGpg)
        return fail("the answer is to be signed or encrypted but OpenPGP is not set up ([gpg])");
    std::shared_lock keyring(*rt.openpgp->keyringLock);
    return pgp::protectMail(item.raw, protection, *rt.openpgp->senderGpg);
}

}  // namespace

DrainResult drainOutbox(Runtime& rt, store::Store& store, const std::atomic<bool>* stop, WorkFeed* answers) {
    DrainResult result;
    const auto& settings = rt.config.smtp;
    std::optional<smtp::Client> client;  // connects on the first mail, then is reused
    for (;;) {
        if (stop && stop->load()) break;
        // Read before looking: an answer queued after this still gets a turn.
        bool lastRound = !answers || answers->isFinished();
        const auto start = rt.clock->now();
        if (!store.hasDueOutbox(start)) {
            if (lastRound) break;
            answers->wait(std::chrono::milliseconds{200});
            continue;
        }
        // The reports these answers belong to must be on disk before any answer
        // leaves, or a power loss could file and answer them a second time.
        store.makeDurable(start);
        // Claimed for the length of the batch: another process (secmailctl ingest
        // beside the daemon) leaves them alone; a crash lets them retry later.
        auto lease = start + (settings.timeout + std::chrono::seconds{5}) * 2 + std::chrono::minutes{5};
        auto due = store.claimDueOutbox(start, lease);
        if (!client) client.emplace(settings, rt.smtpPassword ? &*rt.smtpPassword : nullptr);
        ProtectAhead ahead(rt, due);
        for (std::size_t i = 0; i < due.size(); ++i) {
            const auto& item = due[i];
            if (stop && stop->load()) {
                releaseClaims(store, due, i, rt.clock->now());
                return result;
            }
            // Signed and encrypted ahead by the signer workers, or here by the
            // sending thread's own GPGME context: either way beside message processing.
            auto ready = ahead.take(i);
            auto wire = ready ? std::move(*ready) : protectForSending(rt, item);
            if (!wire) {
                auto now = rt.clock->now();
                if (now - item.createdAt >= settings.giveUpAfter) {
                    recordFailed(store, item, now, wire.error().message);
                    ++result.failed;
                } else {
                    store.markDeferred(item.id, now + smtp::backoff(item.attempts, settings.retryBase, settings.retryMax),
                                       wire.error().message);
                    ++result.deferred;
                }
                spdlog::error("answer.protect_failed id={} report={} error=\"{}\"", item.id,
                              item.reportId.value_or("-"), wire.error().message);
                continue;
            }
            auto outcome = client->send({item.envelopeFrom, item.recipient}, *wire);
            auto now = rt.clock->now();
            switch (outcome.verdict) {
                case smtp::Verdict::Sent:
                    recordSent(rt, store, item, now);
                    ++result.sent;
                    spdlog::info("answer.sent id={} report={} kind={}", item.id, item.reportId.value_or("-"),
                                 item.kind);
                    break;
                case smtp::Verdict::Permanent:
                    recordFailed(store, item, now, outcome.reason);
                    ++result.failed;
                    spdlog::error("answer.refused id={} report={} error=\"{}\"", item.id, item.reportId.value_or("-"),
                                  outcome.reason);
                    break;
                case smtp::Verdict::Transient:
                    if (now - item.createdAt >= settings.giveUpAfter) {
                        recordFailed(
                            store, item, now,
                            "gave up after " + std::to_string(item.attempts + 1) + " attempts: " + outcome.reason);
                        ++result.failed;
                        spdlog::error("answer.expired id={} report={} error=\"{}\"", item.id,
                                      item.reportId.value_or("-"), outcome.reason);
                    } else {
                        auto next = now + smtp::backoff(item.attempts, settings.retryBase, settings.retryMax);
                        store.markDeferred(item.id, next, outcome.reason);
                        ++result.deferred;
                        spdlog::warn("answer.deferred id={} report={} attempt={} error=\"{}\"", item.id,
                                     item.reportId.value_or("-"), item.attempts + 1, outcome.reason);
                    }
                    break;
            }
            if (outcome.verdict == smtp::Verdict::Transient && outcome.connectionLevel) {
                // The server is not there: the rest wait for the same retry time,
                // and this pass sends nothing more.
                result.connectionError = "SMTP " + settings.url + ": " + outcome.reason;
                releaseClaims(store, due, i + 1,
                              rt.clock->now() + smtp::backoff(item.attempts, settings.retryBase, settings.retryMax));
                return result;
            }
        }
    }
    return result;
}

}  // namespace secmaild::service
