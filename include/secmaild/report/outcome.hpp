// What became of one stored message. Stored as its text name; the names are
// part of the JSON that `secmailctl messages --json` documents, keep them stable.
#pragma once

#include <optional>
#include <string_view>

namespace secmaild::report {

enum class Outcome {
    NewReport,   // "new-report"
    FollowUp,    // "follow-up": belongs to an existing report
    Duplicate,   // "duplicate": the same message delivered again
    AutoReply,   // "auto-reply": vacation notices and other automatic replies
    Bounce,      // "bounce": delivery status notifications, MDNs, ARF reports
    List,        // "list": mailing-list and bulk mail
    Loop,        // "loop": mail from secmaild's own addresses
    Command,     // "command": a maintainer command (handled from the escalation issue on)
    Unreadable,  // "unreadable": no usable sender, or not a mail at all
};

std::string_view outcomeName(Outcome o);
std::optional<Outcome> outcomeFromName(std::string_view name);

}  // namespace secmaild::report
