#include "runtime/storage/cache_dir.h"

#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "runtime/storage/directories.h"

namespace colony::storage {

const std::string& cacheDirectory() {
  static std::string dir;
  if (dir.empty()) dir = directoryFromEnvironment("COLONY_CACHE_DIR", "cache");
  return dir;
}

uint64_t cacheMaxBytes() {
  const char* env = getenv("COLONY_CACHE_SIZE");
  if (env == nullptr || *env == 0) return uint64_t(256) << 20;
  char* end = nullptr;
  errno = 0;
  unsigned long long value = strtoull(env, &end, 10);
  uint64_t scale = 1;
  if (end != nullptr && *end) {
    switch (*end) {
      case 'k': case 'K': scale = uint64_t(1) << 10; break;
      case 'm': case 'M': scale = uint64_t(1) << 20; break;
      case 'g': case 'G': scale = uint64_t(1) << 30; break;
      default: scale = 0;
    }
    if (end[1] != 0) scale = 0;
  }
  if (errno != 0 || end == env || scale == 0 || value == 0) {
    throw std::runtime_error(std::string("COLONY_CACHE_SIZE=") + env +
                             " is not a size; write bytes, or a number with K, M or G (e.g. 512M)");
  }
  return value * scale;
}

}  // namespace colony::storage
