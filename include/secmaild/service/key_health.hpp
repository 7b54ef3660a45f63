// Key health: a silently expired key means reports nobody can read. From 14
// days before secmaild's own key or a maintainer's key expires (or at once
// when one is expired, revoked or unusable) the maintainers get one notice a
// week per key until it is fixed; a change of state (expiring -> expired) is
// told at once. The last notice per key is kept in the store.
#pragma once

#include "secmaild/service/runtime.hpp"

namespace secmaild::service {

constexpr auto kKeyNoticeEvery = std::chrono::hours{24 * 7};

// Queues the notices that are due (inside its own transaction); returns how
// many mails. To [notify] maintainers, else the first escalation level.
int noticeKeyHealth(Runtime& runtime, TimePoint now);

}  // namespace secmaild::service
