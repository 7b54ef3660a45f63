// Maintainer actions on a report (ack, assess, fix, release, disclose, close,
// reopen, assign, note, reply) and the parser for the command lines in the
// signed text of a maintainer's mail. `secmailctl` and signed mail produce the
// same Action values and check them with the same actionProblem(). Pure
// logic: whether the mail was signed by a maintainer, whether the report
// exists and whether the action fits the report's state are the service's
// decisions, not this module's.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace secmaild::report {

enum class Verb { Ack, Assess, Fix, Release, Disclose, Close, Reopen, Assign, Note, Reply };

// "ack", "assess", ... as typed after '#' or after `secmailctl`; "unknown" for
// a value outside the enum. Never throws.
std::string_view verbName(Verb v);
// The verb for a name, ASCII case-insensitive; nullopt for anything else.
std::optional<Verb> verbFromName(std::string_view name);
// Every verb, in declaration order.
const std::vector<Verb>& allVerbs();

struct Action {
    Verb verb = Verb::Note;
    std::string severity;  // assess: "none", "low", "medium", "high", "critical" (stored lower-case)
    std::string version;   // release
    std::string date;      // disclose: "YYYY-MM-DD"
    std::string reason;    // close
    std::string assignee;  // assign
    std::string text;      // note, reply (may be several lines, "\n" separated)
};

struct ActionLimits {
    std::size_t maxTextBytes = 64 * 1024;  // note / reply text
    std::size_t maxArgBytes = 200;         // reason, assignee
    // Command lines per mail, #report and unknown #words included: this also
    // bounds how many errors one mail can produce.
    std::size_t maxCommands = 20;
};

// nullopt when the action has what its verb needs and nothing else; otherwise
// one sentence for a human naming the problem and what is allowed, e.g.
// "assess needs severity=none|low|medium|high|critical". Severity is accepted
// in any case (normalizeAction() lower-cases it before storing). Values are
// quoted in the sentence log-safely, never note/reply text. Never throws
// (bad_alloc aside).
std::optional<std::string> actionProblem(const Action& a, const ActionLimits& limits = {});

// Lower-cases the severity, the one field with a canonical spelling; for
// Actions built by hand (secmailctl). parseMailCommands() already does it.
void normalizeAction(Action& a);

// "assess severity=high", "release version=0.2.7", "close reason=\"duplicate\"",
// "reply (312 bytes)": one line for logs and audit, control characters and
// invalid UTF-8 escaped. Never contains note/reply text. Never throws (bad_alloc aside).
std::string describeAction(const Action& a);

struct MailCommands {
    std::optional<std::string> reportId;  // from a "#report SEC-2026-0004" line, as written
    std::vector<Action> actions;          // valid commands, in order
    std::vector<std::string> errors;      // "line 3: unknown command #asses (known: ack, assess, ...)"
    bool sawCommand = false;              // any line that looked like a command (valid or not)
};

// Reads the command lines of a mail's signed text (LF or CRLF). The caller
// refuses the whole mail when `errors` is non-empty; every error names its
// line (1-based). Syntax:
//   #assess severity=high      key=value pairs; a value may be "quoted", with \" and \\ escapes inside
//   #assess high               or one bare value; for close and assign the rest of the line
//   #note ... / #reply ...     text: the rest of the line plus the following lines, up to a
//                              line "#end", the next known command, a signature separator
//                              ("-- ", or "--" as OpenPGP clearsigning leaves it) or the end
//   #report SEC-2026-0004      names the report (not an Action)
// A command line's first non-blank character is '#' followed by an ASCII
// letter; '>' quoted lines are never commands. Linear in the input; never
// throws (bad_alloc aside).
MailCommands parseMailCommands(std::string_view signedText, const ActionLimits& limits = {});

}  // namespace secmaild::report
