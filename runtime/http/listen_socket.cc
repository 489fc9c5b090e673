#include "runtime/http/listen_socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <charconv>

namespace colony::http {
namespace {

constexpr std::string_view kUnixPrefix = "unix:";
constexpr std::string_view kUnixAbstractPrefix = "unix-abstract:";

[[noreturn]] void fail(std::string_view address, std::string_view what) {
  throw ListenSocketError("listen address \"" + std::string(address) + "\": " + std::string(what));
}

[[noreturn]] void failErrno(std::string_view address, std::string_view what, int error) {
  fail(address, std::string(what) + ": " + strerror(error));
}

class FdGuard {
 public:
  explicit FdGuard(int fd) : fd_(fd) {}
  ~FdGuard() {
    if (fd_ >= 0) close(fd_);
  }
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

uint16_t parsePort(std::string_view text, std::string_view portText) {
  if (portText.empty()) fail(text, "missing port (write HOST:PORT, *:PORT or unix:PATH)");
  unsigned value = 0;
  auto [end, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), value);
  if (ec != std::errc() || end != portText.data() + portText.size() || value > 65535) {
    fail(text, "invalid port \"" + std::string(portText) + "\" (expected a number 0-65535)");
  }
  return static_cast<uint16_t>(value);
}

int newSocket(int family, std::string_view address) {
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) failErrno(address, "socket() failed", errno);
  return fd;
}

void listenOn(int fd, int backlog, std::string_view address) {
  if (listen(fd, backlog) != 0) failErrno(address, "listen() failed", errno);
}

int openTcp(const ListenAddress& addr, std::string_view text, int backlog) {
  int one = 1;
  if (addr.host == "*") {
    // Every interface: a dual-stack IPv6 socket where IPv6 exists, else IPv4 only.
    int fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
      FdGuard guard(fd);
      int zero = 0;
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
      sockaddr_in6 sa{};
      sa.sin6_family = AF_INET6;
      sa.sin6_addr = in6addr_any;
      sa.sin6_port = htons(addr.port);
      if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0) {
        listenOn(fd, backlog, text);
        return guard.release();
      }
      int error = errno;
      if (error != EADDRNOTAVAIL && error != EAFNOSUPPORT) failErrno(text, "bind() failed", error);
    } else if (errno != EAFNOSUPPORT) {
      failErrno(text, "socket() failed", errno);
    }
    FdGuard guard(newSocket(AF_INET, text));
    setsockopt(guard.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_ANY);
    sa.sin_port = htons(addr.port);
    if (bind(guard.get(), reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) {
      failErrno(text, "bind() failed", errno);
    }
    listenOn(guard.get(), backlog, text);
    return guard.release();
  }

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV | AI_ADDRCONFIG;
  addrinfo* results = nullptr;
  std::string portText = std::to_string(addr.port);
  int rc = getaddrinfo(addr.host.c_str(), portText.c_str(), &hints, &results);
  if (rc == EAI_SYSTEM) failErrno(text, "cannot resolve host \"" + addr.host + "\"", errno);
  if (rc != 0) fail(text, "cannot resolve host \"" + addr.host + "\": " + gai_strerror(rc));

  int lastError = EADDRNOTAVAIL;
  for (addrinfo* ai = results; ai != nullptr; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      lastError = errno;
      continue;
    }
    FdGuard guard(fd);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      lastError = errno;
      continue;
    }
    if (listen(fd, backlog) != 0) {
      lastError = errno;
      continue;
    }
    freeaddrinfo(results);
    return guard.release();
  }
  freeaddrinfo(results);
  failErrno(text, "cannot listen", lastError);
}

// Removes a socket file left behind by a process that no longer listens on it. A live listener or
// a file that is not a socket is left alone (bind then reports the problem).
void removeStaleSocketFile(const std::string& path, std::string_view text) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) return;
  FdGuard probe(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (probe.get() < 0) return;
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  memcpy(sa.sun_path, path.data(), path.size());
  if (connect(probe.get(), reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0) {
    fail(text, "another process is already listening on " + path);
  }
  if (errno == ECONNREFUSED && unlink(path.c_str()) != 0 && errno != ENOENT) {
    failErrno(text, "cannot remove stale socket file " + path, errno);
  }
}

int openUnix(const ListenAddress& addr, std::string_view text, int backlog) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  bool abstract = addr.kind == ListenAddress::Kind::kUnixAbstract;
  size_t offset = abstract ? 1 : 0;
  if (addr.path.size() + offset >= sizeof(sa.sun_path)) {
    fail(text, "socket path is longer than " + std::to_string(sizeof(sa.sun_path) - 1) + " bytes");
  }
  memcpy(sa.sun_path + offset, addr.path.data(), addr.path.size());
  socklen_t len = abstract ? offsetof(sockaddr_un, sun_path) + 1 + addr.path.size()
                           : sizeof(sa);
  if (!abstract) removeStaleSocketFile(addr.path, text);
  FdGuard guard(newSocket(AF_UNIX, text));
  if (bind(guard.get(), reinterpret_cast<sockaddr*>(&sa), len) != 0) {
    failErrno(text, "bind() failed", errno);
  }
  listenOn(guard.get(), backlog, text);
  return guard.release();
}

}  // namespace

ListenAddress parseListenAddress(std::string_view text) {
  ListenAddress result;
  if (text.substr(0, kUnixAbstractPrefix.size()) == kUnixAbstractPrefix) {
    result.kind = ListenAddress::Kind::kUnixAbstract;
    result.path = std::string(text.substr(kUnixAbstractPrefix.size()));
    if (result.path.empty()) fail(text, "missing abstract socket name after \"unix-abstract:\"");
    return result;
  }
  if (text.substr(0, kUnixPrefix.size()) == kUnixPrefix) {
    result.kind = ListenAddress::Kind::kUnix;
    result.path = std::string(text.substr(kUnixPrefix.size()));
    if (result.path.empty()) fail(text, "missing socket path after \"unix:\"");
    return result;
  }
  if (text.empty()) fail(text, "empty address (write HOST:PORT, *:PORT or unix:PATH)");

  std::string_view host, port;
  if (text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) fail(text, "missing ']' after IPv6 address");
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (rest.empty()) fail(text, "missing port (write [ADDRESS]:PORT)");
    if (rest.front() != ':') fail(text, "expected ':PORT' after ']'");
    port = rest.substr(1);
    in6_addr probe;
    if (inet_pton(AF_INET6, std::string(host).c_str(), &probe) != 1) {
      fail(text, "\"" + std::string(host) + "\" is not an IPv6 address");
    }
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) fail(text, "missing port (write HOST:PORT or *:PORT)");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      fail(text, "IPv6 addresses must be written in brackets, e.g. [::1]:8080");
    }
  }
  if (host.empty()) fail(text, "missing host before the port (use *:PORT for every interface)");
  result.host = std::string(host);
  result.port = parsePort(text, port);
  return result;
}

int openListenSocket(std::string_view address, int backlog) {
  return openListenSocket(parseListenAddress(address), address, backlog);
}

int openListenSocket(const ListenAddress& address, std::string_view text, int backlog) {
  if (address.kind == ListenAddress::Kind::kTcp) return openTcp(address, text, backlog);
  return openUnix(address, text, backlog);
}

int openNamedListenSocket(const std::string& name, const std::string& address) {
  if (address.empty()) {
    throw std::runtime_error("socket \"" + name +
                             "\" has no address; give one in the config or with -s " + name +
                             "=ADDR or -S " + name + "=FD");
  }
  try {
    return openListenSocket(address);
  } catch (std::exception& e) {
    throw std::runtime_error("socket \"" + name + "\": " + e.what());
  }
}

uint16_t boundPort(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    throw ListenSocketError("getsockname() on fd " + std::to_string(fd) +
                            " failed: " + strerror(errno));
  }
  switch (ss.ss_family) {
    case AF_INET:
      return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    case AF_INET6:
      return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
    default:
      return 0;
  }
}

}  // namespace colony::http
