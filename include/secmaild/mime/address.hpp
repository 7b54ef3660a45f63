// Mail addresses from header fields (From, Reply-To, To, Cc, Return-Path).
// mimetic parses the RFC 5322 grammar; this layer unquotes and RFC 2047-decodes
// display names and keeps only addresses that are plainly usable as a
// recipient (one '@', a local part and a domain, no spaces or brackets), so
// nothing odd ever reaches an SMTP envelope.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace secmaild::mime {

struct Address {
    std::string name;     // display name, UTF-8, may be empty
    std::string address;  // local@domain, domain lower-cased
};

// Every usable mailbox in the field, groups flattened. Never throws.
std::vector<Address> parseAddressList(std::string_view headerValue);
// The address inside a Return-Path field: "" for the null path "<>",
// nullopt when the field cannot be read.
std::optional<std::string> parseReturnPath(std::string_view headerValue);
// local@domain with a printable-ASCII or UTF-8 local part and a plausible domain.
bool isUsableAddress(std::string_view address);
// Lower-cases the domain only (local parts are case-sensitive in theory,
// but compare case-insensitively in practice; see normalizeForCompare).
std::string normalizeForCompare(std::string_view address);

}  // namespace secmaild::mime
