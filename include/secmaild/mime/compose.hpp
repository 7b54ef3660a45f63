// Writing the mails secmaild sends: RFC 5322 with CRLF, MIME text/plain in
// UTF-8, quoted-printable, every header value made safe (no CR, LF or
// control characters can reach the header block, non-ASCII is RFC 2047
// encoded). The caller decides what the mail says; this only renders it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "secmaild/util/clock.hpp"

namespace secmaild::mime {

struct OutgoingMail {
    std::string fromAddress;
    std::string fromName;
    std::string to;         // exactly one recipient
    std::string subject;    // UTF-8
    std::string messageId;  // "<...>"
    std::optional<std::string> inReplyTo;
    std::vector<std::string> references;
    TimePoint date;
    // ASCII header fields such as Auto-Submitted; names and values are
    // sanitised like everything else.
    std::vector<std::pair<std::string, std::string>> extraHeaders;
    std::string body;  // UTF-8 text
};

std::string renderMail(const OutgoingMail& mail);

// "<20261123T224233.9f86d081884c7d65@example.org>"
std::string newMessageId(std::string_view domain, TimePoint now);
// The domain of an address, lower-case ("" if none).
std::string domainOf(std::string_view address);
// "Name <addr>" with the name quoted or RFC 2047 encoded as needed.
std::string formatAddress(std::string_view name, std::string_view address);
// Quoted-printable (RFC 2045 §6.7) for text: CRLF line ends, soft breaks at 76.
std::string encodeQuotedPrintable(std::string_view text);

}  // namespace secmaild::mime
