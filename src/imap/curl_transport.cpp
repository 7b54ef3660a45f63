// CurlTransport: libcurl in CONNECT_ONLY mode for connection, TLS and login;
// then curl_easy_send/curl_easy_recv with poll() for the deadline. recv is
// tried before polling because TLS may hold decrypted bytes that the socket
// no longer shows as readable.
#include "secmaild/imap/transport.hpp"

#include <curl/curl.h>
#include <poll.h>

#include <cerrno>

namespace secmaild::imap {

std::string_view failureName(Failure f) {
    switch (f) {
        case Failure::Unreachable:
            return "unreachable";
        case Failure::TlsFailed:
            return "tls-failed";
        case Failure::AuthRefused:
            return "auth-refused";
        case Failure::Protocol:
            return "protocol-error";
        case Failure::Timeout:
            return "timeout";
        case Failure::Closed:
            return "closed";
    }
    return "closed";
}

struct CurlTransport::Impl {
    struct Cleanup {
        void operator()(CURL* h) const { curl_easy_cleanup(h); }
    };
    std::unique_ptr<CURL, Cleanup> handle;
    curl_socket_t socket = CURL_SOCKET_BAD;
};

CurlTransport::CurlTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CurlTransport::~CurlTransport() = default;

namespace {

Failure classifyConnectError(CURLcode rc) {
    switch (rc) {
        case CURLE_LOGIN_DENIED:
            return Failure::AuthRefused;
        case CURLE_OPERATION_TIMEDOUT:
            return Failure::Timeout;
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_USE_SSL_FAILED:
            return Failure::TlsFailed;
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_CONNECT:
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
        case CURLE_GOT_NOTHING:
            return Failure::Unreachable;
        default:
            return Failure::Protocol;
    }
}

bool waitFor(curl_socket_t socket, short events, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        pollfd p{socket, events, 0};
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        int n = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
        if (n >= 0 || errno != EINTR) return n > 0;  // a signal (SIGTERM to the daemon) is not a timeout
    }
}

}  // namespace

std::unique_ptr<CurlTransport> CurlTransport::connect(const config::Imap& s, const Secret& password,
                                                      TransportError& error) {
    auto impl = std::make_unique<Impl>();
    impl->handle.reset(curl_easy_init());
    CURL* h = impl->handle.get();
    if (!h) {
        error = {Failure::Protocol, "libcurl could not create a handle"};
        return nullptr;
    }
    // Connect to the server only; the mailbox is selected by the session.
    auto scheme = s.url.substr(0, s.url.find("://"));
    auto rest = s.url.substr(scheme.size() + 3);
    auto authority = rest.substr(0, rest.find('/'));
    std::string url = scheme + "://" + authority + "/";
    char errorText[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errorText);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(s.timeout.count() * 1000));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(s.timeout.count() * 1000));
    curl_easy_setopt(h, CURLOPT_USERNAME, s.user.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, password.reveal().c_str());
    if (s.tls == config::TlsMode::Required) {
        curl_easy_setopt(h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, s.tlsVerify ? 1L : 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, s.tlsVerify ? 2L : 0L);
        if (!s.caFile.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, s.caFile.c_str());
    }
    CURLcode rc = curl_easy_perform(h);
    // libcurl keeps its own copy of the password; we are logged in, so replace it.
    curl_easy_setopt(h, CURLOPT_PASSWORD, "");
    if (rc != CURLE_OK) {
        error = {classifyConnectError(rc),
                 std::string(curl_easy_strerror(rc)) + (errorText[0] ? std::string(": ") + errorText : "")};
        return nullptr;
    }
    curl_easy_getinfo(h, CURLINFO_ACTIVESOCKET, &impl->socket);
    if (impl->socket == CURL_SOCKET_BAD) {
        error = {Failure::Protocol, "libcurl gave no socket after login"};
        return nullptr;
    }
    return std::unique_ptr<CurlTransport>(new CurlTransport(std::move(impl)));
}

Status CurlTransport::send(std::string_view bytes, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!bytes.empty()) {
        size_t sent = 0;
        CURLcode rc = curl_easy_send(impl_->handle.get(), bytes.data(), bytes.size(), &sent);
        if (rc == CURLE_OK) {
            bytes.remove_prefix(sent);
            continue;
        }
        if (rc != CURLE_AGAIN) {
            lastFailure_ = Failure::Closed;
            return fail(std::string("sending to the IMAP server failed: ") + curl_easy_strerror(rc));
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || !waitFor(impl_->socket, POLLOUT, left)) {
            lastFailure_ = Failure::Timeout;
            return fail("timed out sending to the IMAP server");
        }
    }
    return {};
}

Result<std::string> CurlTransport::receive(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    char buffer[64 * 1024];
    for (;;) {
        size_t n = 0;
        CURLcode rc = curl_easy_recv(impl_->handle.get(), buffer, sizeof buffer, &n);
        if (rc == CURLE_OK) {
            if (n == 0) {
                lastFailure_ = Failure::Closed;
                return fail("the IMAP server closed the connection");
            }
            return std::string(buffer, n);
        }
        if (rc != CURLE_AGAIN) {
            lastFailure_ = Failure::Closed;
            return fail(std::string("reading from the IMAP server failed: ") + curl_easy_strerror(rc));
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || !waitFor(impl_->socket, POLLIN, left)) {
            lastFailure_ = Failure::Timeout;
            return fail("timed out waiting for the IMAP server");
        }
    }
}

}  // namespace secmaild::imap
