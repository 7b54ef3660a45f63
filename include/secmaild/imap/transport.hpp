// The byte pipe under an IMAP session. CurlTransport lets libcurl do what it
// does well — connect, TLS (implicit or STARTTLS, verified), CAPABILITY and
// SASL login — with CURLOPT_CONNECT_ONLY, then hands us the authenticated
// connection: libcurl's own IMAP commands fetch with BODY[] (which sets
// \Seen) and cannot read literals in custom commands safely
// (libraries.md §6, 5-6), so the commands after login are ours (session.hpp).
// Tests use a scripted Transport instead.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "secmaild/config/config.hpp"
#include "secmaild/util/result.hpp"
#include "secmaild/util/secret.hpp"

namespace secmaild::imap {

// Why a connection failed, for the retry decision and the log.
enum class Failure { Unreachable, TlsFailed, AuthRefused, Protocol, Timeout, Closed };
std::string_view failureName(Failure f);

struct TransportError {
    Failure kind;
    std::string message;
};

class Transport {
public:
    virtual ~Transport() = default;
    // Sends all of `bytes` within the timeout.
    virtual Status send(std::string_view bytes, std::chrono::milliseconds timeout) = 0;
    // Some bytes (at least one), waiting at most `timeout`.
    virtual Result<std::string> receive(std::chrono::milliseconds timeout) = 0;
    // The kind of the last failure (Closed, Timeout, ...).
    virtual Failure lastFailure() const = 0;
};

class CurlTransport final : public Transport {
public:
    // Connects and logs in. The password is only handed to libcurl.
    static std::unique_ptr<CurlTransport> connect(const config::Imap& settings, const Secret& password,
                                                  TransportError& error);
    ~CurlTransport() override;
    Status send(std::string_view bytes, std::chrono::milliseconds timeout) override;
    Result<std::string> receive(std::chrono::milliseconds timeout) override;
    Failure lastFailure() const override { return lastFailure_; }

private:
    struct Impl;
    explicit CurlTransport(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
    Failure lastFailure_ = Failure::Closed;
};

}  // namespace secmaild::imap
