#include "runtime/storage/directories.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <vector>

namespace colony::storage {

namespace {

std::runtime_error systemError(const std::string& what, const std::string& path) {
  return std::runtime_error(what + " " + path + ": " + strerror(errno));
}

}  // namespace

void makeDirectories(const std::string& dir) {
  if (dir.empty()) return;
  std::string path;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = dir.find('/', pos + 1);
    path = dir.substr(0, pos);
    if (path.empty()) continue;
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
      throw systemError("cannot create directory", path);
    }
  }
}

void syncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw systemError("cannot open", dir);
  int rc = ::fsync(fd);
  int savedErrno = errno;
  ::close(fd);
  if (rc != 0) {
    errno = savedErrno;
    throw systemError("cannot sync", dir);
  }
}

void removeTree(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d != nullptr) {
    while (auto* entry = ::readdir(d)) {
      std::string name = entry->d_name;
      if (name == "." || name == "..") continue;
      auto path = dir + "/" + name;
      struct stat st;
      if (::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        removeTree(path);
      } else {
        ::unlink(path.c_str());
      }
    }
    ::closedir(d);
  }
  ::rmdir(dir.c_str());
}

std::vector<std::string> subdirectories(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return names;
  while (auto* entry = ::readdir(d)) {
    std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    struct stat st;
    if (::lstat((dir + "/" + name).c_str(), &st) == 0 && S_ISDIR(st.st_mode)) names.push_back(name);
  }
  ::closedir(d);
  return names;
}

std::string makeTempDirectory(const std::string& what) {
  const char* tmp = getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr && *tmp ? tmp : "/tmp") + "/colony-" + what +
                        "-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    throw systemError("cannot create the " + what + " directory", pattern);
  }
  return pattern;
}

namespace {

// Private directories made by directoryFromEnvironment, removed at exit by the process that made
// them (not by children that inherit the list across fork).
std::vector<std::string> privateDirectories;
pid_t privateOwner = 0;

void removePrivateDirectories() {
  if (getpid() != privateOwner) return;
  for (auto& dir : privateDirectories) removeTree(dir);
}

}  // namespace

SupervisorDirectory::SupervisorDirectory(const char* envVar, const std::string& what)
    : envVar_(envVar) {
  const char* env = getenv(envVar);
  if (env != nullptr && *env) {
    makeDirectories(env);
    return;
  }
  created_ = makeTempDirectory(what);
  setenv(envVar, created_.c_str(), 1);
}

SupervisorDirectory::~SupervisorDirectory() {
  if (created_.empty()) return;
  removeTree(created_);
  unsetenv(envVar_);
}

std::string directoryFromEnvironment(const char* envVar, const std::string& what) {
  const char* env = getenv(envVar);
  if (env != nullptr && *env) {
    makeDirectories(env);
    return env;
  }
  auto dir = makeTempDirectory(what);
  if (privateOwner != getpid()) {
    privateOwner = getpid();
    privateDirectories.clear();
    atexit(removePrivateDirectories);
  }
  privateDirectories.push_back(dir);
  return dir;
}

}  // namespace colony::storage
