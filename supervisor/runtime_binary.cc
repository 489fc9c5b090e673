#include "supervisor/runtime_binary.h"

#include <string.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace colony {

namespace {
constexpr const char* kRuntimeBinaryName = "colony-runtime";
}  // namespace

std::string runtimeBinaryPath() {
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0) return kRuntimeBinaryName;
  std::string path(exe, static_cast<size_t>(n));
  // A binary deleted on disk reads as "PATH (deleted)"; its directory is still the right one.
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return kRuntimeBinaryName;
  return path.substr(0, slash + 1) + kRuntimeBinaryName;
}

int execRuntimeBinary(char** argv) {
  std::string path = runtimeBinaryPath();
  execv(path.c_str(), argv);
  int error = errno;
  fprintf(stderr, "colony: cannot run the runtime binary %s: %s (it is installed next to colony)\n",
          path.c_str(), strerror(error));
  return 1;
}

}  // namespace colony
