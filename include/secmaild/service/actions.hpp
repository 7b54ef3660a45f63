// Maintainer actions on a report (report/commands.hpp), one code path for
// `secmailctl ack|assess|...` and for signed mail commands: check the action
// against the report's state, record it (stage completions, severity,
// release, disclosure date, assignee, notes), write the audit trail, and tell
// the reporter with a templated status mail — or, for `reply`, with the
// maintainer's text — threaded with the report and encrypted when their key
// is known. Every action moves the deadlines: the alert plan is recomputed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "secmaild/report/commands.hpp"
#include "secmaild/service/runtime.hpp"

namespace secmaild::service {

struct ActionOutcome {
    bool done = false;
    std::string refusal;  // why not, for a human, when !done
    std::string description;  // describeAction()
    std::vector<std::string> stagesCompleted;
    std::string state;  // the report's state afterwards
    std::optional<std::string> mailKind;  // "status" or "reply" when a mail to the reporter was queued
};

// Applies `action` to the report as `actor` ("secmailctl:alice",
// "maintainer:FPR"), inside the caller's transaction on `store`. A refusal
// (unknown report, bad arguments, a closed report) changes nothing.
// `aboutMessage`: the incoming mail that carried the command, if any.
ActionOutcome applyAction(Runtime& rt, store::Store& store, const std::string& reportId, const report::Action& action,
                          const std::string& actor, TimePoint now, std::optional<std::int64_t> aboutMessage = {});

}  // namespace secmaild::service
