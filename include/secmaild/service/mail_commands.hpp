// Maintainer commands by mail: `#assess severity=high` and the other verbs
// (report/commands.hpp) in a mail to security@. A command counts only when
// the mail's signed text carries it and every signature on the mail is a
// valid one by the same key from the maintainers' keys file; the signer, not
// the From line, is the actor, and From must be one of that key's addresses.
// The Subject is outside the signature, so: a "#report ID" line in the signed
// text wins over the Subject's tag; a signature that has authorised a
// command once is never accepted again; one older than
// [maintainers] command_max_age at the mail's arrival is refused. Refusals
// (unsigned, unknown key, bad signature, From mismatch, replay, bad
// commands) are logged and audited, and answered to the maintainer's own
// configured address — the signing key's, or the From only when it is a
// maintainer address — never to an arbitrary From line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "secmaild/pgp/mail.hpp"
#include "secmaild/service/runtime.hpp"

namespace secmaild::service {

struct CommandMail {
    std::int64_t messageId = 0;
    TimePoint receivedAt;
    std::string from;     // lower-case
    std::string subject;  // the outer one
    std::string text;     // the message's text (unsigned commands are recognised here)
    const pgp::MailSecurity* security = nullptr;
};

struct CommandVerdict {
    bool handled = false;  // false: not a command mail; file it as usual
    bool refused = false;
    std::string reason;  // why refused, or what was done
    std::optional<std::string> reportId;
};

// Inside the caller's transaction; the answer to the maintainer goes through
// the outbox.
CommandVerdict handleMailCommands(Runtime& rt, store::Store& store, const CommandMail& mail, TimePoint now);

}  // namespace secmaild::service
