// The `colony` command line: parses it and runs the chosen subcommand.
#pragma once

#include <string>

#include "config/workerd.capnp.h"
#include "runtime/launcher.h"
#include "runtime/runtime_process.h"
#include "runtime/server.h"

namespace colony {

// The commands that run workers, and so V8, in the calling process. `colony` (supervisor/main.cc)
// is built without them: it parses the command line, runs the supervisor itself, and hands any
// other command line to `colony-runtime` (supervisor/runtime_binary.h), which has them
// (runtime/main.cc). The supervisor thus never maps libnode nor pays for linking it.
struct InProcessCommands {
  int (*runtimeProcess)(const RuntimeProcessOptions& options);
  int (*serve)(config::Config::Reader config, ServerOptions options);
  int (*test)(config::Config::Reader config, ServerOptions options, const std::string& filter,
              bool predictable);
  int (*check)(config::Config::Reader config);
  // The supervisor's launcher; `argc`/`argv` are this process's own (runtime/launcher.h).
  int (*launcher)(const LauncherOptions& options, int argc, char** argv);
};

// Returns the process exit code: 0 success, 1 a failure the command reports (bad config, a worker
// that fails to start, failed tests), 2 a usage error. With `inProcess` null, a command that runs
// workers in this process execs the runtime binary instead.
int runCli(int argc, char** argv, const InProcessCommands* inProcess);

}  // namespace colony
