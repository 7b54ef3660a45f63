// Bounces of secmaild's own mail. A delivery status notification names the
// mail it returns only in the headers it carries back (text/rfc822-headers,
// message/rfc822), rarely in In-Reply-To; those Message-IDs tie it to its
// report. A bounced escalation means a maintainer address is dead, so the
// next escalation level is told at once: a deadline never passes in silence.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "secmaild/service/runtime.hpp"

namespace secmaild::service {

// The Message-IDs in the headers a bounce returns (it is parsed again here:
// the pipeline's copy has given its attachments' bytes to the store). Never
// throws (bad_alloc aside).
std::vector<std::string> returnedMessageIds(std::string_view raw);

// For each escalation mail of the report among `messageIds`: tells the next
// level (after the one whose address bounced), inside the caller's
// transaction. Returns how many mails were queued; when no level is left,
// logs and audits that nobody further can be told.
int escalateBouncedEscalations(Runtime& rt, store::Store& store, const std::string& reportId,
                               const std::vector<std::string>& messageIds, std::int64_t bounceMessage, TimePoint now);

}  // namespace secmaild::service
