// Every "retry or give up" decision for outgoing mail, in one place (after
// Postfix's smtp_trouble.c): what a libcurl result and the server's reply
// code mean, and when the next attempt is due.
#pragma once

#include <chrono>
#include <string>

namespace secmaild::smtp {

enum class Verdict {
    Sent,
    Transient,  // try again later: the server is down, busy, or said 4xx
    Permanent,  // the server refused this mail for good (5xx): record, do not retry
};

struct Classified {
    Verdict verdict;
    bool connectionLevel;  // nothing after this can succeed on this connection now
    std::string reason;
};

// `curlCode` is a CURLcode, `replyCode` the last SMTP reply code (0 if none).
Classified classify(int curlCode, long replyCode, const std::string& curlMessage);

// Capped exponential backoff: base, 2*base, 4*base ... at most `max`.
std::chrono::seconds backoff(int attemptsSoFar, std::chrono::seconds base, std::chrono::seconds max);

}  // namespace secmaild::smtp
