// The supervisor behind `colony serve`: it owns the config, the listening sockets, the runtime
// processes and the signals. No V8 here. See supervisor/README.md for how it works and why.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "config/config_loader.h"
#include "supervisor/logging.h"

namespace colony {

struct SupervisorOptions {
  config::LoadOptions load;        // how the config was loaded; SIGHUP loads it again the same way
  unsigned processes = 1;          // runtime processes per generation
  uint32_t drainTimeoutMs = 30000; // --drain-timeout
  std::optional<int> controlFd;    // --control-fd: one JSON line per socket once it serves
  std::string adminAddress;        // --admin-addr ("" = none)
  std::string pidFile;             // --pid-file ("" = none)
  bool verbose = false;
  logging::Format logFormat = logging::Format::kText;
};

// config::loadConfig(), logging (at debug level) when the compiled form came from the
// compiled-config cache: how serve, test and check load at start, and the supervisor on SIGHUP.
config::LoadedConfig loadConfigLogged(const config::LoadOptions& options);

// Serves `first` (already loaded and validated) until SIGTERM/SIGINT; returns the exit code:
// 0 after a graceful stop, 1 when the first generation cannot start (the error is logged).
int runSupervisor(SupervisorOptions options, config::LoadedConfig first);

}  // namespace colony
