// Deciding what kind of mail a message is, before any report is touched:
// mail that must never be answered (RFC 3834: auto-replies, bounces and
// other reports, list and bulk mail, and mail from our own addresses), who
// an answer would go to, and which report a subject tag names. Pure
// functions of the parsed message; the pipeline adds the store lookups
// (duplicates, threads).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "secmaild/config/config.hpp"
#include "secmaild/mime/message.hpp"
#include "secmaild/report/outcome.hpp"

namespace secmaild::report {

struct Automatic {
    Outcome outcome;     // Loop, Bounce, AutoReply or List
    std::string reason;  // which header or rule decided, for the maintainers
};

// Mail that must be stored but never answered, or nullopt for mail from a person.
std::optional<Automatic> detectAutomatic(const mime::ParsedMessage& message,
                                         const std::vector<std::string>& ownAddresses);

// Where an answer goes: Reply-To when it holds exactly one usable address
// (and the mode allows it), otherwise the first From address. nullopt when
// there is no usable address.
std::optional<mime::Address> answerAddress(const mime::ParsedMessage& message, config::ReplyAddress mode);

// The report id in a subject's "[PREFIX-YYYY-NNNN]" tag, if any.
std::optional<std::string> findReportTag(std::string_view subject, std::string_view prefix);

// "[ID] Re: original": reply prefixes and an earlier tag of this report
// removed, one line, at most `maxOriginal` characters of the original.
std::string answerSubject(std::string_view reportId, std::string_view originalSubject, std::size_t maxOriginal = 150);

}  // namespace secmaild::report
