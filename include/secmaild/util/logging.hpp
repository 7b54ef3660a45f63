// Logging setup. Under systemd (JOURNAL_STREAM set) each line carries the
// journald priority prefix ("<6>") and no timestamp; on a terminal, a
// timestamp and the level. Report text never goes to info level or above:
// log ids, sizes and outcomes, and put content behind debug.
#pragma once

#include <string>
#include <string_view>

#include "secmaild/util/result.hpp"

namespace secmaild {

enum class LogTarget { Automatic, Journal, Terminal };

// Level names as spdlog spells them: trace, debug, info, warn, error, critical, off.
Status setupLogging(std::string_view level, LogTarget target = LogTarget::Automatic);
bool isValidLogLevel(std::string_view level);

}  // namespace secmaild
