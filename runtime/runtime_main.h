// The runtime's entry points for one config, run in the calling process: serve it, test it, or
// check that it starts.
#pragma once

#include <string>
#include <vector>

#include "config/workerd.capnp.h"
#include "runtime/server.h"

namespace colony {

// V8 flags for a config: its v8Flags, plus fixed seeds when `predictable`.
std::vector<std::string> v8Flags(config::Config::Reader config, bool predictable);

// Serves until SIGTERM/SIGINT (drain, then exit 0; a second signal exits at once). Returns the
// process exit code: 1 when a worker fails to start or a socket cannot listen.
int serveInProcess(config::Config::Reader config, ServerOptions options);

// Runs the config's test handlers; 0 only if every test passed (and at least one ran or none
// exist). `predictable` makes randomness repeatable.
int testInProcess(config::Config::Reader config, ServerOptions options, const std::string& filter,
                  bool predictable);

// Compiles every worker and runs its top level; 0 if all start, else 1 with the errors printed.
int checkInProcess(config::Config::Reader config);

}  // namespace colony
