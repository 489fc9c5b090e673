#include "ipc/control_fd.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace colony {

std::string jsonEscape(const std::string& s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

void writeListenEvent(int fd, const std::string& socketName, uint16_t port) {
  std::string line = "{\"event\":\"listen\",\"socket\":\"" + jsonEscape(socketName) +
                     "\",\"port\":" + std::to_string(port) + "}\n";
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      spdlog::warn("--control-fd {}: write failed: {}", fd, strerror(errno));
      return;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace colony
