// Timestamp formats via HH date (date.h); C locale month and day names.
#include "secmaild/util/time_format.hpp"

#include <date/date.h>

#include <sstream>

#include "secmaild/util/strings.hpp"

namespace secmaild {

std::string formatRfc5322(TimePoint t) {
    return date::format("%a, %d %b %Y %H:%M:%S +0000", t);
}

std::string formatIsoUtc(TimePoint t) {
    return date::format("%Y-%m-%dT%H:%M:%SZ", t);
}

std::optional<TimePoint> parseIsoUtc(std::string_view text) {
    std::istringstream in{std::string(text)};
    TimePoint t;
    in >> date::parse("%Y-%m-%dT%H:%M:%SZ", t);
    if (in.fail()) return std::nullopt;
    return t;
}

std::optional<TimePoint> parseImapInternalDate(std::string_view text) {
    std::string s = trimmed(text);
    if (!s.empty() && s.front() == ' ') s.erase(0, 1);
    if (!s.empty() && s[0] == ' ') s[0] = '0';
    if (s.size() > 1 && s[1] == '-') s.insert(0, "0");  // " 3-Nov-..." -> "03-Nov-..."
    std::istringstream in{s};
    TimePoint t;
    in >> date::parse("%d-%b-%Y %H:%M:%S %z", t);
    if (in.fail()) return std::nullopt;
    return t;
}

}  // namespace secmaild
