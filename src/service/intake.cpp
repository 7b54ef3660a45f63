// The IMAP intake pass (see intake.hpp). Marking failures are logged and
// retried on the next pass (stored-but-unmarked messages are marked first);
// they never cost a message.
#include "secmaild/service/intake.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "secmaild/imap/session.hpp"

namespace secmaild::service {

std::string mailboxKey(const config::Imap& imap) {
    auto scheme = imap.url.substr(0, imap.url.find("://"));
    auto rest = imap.url.substr(scheme.size() + 3);
    auto authority = rest.substr(0, rest.find('/'));
    return scheme + "://" + imap.user + "@" + authority + "/" + imap.mailbox;
}

namespace {

class Intake {
public:
    Intake(Runtime& rt, store::Store& store, const std::atomic<bool>* stop, WorkFeed* stored)
        : rt_(rt), store_(store), imap_(*rt.config.imap), stop_(stop), stored_(stored) {}

    IntakeResult run() {
        imap::TransportError error{imap::Failure::Protocol, ""};
        auto transport = imap::CurlTransport::connect(imap_, *rt_.imapPassword, error);
        if (!transport) {
            result_.reachable = false;
            result_.error =
                "IMAP " + imap_.url + ": " + std::string(imap::failureName(error.kind)) + ": " + error.message;
            spdlog::error("imap.connect_failed url={} kind={} error=\"{}\"", imap_.url, imap::failureName(error.kind),
                          error.message);
            return result_;
        }
        auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(imap_.timeout);
        imap::ReaderLimits limits;
        limits.maxLiteralBytes = rt_.config.limits.maxMessageBytes + 1024;
        imap::Session session(*transport, timeout, limits);
        pass(session);
        session.logout();
        return result_;
    }

private:
    bool failed(const std::optional<imap::CommandError>& e, const std::string& what) {
        result_.error = "IMAP " + what + ": " + e->message;
        spdlog::error("imap.command_failed what=\"{}\" error=\"{}\"", what, e->message);
        return false;
    }

    void pass(imap::Session& session) {
        if (imap_.mark == config::MarkMode::Move) {
            auto caps = session.capability();
            if (!caps.ok()) return (void)failed(caps.error, "CAPABILITY");
            if (!caps.value->count("MOVE")) {
                result_.error = "the IMAP server does not support MOVE; set imap.mark = \"keyword\"";
                spdlog::error("imap.no_move url={}", imap_.url);
                return;
            }
            auto folder = session.ensureFolder(imap_.moveTo);
            if (!folder.ok()) return (void)failed(folder.error, "creating folder " + imap_.moveTo);
        }
        auto selected = session.select(imap_.mailbox);
        if (!selected.ok()) return (void)failed(selected.error, "SELECT " + imap_.mailbox);
        const std::string key = mailboxKey(imap_);
        const auto validity = selected.value->uidValidity;
        auto state = store_.mailboxState(key);
        std::int64_t last = 0;
        if (state && state->uidValidity == validity) {
            last = state->lastUid;
        } else {
            if (state) {
                spdlog::warn("imap.uidvalidity_changed mailbox={} old={} new={}", key, state->uidValidity, validity);
                store_.audit(rt_.clock->now(), std::nullopt, std::nullopt, "secmaild", "mailbox.uidvalidity_changed",
                             nlohmann::json{{"mailbox", key}, {"old", state->uidValidity}, {"new", validity}}.dump());
            }
            store_.setMailboxState({key, validity, 0}, rt_.clock->now());
        }
        // Messages stored by an earlier pass that stopped before marking them.
        std::vector<Stored> earlier;
        for (const auto& m : store_.unmarkedMessages(key, validity)) earlier.push_back({m.id, *m.uid});
        if (!earlier.empty()) {
            store_.makeDurable(rt_.clock->now());
            if (!mark(session, earlier)) return;
        }
        auto uids = session.searchUidsAfter(last);
        if (!uids.ok()) return (void)failed(uids.error, "UID SEARCH");
        // Fetch and store a batch, make it durable, then mark it on the server
        // with one command: one fsync and one round trip per batch, not per message.
        std::vector<Stored> batch;
        std::uint64_t batchBytes = 0;
        for (auto uid : *uids.value) {
            if (stop_ && stop_->load()) break;
            auto fetched = session.fetch(uid, rt_.config.limits.maxMessageBytes);
            if (!fetched.ok()) {
                if (fetched.error->connectionLost) {
                    finishBatch(session, batch);
                    return (void)failed(fetched.error, "UID FETCH");
                }
                ++result_.vanished;
                spdlog::warn("imap.message_vanished uid={} error=\"{}\"", uid, fetched.error->message);
                continue;
            }
            store::IncomingMessage m;
            auto now = rt_.clock->now();
            // Receipt is when the server got it, but never in the future.
            m.receivedAt = fetched.value->internalDate ? std::min(*fetched.value->internalDate, now) : now;
            m.source = "imap";
            m.mailbox = key;
            m.uidValidity = validity;
            m.uid = uid;
            m.raw = std::move(fetched.value->raw);
            m.truncated = fetched.value->truncated;
            auto id = store_.storeIncoming(m, now);
            ++result_.fetched;
            spdlog::info("message.stored id={} uid={} size={}{}", id, uid, m.raw.size(),
                         m.truncated ? " truncated=yes" : "");
            if (stored_) stored_->added();
            batch.push_back({id, uid});
            batchBytes += m.raw.size();
            if (batch.size() >= static_cast<std::size_t>(imap_.fetchBatch) || batchBytes >= kBatchBytes) {
                if (!finishBatch(session, batch)) return;
                batchBytes = 0;
            }
        }
        finishBatch(session, batch);
    }

    struct Stored {
        std::int64_t id;
        std::int64_t uid;
    };
    static constexpr std::uint64_t kBatchBytes = 16u << 20;

    // Durable first, then marked: the server never learns of a message the
    // store could still lose.
    bool finishBatch(imap::Session& session, std::vector<Stored>& batch) {
        if (batch.empty()) return true;
        store_.makeDurable(rt_.clock->now());
        bool ok = mark(session, batch);
        batch.clear();
        return ok;
    }

    // Returns false when the connection is gone.
    bool mark(imap::Session& session, const std::vector<Stored>& messages) {
        std::vector<std::int64_t> uids, ids;
        for (const auto& m : messages) {
            uids.push_back(m.uid);
            ids.push_back(m.id);
        }
        auto done = imap_.mark == config::MarkMode::Move ? session.move(uids, imap_.moveTo)
                                                         : session.addKeyword(uids, imap_.keyword);
        if (!done.ok()) {
            spdlog::warn("imap.mark_failed uids={} error=\"{}\"", imap::uidSet(uids), done.error->message);
            if (done.error->connectionLost) return false;
            if (!done.error->refused && imap_.mark == config::MarkMode::Move) {
                // OK but nothing moved: gone from the mailbox (moved or deleted
                // by someone else), so nothing is left to mark. A refusal (NO,
                // e.g. over quota) is retried on the next pass.
                store_.setServerMarked(ids);
            }
            return true;
        }
        store_.setServerMarked(ids);
        result_.marked += static_cast<int>(ids.size());
        return true;
    }

    Runtime& rt_;
    store::Store& store_;
    const config::Imap& imap_;
    const std::atomic<bool>* stop_;
    WorkFeed* stored_;
    IntakeResult result_;
};

}  // namespace

IntakeResult fetchNewMail(Runtime& rt, store::Store& store, const std::atomic<bool>* stop, WorkFeed* stored) {
    if (!rt.config.imap) return {};
    return Intake(rt, store, stop, stored).run();
}

}  // namespace secmaild::service
