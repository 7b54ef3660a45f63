// What secmaild tells a reporter, and the mail that carries it. The template
// context is built from the policy and the report's metadata only (its id,
// when it arrived, which fields it has, which policy row its version falls
// under) — never from the report's text, so an answer can never echo what a
// reporter wrote, encrypted or not (design.md, invariant 3).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "secmaild/config/config.hpp"
#include "secmaild/mime/address.hpp"
#include "secmaild/mime/compose.hpp"
#include "secmaild/policy/calendar.hpp"
#include "secmaild/policy/policy.hpp"

namespace secmaild::answer {

struct ReportSummary {
    std::string id;
    TimePoint receivedAt;
    std::map<std::string, TimePoint> completedStages;
    std::set<report::Field> present;
    std::optional<std::string> versionNumber;  // only used to look up the policy row
    bool partlyUnreadable = false;
    // It was encrypted and we could not decrypt it: the answer says so and
    // tells where our key is.
    bool couldNotDecrypt = false;
    std::string ourFingerprint;  // "" when OpenPGP is off
    std::string keyUrl;
};

// The template context. `acknowledgesNow`: this mail is the automatic
// acknowledgment, so stages it completes are shown as done by it.
nlohmann::json answerContext(const policy::Policy& policy, const policy::Calendar& calendar,
                             const ReportSummary& report, bool acknowledgesNow);

// The fields the policy requires that the report lacks, in policy order.
std::vector<report::Field> missingRequired(const policy::Policy& policy, const std::set<report::Field>& present);

struct Reply {
    std::string reportId;
    std::string originalSubject;
    std::string originalMessageId;  // "" if none
    std::vector<std::string> originalReferences;
    mime::Address to;
    std::string body;
};

// The answer as a mail: threaded to the original, one recipient, marked
// Auto-Submitted: auto-replied (RFC 3834) so other robots do not answer it.
mime::OutgoingMail composeReply(const config::Smtp& smtp, const Reply& reply, TimePoint now);

}  // namespace secmaild::answer
