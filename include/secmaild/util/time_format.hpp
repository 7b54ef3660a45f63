// Fixed-format timestamps: RFC 5322 Date headers, ISO 8601 for JSON, and the
// IMAP INTERNALDATE format. Local-time rendering in a policy's time zone is
// the policy module's job (policy/calendar.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "secmaild/util/clock.hpp"

namespace secmaild {

// "Mon, 23 Nov 2026 22:42:33 +0000"
std::string formatRfc5322(TimePoint t);
// "2026-11-23T22:42:33Z"
std::string formatIsoUtc(TimePoint t);
std::optional<TimePoint> parseIsoUtc(std::string_view text);
// IMAP date-time: "23-Nov-2026 22:42:33 +0000" (RFC 3501 §9, day may be " 3").
std::optional<TimePoint> parseImapInternalDate(std::string_view text);

}  // namespace secmaild
