// Bounces of secmaild's own mail (see bounces.hpp). The level of a bounced
// escalation is found from its recipient: the first level listing that
// address. The next level gets the original escalation's text, which holds
// no report content (escalations never do), with a line saying why.
#include "secmaild/service/bounces.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "secmaild/mime/message.hpp"
#include "secmaild/service/maintainer_mail.hpp"
#include "secmaild/util/strings.hpp"

namespace secmaild::service {

namespace {

// The header block at the start of `text`, ending with its blank line.
std::string_view headerBlock(std::string_view text) {
    for (std::string_view end : {"\r\n\r\n", "\n\n"})
        if (auto at = text.find(end); at != std::string_view::npos) return text.substr(0, at + end.size());
    return text;
}

std::string messageIdIn(std::string_view headers) {
    std::string block(headerBlock(headers));
    block += "\r\n\r\n";  // a header block alone is a message without a body
    return mime::parseMessage(block).messageId;
}

}  // namespace

std::vector<std::string> returnedMessageIds(std::string_view raw) {
    const auto bounce = mime::parseMessage(raw);
    std::vector<std::string> out;
    for (const auto& p : bounce.parts) {
        std::string id;
        if (p.contentType == "text/rfc822-headers" || p.contentType == "message/global-headers")
            id = messageIdIn(p.decoded);
        else if (p.contentType == "message/rfc822" && p.bodyBegin < raw.size() && p.bodyBegin <= p.rawEnd)
            id = messageIdIn(raw.substr(p.bodyBegin, std::min(p.rawEnd, raw.size()) - p.bodyBegin));
        if (!id.empty() && std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
    }
    return out;
}

int escalateBouncedEscalations(Runtime& rt, store::Store& store, const std::string& reportId,
                               const std::vector<std::string>& messageIds, std::int64_t bounceMessage, TimePoint now) {
    const auto& levels = rt.policy.escalation.levels;
    int queued = 0;
    for (const auto& item : store.outboxForReport(reportId)) {
        if (item.kind != "escalation") continue;
        if (std::find(messageIds.begin(), messageIds.end(), item.messageId) == messageIds.end()) continue;
        std::size_t level = 0;
        while (level < levels.size() && std::find(levels[level].addresses.begin(), levels[level].addresses.end(),
                                                  toLower(item.recipient)) == levels[level].addresses.end())
            ++level;
        const std::size_t next = level + 1;
        nlohmann::json told = nlohmann::json::array();
        if (next < levels.size()) {
            const auto original = mime::parseMessage(item.raw);
            for (const auto& address : levels[next].addresses) {
                MaintainerMail m;
                m.reportId = reportId;
                m.aboutMessage = bounceMessage;
                m.to = address;
                m.kind = "escalation";
                const auto tag = original.subject.find("] ");
                m.subject = "[" + reportId + "] ESCALATED, a maintainer's address bounced: " +
                            (tag == std::string::npos ? original.subject : original.subject.substr(tag + 2));
                m.body = "secmaild's escalation mail to " + item.recipient + " bounced, so you are told as the \"" +
                         levels[next].name + "\" level. The mail that bounced:\n\n" + original.text;
                queueMaintainerMail(rt, store, m, now);
                told.push_back(address);
                ++queued;
            }
            spdlog::warn("escalation.bounced report={} to={} next_level=\"{}\"", reportId, item.recipient,
                         levels[next].name);
        } else {
            spdlog::error("escalation.bounced_no_next_level report={} to={} (no further escalation level to tell)",
                          reportId, item.recipient);
        }
        store.audit(now, reportId, bounceMessage, "secmaild", "escalation.bounced",
                    nlohmann::json{{"to", item.recipient}, {"message_id", item.messageId}, {"told", told}}.dump());
    }
    return queued;
}

}  // namespace secmaild::service
