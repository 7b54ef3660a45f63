// Sending mail over SMTP with libcurl. One Client holds one easy handle, so
// consecutive sends reuse the connection (one connection for a batch);
// libcurl does TLS (implicit or STARTTLS, verified), AUTH and dot-stuffing.
// The client only sends: what a failure means is trouble.hpp's call.
#pragma once

#include <memory>
#include <string>

#include "secmaild/config/config.hpp"
#include "secmaild/smtp/trouble.hpp"
#include "secmaild/util/secret.hpp"

namespace secmaild::smtp {

struct Envelope {
    std::string from;       // MAIL FROM
    std::string recipient;  // the one RCPT TO
};

class Client {
public:
    // `password` may be null when the server takes mail without AUTH.
    Client(const config::Smtp& settings, const Secret* password);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // `raw` is a complete message with CRLF line ends.
    Classified send(const Envelope& envelope, const std::string& raw);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace secmaild::smtp
