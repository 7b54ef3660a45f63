// Durations as written in the config and policy files: "90s", "15m", "24h",
// "7d" (a plain integer is seconds). Business days ("5bd") are a calendar
// notion and are parsed by the policy module, not here.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "secmaild/util/result.hpp"

namespace secmaild {

Result<std::chrono::seconds> parseDuration(std::string_view text);
// "1h30m"-style rendering for messages and status lines.
std::string formatDuration(std::chrono::seconds d);

}  // namespace secmaild
