// Tests for the SMTP retry policy (smtp/trouble.hpp): which libcurl results
// and reply codes mean "sent", "try again" or "give up", whether the whole
// connection is affected, and the capped exponential backoff.
#include <doctest/doctest.h>

#include <curl/curl.h>

#include <chrono>
#include <string>

#include "secmaild/smtp/trouble.hpp"

using namespace secmaild::smtp;
using std::chrono::seconds;

TEST_SUITE("smtp trouble") {
    TEST_CASE("CURLE_OK with 250 is Sent, with no reason") {
        auto c = classify(CURLE_OK, 250, "");
        CHECK(c.verdict == Verdict::Sent);
        CHECK_FALSE(c.connectionLevel);
        CHECK(c.reason.empty());
    }

    TEST_CASE("a 5xx refusal is Permanent for this message only") {
        for (long reply : {550L, 551L, 553L, 554L}) {
            CAPTURE(reply);
            auto c = classify(CURLE_SEND_ERROR, reply, "RCPT failed");
            CHECK(c.verdict == Verdict::Permanent);
            CHECK_FALSE(c.connectionLevel);
            CHECK(c.reason.find(std::to_string(reply)) != std::string::npos);
            CHECK(c.reason.find("RCPT failed") != std::string::npos);
        }
        // A refused end of DATA arrives as a weird server reply.
        CHECK(classify(CURLE_WEIRD_SERVER_REPLY, 554, "").verdict == Verdict::Permanent);
    }

    TEST_CASE("a 4xx refusal is Transient; only 421 concerns the connection") {
        auto c421 = classify(CURLE_SEND_ERROR, 421, "service not available");
        CHECK(c421.verdict == Verdict::Transient);
        CHECK(c421.connectionLevel);
        for (long reply : {450L, 451L, 452L}) {
            CAPTURE(reply);
            auto c = classify(CURLE_SEND_ERROR, reply, "try later");
            CHECK(c.verdict == Verdict::Transient);
            CHECK_FALSE(c.connectionLevel);
            CHECK(c.reason.find(std::to_string(reply)) != std::string::npos);
        }
    }

    TEST_CASE("connection, timeout and login failures are Transient and connection-level") {
        for (int code :
             {CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_OPERATION_TIMEDOUT, CURLE_LOGIN_DENIED,
              CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_GOT_NOTHING}) {
            CAPTURE(code);
            auto c = classify(code, 0, "some curl text");
            CHECK(c.verdict == Verdict::Transient);
            CHECK(c.connectionLevel);
            CHECK(c.reason.find("some curl text") != std::string::npos);
        }
        // A 535 with CURLE_LOGIN_DENIED is our settings, not the message: never Permanent.
        auto login = classify(CURLE_LOGIN_DENIED, 535, "Login denied");
        CHECK(login.verdict == Verdict::Transient);
        CHECK(login.connectionLevel);
    }

    TEST_CASE("a failure without a reply code is Transient") {
        for (int code : {CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_WEIRD_SERVER_REPLY}) {
            CAPTURE(code);
            auto c = classify(code, 0, "connection reset");
            CHECK(c.verdict == Verdict::Transient);
            CHECK(c.connectionLevel);
        }
    }

    TEST_CASE("backoff doubles from base and stops at max") {
        const seconds base{60}, max{3600};
        CHECK(backoff(0, base, max) == seconds{60});
        CHECK(backoff(1, base, max) == seconds{120});
        CHECK(backoff(2, base, max) == seconds{240});
        CHECK(backoff(5, base, max) == seconds{1920});
        CHECK(backoff(6, base, max) == seconds{3600});  // 3840 capped
        CHECK(backoff(7, base, max) == seconds{3600});
        CHECK(backoff(1000000, base, max) == seconds{3600});
    }

    TEST_CASE("backoff is never more than max, even when base is") {
        CHECK(backoff(0, seconds{7200}, seconds{3600}) == seconds{3600});
    }

    TEST_CASE("backoff with base 0 stays 0") {
        CHECK(backoff(0, seconds{0}, seconds{3600}) == seconds{0});
        CHECK(backoff(10, seconds{0}, seconds{3600}) == seconds{0});
    }

    TEST_CASE("backoff is monotonic and never negative, even with an unbounded max") {
        // Regression (trouble.cpp, backoff, fixed): the doubling stops only at `max`; with a
        // max near seconds::max() the delay overflows (signed overflow, UB) after
        // ~62 doublings and comes out 0 or negative: retry at once, forever.
        const seconds base{1}, max = seconds::max();
        seconds previous{0};
        for (int attempt = 0; attempt < 80; ++attempt) {
            CAPTURE(attempt);
            auto d = backoff(attempt, base, max);
            CHECK(d >= previous);
            CHECK(d > seconds{0});
            previous = d;
        }
    }

}  // TEST_SUITE
