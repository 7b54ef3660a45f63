// One IMAP pass: connect once, select the mailbox, fetch every message above
// the checkpoint with BODY.PEEK[] (the server's \Seen stays as it was),
// store its raw bytes (advancing the checkpoint in the same commit), and only
// then mark it on the server (a keyword, or a move to a folder). Never
// deletes. A changed UIDVALIDITY re-reads the mailbox from the start; the
// pipeline recognises what was already answered by content.
#pragma once

#include <atomic>
#include <optional>
#include <string>

#include "secmaild/service/runtime.hpp"
#include "secmaild/service/work_feed.hpp"

namespace secmaild::service {

struct IntakeResult {
    int fetched = 0;
    int marked = 0;
    int vanished = 0;                  // listed by SEARCH but gone before FETCH
    std::optional<std::string> error;  // the pass could not finish (server unreachable, ...)
    bool reachable = true;
};

// The checkpoint key of the configured mailbox: "imap://user@host/INBOX".
std::string mailboxKey(const config::Imap& imap);

// Stores into `store` (a connection of its own when the intake runs beside
// the filing) and tells `stored` of each message stored.
IntakeResult fetchNewMail(Runtime& runtime, store::Store& store, const std::atomic<bool>* stop = nullptr,
                          WorkFeed* stored = nullptr);
inline IntakeResult fetchNewMail(Runtime& runtime, const std::atomic<bool>* stop = nullptr) {
    return fetchNewMail(runtime, *runtime.store, stop);
}

}  // namespace secmaild::service
