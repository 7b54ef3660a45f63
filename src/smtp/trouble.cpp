// SMTP failure policy. libcurl reports a refused MAIL FROM or RCPT TO as
// CURLE_SEND_ERROR and a refused end of DATA as CURLE_WEIRD_SERVER_REPLY;
// the reply code (CURLINFO_RESPONSE_CODE) says whether it was 4xx or 5xx.
#include "secmaild/smtp/trouble.hpp"

#include <curl/curl.h>

#include <algorithm>

namespace secmaild::smtp {

Classified classify(int curlCode, long replyCode, const std::string& curlMessage) {
    auto code = static_cast<CURLcode>(curlCode);
    std::string reason = curlMessage;
    if (replyCode > 0) reason += " (server reply " + std::to_string(replyCode) + ")";
    if (code == CURLE_OK) return {Verdict::Sent, false, ""};
    switch (code) {
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_CONNECT:
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_USE_SSL_FAILED:
        case CURLE_LOGIN_DENIED:
        case CURLE_GOT_NOTHING:
            // Nothing will get through until the server or our settings change.
            return {Verdict::Transient, true, reason};
        default:
            break;
    }
    if (replyCode >= 500 && replyCode < 600) return {Verdict::Permanent, false, reason};
    if (replyCode >= 400 && replyCode < 500) return {Verdict::Transient, replyCode == 421, reason};
    // A dropped connection or an unexpected reply without a code: try again.
    return {Verdict::Transient, true, reason};
}

std::chrono::seconds backoff(int attemptsSoFar, std::chrono::seconds base, std::chrono::seconds max) {
    auto delay = base;
    for (int i = 0; i < attemptsSoFar && delay < max; ++i) {
        if (delay > max / 2) return max;  // doubling would pass max (or overflow)
        delay *= 2;
    }
    return std::min(delay, max);
}

}  // namespace secmaild::smtp
