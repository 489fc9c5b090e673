// The directories storage lives in: made with their parents, private temporary ones removed by
// the process that made them, and the ones the supervisor holds for every runtime process. Kept
// apart from FileStore so that the supervisor, which only makes directories, links no OpenSSL.
#pragma once

#include <string>
#include <vector>

namespace colony::storage {

// Creates `dir` and its parents (mode 0700 for new ones). Throws std::runtime_error.
void makeDirectories(const std::string& dir);
// Removes `dir` and everything in it; errors are ignored.
void removeTree(const std::string& dir);
// Makes the entries of `dir` (files renamed into it or removed from it) durable: fsync of the
// directory. Throws std::runtime_error.
void syncDirectory(const std::string& dir);
// The names of the directories directly in `dir` (none when `dir` does not exist).
std::vector<std::string> subdirectories(const std::string& dir);
// A new directory $TMPDIR/colony-<what>-XXXXXX (mode 0700). Throws std::runtime_error.
std::string makeTempDirectory(const std::string& what);
// The directory the environment variable `envVar` names (created if missing), or else a new
// private temporary one (see makeTempDirectory) that this process removes when it exits.
// Throws std::runtime_error.
std::string directoryFromEnvironment(const char* envVar, const std::string& what);

// Held by the supervisor for its lifetime, for a directory every runtime process shares: unless
// the user set `envVar` (then that directory is made if missing and kept), creates a private one
// (see makeTempDirectory), points `envVar` at it for the processes started afterwards, and
// removes it when destroyed. Throws std::runtime_error.
class SupervisorDirectory {
 public:
  SupervisorDirectory(const char* envVar, const std::string& what);
  ~SupervisorDirectory();
  SupervisorDirectory(const SupervisorDirectory&) = delete;
  SupervisorDirectory& operator=(const SupervisorDirectory&) = delete;

 private:
  const char* envVar_;
  std::string created_;
};

}  // namespace colony::storage
