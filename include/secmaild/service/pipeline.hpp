// Processing one stored message: parse, classify, extract fields, and in one
// transaction record the verdict, file or extend the report, write the audit
// trail and queue the answer (design.md, steps 2-6; invariants 2 and 5).
// A bug while processing one message is caught here, logged, and recorded on
// that message (outcome "unreadable", flag "processing-error"), so one bad
// mail never stops the others. Store failures propagate: they end the pass.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "secmaild/service/read_ahead.hpp"
#include "secmaild/service/runtime.hpp"

namespace secmaild::service {

struct Processed {
    std::string outcome;
    std::optional<std::string> reportId;
    bool answerQueued = false;
};

// `ahead`: the message as a reader already parsed and decrypted it (read_ahead.hpp).
Processed processMessage(Runtime& runtime, std::int64_t messageId, std::optional<ReadMessage> ahead = std::nullopt);
class WorkFeed;

// Every pending message in arrival order, each once; stops early (between
// messages) when `stop` becomes true. With `stored` (fed by an intake on
// another thread), also each message stored meanwhile, until that feed
// finishes. Tells `answers` of each answer queued. Returns how many were
// processed.
int processPending(Runtime& runtime, const std::atomic<bool>* stop = nullptr, WorkFeed* answers = nullptr,
                   WorkFeed* stored = nullptr);

}  // namespace secmaild::service
