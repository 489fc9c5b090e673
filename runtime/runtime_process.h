// The runtime process started by the supervisor (`colony runtime-process`, an internal
// subcommand): it serves the Runtime interface of ipc/supervisor.capnp on the socketpair it
// inherited, receives its generation's config and listening sockets, starts every worker, accepts
// connections (balancing with its siblings through the shared load table), reports its load, and
// drains on request. It exits when the supervisor closes the connection, and is killed with the
// supervisor (PR_SET_PDEATHSIG) if that dies first.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace colony {

struct RuntimeProcessOptions {
  int controlFd = -1;        // our end of the socketpair to the supervisor
  pid_t supervisorPid = 0;   // the parent we must not outlive
  uint64_t generation = 0;   // for logs
};

// Runs until the supervisor disconnects; returns the process exit code.
int runRuntimeProcess(const RuntimeProcessOptions& options);

}  // namespace colony
