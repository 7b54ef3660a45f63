// Whether a version a reporter names is supported, by the policy's table of
// version patterns ("0.2.x", "< 0.1", ">= 1.0", "1.4.2", "latest"). Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "secmaild/policy/policy.hpp"

namespace secmaild::policy {

bool isValidVersionMatch(std::string_view pattern);

struct VersionSupport {
    enum class Status { Supported, Limited, Unsupported, Unknown };
    Status status = Status::Unknown;
    const VersionRule* rule = nullptr;  // the row that decided, if any
};

// The first rule (in policy order) that matches `version` decides; "latest"
// matches only when the policy's latest_version is set and equal.
VersionSupport supportFor(const Policy& policy, std::string_view version);
std::string_view statusName(VersionSupport::Status s);  // "supported", "limited", "unsupported", "unknown"

// Numeric comparison of dotted versions ("0.10" > "0.9"); suffixes such as
// "-rc1" are ignored. Negative, zero, positive like strcmp.
int compareVersions(std::string_view a, std::string_view b);

}  // namespace secmaild::policy
