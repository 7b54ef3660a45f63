// The daemon's event loop (Boost.Asio): a timer for the next pass (the poll
// interval, or sooner when an outbox retry falls due), signals, and one
// worker thread that runs passes, so the loop itself never waits on the
// network. SIGTERM and SIGINT stop cleanly: the pass in hand finishes its
// current message and the loop exits.
#pragma once

#include "secmaild/service/runtime.hpp"

namespace secmaild::service {

// Runs until SIGTERM or SIGINT. Returns the process exit code.
int runDaemon(Runtime& runtime);

}  // namespace secmaild::service
