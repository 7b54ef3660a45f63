// A received message, parsed: decoded top-level headers, every MIME part with
// its raw byte range and decoded body, and the UTF-8 text a report is read
// from. The structure is mimetic's reading, admitted only behind the guards
// (scanner.hpp, mimetic_guard.hpp) and cross-checked against the bounded
// scan; where the two disagree, or mimetic is refused, the scan's reading is
// used and the message is flagged. No OpenPGP here (pgp/ does that).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "secmaild/mime/address.hpp"
#include "secmaild/mime/scanner.hpp"

namespace secmaild::mime {

struct MessageLimits {
    ScanLimits scan;
    std::size_t maxTextBytes = 4u << 20;
};

struct Part {
    std::string path;         // "" for the message itself, then "1", "2", "2.1" ...
    std::string contentType;  // lower-case type/subtype
    std::string contentTypeHeader;  // the Content-Type field as written (parameters: protocol, micalg ...)
    std::string charset;      // lower-case, as declared ("" if none)
    std::string transferEncoding;
    std::string disposition;  // lower-case ("inline", "attachment", "")
    std::string filename;     // UTF-8 (RFC 2231/2047 decoded)
    std::size_t rawBegin = 0;
    std::size_t bodyBegin = 0;
    std::size_t rawEnd = 0;
    int parent = -1;
    bool container = false;  // multipart or message/rfc822
    bool attachment = false;
    std::string decoded;  // leaf bytes after transfer decoding
};

struct ParsedMessage {
    std::vector<RawHeaderField> headers;  // the message's own header fields, raw
    std::string subject;                  // decoded, one line
    std::vector<Address> from, replyTo, to, cc, sender;
    // "" for the null return path "<>"; nullopt when absent or unreadable.
    std::optional<std::string> returnPath;
    std::string messageId;  // "<id@host>", or "" when missing or unusable
    std::vector<std::string> inReplyTo;
    std::vector<std::string> references;
    std::string date;
    std::vector<Part> parts;  // pre-order; [0] is the message
    std::string text;         // what a reader of the report reads, UTF-8
    std::string bodySha256;   // of the raw bytes after the message header
    std::vector<std::string> problems;
    bool limitHit = false;
    bool parseProblem = false;
    bool usedMimetic = false;

    // The first header field of that name, raw (unfolded), if any.
    std::optional<std::string> header(std::string_view name) const;
    std::vector<std::string> headersNamed(std::string_view name) const;
};

// Never throws for any input (allocation failure aside).
ParsedMessage parseMessage(std::string_view raw, const MessageLimits& limits = {});

// The msg-ids ("<a@b>") in a Message-ID, In-Reply-To or References value, in
// order, at most `max`; ids with spaces, controls or missing brackets are dropped.
std::vector<std::string> parseMessageIds(std::string_view value, std::size_t max = 100);

}  // namespace secmaild::mime
