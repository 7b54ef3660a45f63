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
    // Digits written by hand, not through date::format's stream or printf:
    // views print two or three per row, for 100,000 rows.
    const auto day = std::chrono::floor<date::days>(t);
    const date::year_month_day ymd{day};
    const auto secs = static_cast<unsigned>((t - day).count());  // 0 .. 86399
    const int year = static_cast<int>(ymd.year());
    if (year < 0 || year > 9999) return date::format("%Y-%m-%dT%H:%M:%SZ", t);
    std::string out = "0000-00-00T00:00:00Z";
    auto put = [&out](std::size_t at, unsigned value, int digits) {
        for (int i = digits - 1; i >= 0; --i, value /= 10) out[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
    };
    put(0, static_cast<unsigned>(year), 4);
    put(5, static_cast<unsigned>(ymd.month()), 2);
    put(8, static_cast<unsigned>(ymd.day()), 2);
    put(11, secs / 3600, 2);
    put(14, secs / 60 % 60, 2);
    put(17, secs % 60, 2);
    return out;
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
