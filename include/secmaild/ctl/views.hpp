// What `secmailctl list`, `show` and `messages` print. Each view is built as
// JSON first (the documented, stable format other tools read; see README
// "JSON output") and the human-readable text is rendered from that JSON, so
// the two never disagree.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "secmaild/service/runtime.hpp"

namespace secmaild::ctl {

nlohmann::json listReports(service::Runtime& runtime);
std::optional<nlohmann::json> showReport(service::Runtime& runtime, const std::string& id);
nlohmann::json listMessages(service::Runtime& runtime);

std::string reportsAsText(const nlohmann::json& list);
std::string reportAsText(const nlohmann::json& report);
std::string messagesAsText(const nlohmann::json& list);

}  // namespace secmaild::ctl
