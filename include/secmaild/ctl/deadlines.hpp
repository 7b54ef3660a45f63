// `secmailctl overdue` and `secmailctl timeline ID`: what is late and since
// when, and each stage's due, done and escalation times. JSON first, text
// rendered from it, like the other views.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "secmaild/service/runtime.hpp"

namespace secmaild::ctl {

nlohmann::json overdueReports(service::Runtime& runtime);
std::optional<nlohmann::json> reportTimeline(service::Runtime& runtime, const std::string& id);

std::string overdueAsText(const nlohmann::json& overdue);
std::string timelineAsText(const nlohmann::json& timeline);

}  // namespace secmaild::ctl
