// Duration parsing: one number and one unit, checked for overflow.
#include "secmaild/util/duration.hpp"

#include <charconv>
#include <cstdint>
#include <limits>

#include "secmaild/util/strings.hpp"

namespace secmaild {

Result<std::chrono::seconds> parseDuration(std::string_view text) {
    auto t = trim(text);
    std::int64_t number = 0;
    auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), number);
    if (ec != std::errc{} || ptr == t.data() || number < 0)
        return fail("'" + std::string(text) + "' is not a duration (examples: 90s, 15m, 24h, 7d)");
    std::string_view unit(ptr, static_cast<std::size_t>(t.data() + t.size() - ptr));
    unit = trim(unit);
    std::int64_t factor;
    if (unit.empty() || unit == "s")
        factor = 1;
    else if (unit == "m" || unit == "min")
        factor = 60;
    else if (unit == "h")
        factor = 3600;
    else if (unit == "d")
        factor = 86400;
    else if (unit == "w")
        factor = 7 * 86400;
    else
        return fail("'" + std::string(text) + "' has an unknown unit '" + std::string(unit) +
                    "' (use s, m, h, d or w)");
    if (number > std::numeric_limits<std::int64_t>::max() / factor / 4)
        return fail("'" + std::string(text) + "' is too large");
    return std::chrono::seconds{number * factor};
}

std::string formatDuration(std::chrono::seconds d) {
    auto s = d.count();
    if (s == 0) return "0s";
    std::string out;
    if (s < 0) {
        out = "-";
        s = -s;
    }
    const std::pair<std::int64_t, const char*> units[] = {{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}};
    for (auto [size, name] : units) {
        if (s >= size) {
            out += std::to_string(s / size) + name;
            s %= size;
        }
    }
    return out;
}

}  // namespace secmaild
