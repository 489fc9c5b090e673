// The supervisor's side of the runtime launcher (runtime/launcher.h): starts `colony-runtime
// launcher` from the runtime binary held open since start, and asks it for runtime processes.
// Each one arrives as this process's child (we are a child subreaper), so the supervisor reaps it
// and learns its exit status as if it had spawned it itself.
//
// A launcher that dies is replaced on the next request; one that does not answer within 10 s is
// killed. Calls block: a launch takes a fork (about a millisecond), or the launcher's own start
// (its dynamic linking, some 20 ms) the first time.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "runtime/launcher.h"

namespace colony {

// How a child process ended, from its wait status: "exited with code N" or "was killed by ...".
std::string describeExit(int waitStatus);

class RuntimeLauncher {
 public:
  // `binaryFd`: the runtime binary, opened O_PATH (executed as /proc/self/fd/N); `binaryPath`: its
  // path, for argv[0] and messages. Makes this process a child subreaper.
  RuntimeLauncher(int binaryFd, std::string binaryPath);
  ~RuntimeLauncher();  // stops and reaps the launcher
  RuntimeLauncher(const RuntimeLauncher&) = delete;
  RuntimeLauncher& operator=(const RuntimeLauncher&) = delete;

  // Starts the launcher if it is not running, so that its linking is done before it is needed.
  // Throws std::runtime_error naming what failed.
  void start();

  // Starts a runtime process running `argv` (argv[0] included) with `controlFd` as its
  // descriptor 3, titled `title` in ps. Returns its pid. Throws std::runtime_error naming what
  // failed.
  pid_t launch(const std::string& title, const std::vector<std::string>& argv, int controlFd);

  // For every child this process reaps: true (and a log line) if `pid` was a launcher.
  bool reaped(pid_t pid, int status);

 private:
  enum class Answer { kReply, kGone, kTimeout };
  bool send(const std::string& title, const std::vector<std::string>& argv, int controlFd);
  Answer await(LaunchReply& reply);
  std::string discard();  // closes the socket, kills and reaps the launcher; says how it ended

  int binaryFd_;
  std::string binaryPath_;
  pid_t pid_ = 0;      // the running launcher, 0 if none
  int channel_ = -1;   // our end of its socket
  int subreaperError_ = 0;
};

}  // namespace colony
