// Outcome names: the stable strings stored and shown in JSON.
#include "secmaild/report/outcome.hpp"

#include <array>
#include <utility>

namespace secmaild::report {

namespace {
constexpr std::array<std::pair<Outcome, std::string_view>, 9> kNames{{
    {Outcome::NewReport, "new-report"},
    {Outcome::FollowUp, "follow-up"},
    {Outcome::Duplicate, "duplicate"},
    {Outcome::AutoReply, "auto-reply"},
    {Outcome::Bounce, "bounce"},
    {Outcome::List, "list"},
    {Outcome::Loop, "loop"},
    {Outcome::Command, "command"},
    {Outcome::Unreadable, "unreadable"},
}};
}  // namespace

std::string_view outcomeName(Outcome o) {
    for (auto [value, name] : kNames)
        if (value == o) return name;
    return "unreadable";
}

std::optional<Outcome> outcomeFromName(std::string_view name) {
    for (auto [value, n] : kNames)
        if (n == name) return value;
    return std::nullopt;
}

}  // namespace secmaild::report
