#include "supervisor/cpu_count.h"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace colony {

namespace {

std::optional<std::string> readFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

unsigned affinityCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int count = CPU_COUNT(&set);
    if (count > 0) return static_cast<unsigned>(count);
  }
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  return online > 0 ? static_cast<unsigned>(online) : 1;
}

}  // namespace

std::optional<unsigned> cpusFromCpuMax(const std::string& text) {
  std::istringstream in(text);
  std::string quota;
  unsigned long long period = 0;
  if (!(in >> quota >> period) || period == 0) return std::nullopt;
  if (quota == "max") return std::nullopt;
  unsigned long long q = 0;
  try {
    size_t used = 0;
    q = std::stoull(quota, &used);
    if (used != quota.size()) return std::nullopt;
  } catch (std::exception&) {
    return std::nullopt;
  }
  unsigned long long cpus = (q + period - 1) / period;
  return static_cast<unsigned>(std::max<unsigned long long>(cpus, 1));
}

std::optional<std::string> cgroupV2Path(const std::string& procSelfCgroup) {
  std::istringstream in(procSelfCgroup);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("0::", 0) == 0) return line.substr(3);
  }
  return std::nullopt;
}

unsigned defaultProcessCount() {
  unsigned cpus = affinityCpus();
  auto self = readFile("/proc/self/cgroup");
  std::optional<std::string> path = self ? cgroupV2Path(*self) : std::nullopt;
  if (path) {
    // The tightest quota on the way from our cgroup up to the root applies.
    std::string dir = *path;
    while (true) {
      std::string base = "/sys/fs/cgroup" + (dir == "/" ? std::string() : dir);
      if (auto max = readFile(base + "/cpu.max")) {
        if (auto limit = cpusFromCpuMax(*max)) cpus = std::min(cpus, *limit);
      }
      if (dir.empty() || dir == "/") break;
      auto slash = dir.rfind('/');
      dir = slash == 0 || slash == std::string::npos ? "/" : dir.substr(0, slash);
    }
  }
  return std::max(cpus, 1u);
}

}  // namespace colony
