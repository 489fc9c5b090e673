#include "supervisor/socket_set.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

#include "runtime/http/listen_socket.h"

namespace colony {

namespace {

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    out.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

// Refuses descriptors that are not listening stream sockets, naming where they came from.
void checkListening(int fd, const std::string& what) {
  int type = 0, listening = 0;
  socklen_t length = sizeof(type);
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) != 0) {
    throw std::runtime_error(what + " is not a socket: " + strerror(errno));
  }
  length = sizeof(listening);
  if (type != SOCK_STREAM ||
      getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) != 0 || !listening) {
    throw std::runtime_error(what + " is not a listening stream socket");
  }
}

}  // namespace

ListeningSocket::~ListeningSocket() {
  if (fd_ >= 0) ::close(fd_);
}

uint16_t ListeningSocket::port() const {
  try {
    return http::boundPort(fd_);
  } catch (std::exception&) {
    return 0;
  }
}

ActivatedSockets parseSocketActivation(const std::string& listenPid, const std::string& listenFds,
                                       const std::string& listenFdNames, pid_t self) {
  ActivatedSockets out;
  if (listenPid.empty() || listenFds.empty()) return out;
  if (listenPid != std::to_string(self)) {
    out.warnings.push_back("LISTEN_PID=" + listenPid + " is not this process (" +
                           std::to_string(self) + "); ignoring socket activation");
    return out;
  }
  int count = 0;
  try {
    count = std::stoi(listenFds);
  } catch (std::exception&) {
    out.warnings.push_back("LISTEN_FDS=" + listenFds + " is not a number; ignoring it");
    return out;
  }
  std::vector<std::string> names;
  if (!listenFdNames.empty()) names = split(listenFdNames, ':');
  for (int i = 0; i < count; ++i) {
    int fd = 3 + i;
    std::string name = i < static_cast<int>(names.size()) ? names[i] : "";
    if (name.empty() && count > 1) {
      out.warnings.push_back("socket-activated fd " + std::to_string(fd) +
                             " has no name (LISTEN_FDNAMES); name it after a config socket "
                             "(FileDescriptorName= in the .socket unit)");
      continue;
    }
    if (out.byName.count(name)) {
      out.warnings.push_back("socket-activated fd " + std::to_string(fd) + " repeats the name \"" +
                             name + "\"; only the first is used");
      continue;
    }
    out.byName[name] = fd;
  }
  return out;
}

ActivatedSockets takeActivatedSockets() {
  auto get = [](const char* name) {
    const char* value = getenv(name);
    return std::string(value ? value : "");
  };
  auto out = parseSocketActivation(get("LISTEN_PID"), get("LISTEN_FDS"), get("LISTEN_FDNAMES"),
                                   getpid());
  unsetenv("LISTEN_PID");
  unsetenv("LISTEN_FDS");
  unsetenv("LISTEN_FDNAMES");
  for (auto& [name, fd] : out.byName) fcntl(fd, F_SETFD, FD_CLOEXEC);
  return out;
}

std::shared_ptr<ListeningSocket> SocketSet::acquire(const std::string& name,
                                                    const std::string& address,
                                                    const std::map<std::string, int>& fdOverrides) {
  int inheritedFd = -1;
  std::string key, origin;
  if (auto it = fdOverrides.find(name); it != fdOverrides.end()) {
    inheritedFd = it->second;
    key = name + "|fd:" + std::to_string(inheritedFd);
    origin = "-S fd " + std::to_string(inheritedFd);
  } else if (auto it = inherited_.find(name); it != inherited_.end()) {
    inheritedFd = it->second;
    key = name + "|fd:" + std::to_string(inheritedFd);
    origin = "systemd fd " + std::to_string(inheritedFd);
  } else {
    key = name + "|" + address;
    origin = address;
  }
  if (auto it = held_.find(key); it != held_.end()) {
    if (auto socket = it->second.lock()) return socket;
    if (inheritedFd >= 0) {
      throw std::runtime_error("socket \"" + name + "\": inherited " + origin +
                               " was closed when an earlier reload removed the socket; restart "
                               "Colony to serve it again");
    }
  }
  int fd;
  if (inheritedFd >= 0) {
    checkListening(inheritedFd, "socket \"" + name + "\": " + origin);
    fcntl(inheritedFd, F_SETFD, FD_CLOEXEC);
    fd = inheritedFd;
  } else {
    fd = http::openNamedListenSocket(name, address);
  }
  auto socket = std::make_shared<ListeningSocket>(name, key, fd, origin);
  held_[key] = socket;
  return socket;
}

}  // namespace colony
