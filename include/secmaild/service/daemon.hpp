// The daemon's event loop (Boost.Asio): a timer for the next pass (the poll
// interval, or sooner when an outbox retry or an alert falls due), signals,
// the systemd watchdog, and one worker thread that runs passes, so the loop
// itself never waits on the network. SIGTERM and SIGINT stop cleanly: the
// pass in hand finishes its current message and the loop exits. SIGHUP
// reloads: a new runtime is built from the config file between passes and
// replaces the running one only when it loads without a problem.
#pragma once

#include <functional>
#include <memory>

#include "secmaild/service/runtime.hpp"

namespace secmaild::service {

// Builds a fresh runtime from the config file (SIGHUP), refusing one that
// would not keep the running runtime's store.
using Reloader = std::function<Loaded(const Runtime& running)>;
// Readies a reloaded runtime once it has been accepted, just before it takes
// over (log level, GPG workers): a refused reload changes nothing.
using Preparer = std::function<void(Runtime&)>;

// Runs until SIGTERM or SIGINT; `runtime` is replaced by each good reload.
// Returns the process exit code.
int runDaemon(std::unique_ptr<Runtime>& runtime, const Reloader& reload, const Preparer& prepare);

}  // namespace secmaild::service
