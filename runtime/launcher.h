// The runtime launcher (`colony-runtime launcher`, an internal subcommand): one process the
// supervisor starts once and asks for every runtime process it needs. Starting colony-runtime
// costs about 6 ms of dynamic linking before main() (20 ms without its pre-resolved copies of
// libnode and four other libraries, runtime/prebound_libraries.h); the launcher pays it once,
// initialises nothing (no V8, no event loop, no threads), and for each request forks a copy of
// itself that runs the runtime-process command line it was sent, as a freshly executed
// colony-runtime would. A reload or a crash restart then costs V8's start and the workers'
// compilation, not the linking.
//
// Protocol, on the SOCK_SEQPACKET socket the launcher inherits: a request is one message whose
// bytes are NUL-terminated strings (the process title, then argv) and whose SCM_RIGHTS carry one
// descriptor, which the new process finds as descriptor 3 (its control socket). The answer is a
// LaunchReply. EOF on the socket ends the launcher.
//
// Each runtime process is forked twice (the middle process exits at once), so that it becomes the
// supervisor's child (the supervisor is a child subreaper): the supervisor reaps it and sees how
// it ended, and PR_SET_PDEATHSIG ties it to the supervisor, not to the launcher.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace colony {

struct LaunchReply {
  int32_t pid;    // the new runtime process, or 0 on failure
  int32_t error;  // errno of the failure
};

struct LauncherOptions {
  int channelFd = -1;       // the socket to the supervisor
  pid_t supervisorPid = 0;  // our parent, and the parent of every process we start
};

// Runs the command line of a started process (the runtime's main); returns its exit code.
using RunCommandLine = int (*)(int argc, char** argv);

// Serves requests until the supervisor closes the socket; returns the launcher's exit code.
// `argc`/`argv` are the launcher's own, whose memory becomes the started processes' titles.
int runLauncher(const LauncherOptions& options, int argc, char** argv, RunCommandLine run);

}  // namespace colony
