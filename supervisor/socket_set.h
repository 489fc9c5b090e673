// The listening sockets the supervisor holds for the life of the server, shared by generations:
// a socket whose name and address (or inherited descriptor) are unchanged by a reload keeps its
// descriptor, so no client is ever refused; one no generation uses any more is closed.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace colony {

class ListeningSocket {
 public:
  ListeningSocket(std::string name, std::string key, int fd, std::string origin)
      : name_(std::move(name)), key_(std::move(key)), fd_(fd), origin_(std::move(origin)) {}
  ~ListeningSocket();
  ListeningSocket(const ListeningSocket&) = delete;
  ListeningSocket& operator=(const ListeningSocket&) = delete;

  const std::string& name() const { return name_; }
  const std::string& key() const { return key_; }
  int fd() const { return fd_; }
  // Where it came from, for logs: the address, "-S fd 5" or "systemd fd 3".
  const std::string& origin() const { return origin_; }
  // The bound TCP port; 0 for Unix sockets.
  uint16_t port() const;

 private:
  std::string name_, key_;
  int fd_;
  std::string origin_;
};

// systemd socket activation (sd_listen_fds): the descriptors passed to this process, by name.
struct ActivatedSockets {
  std::map<std::string, int> byName;
  std::vector<std::string> warnings;  // descriptors that could not be matched to a name
};

// Parses LISTEN_PID / LISTEN_FDS / LISTEN_FDNAMES values (empty strings when unset). Descriptors
// start at 3. Without names, a single descriptor is named "" (the caller may give it to a config
// with one socket).
ActivatedSockets parseSocketActivation(const std::string& listenPid, const std::string& listenFds,
                                       const std::string& listenFdNames, pid_t self);

// Reads and unsets the environment variables, marks the descriptors close-on-exec.
ActivatedSockets takeActivatedSockets();

class SocketSet {
 public:
  // Inherited descriptors by socket name: systemd activation and -S NAME=FD.
  explicit SocketSet(std::map<std::string, int> inherited) : inherited_(std::move(inherited)) {}

  // The socket for a config socket: the one already held for the same name and address, else an
  // inherited descriptor for the name, else a new one bound to `address`. Throws
  // std::runtime_error naming the socket.
  std::shared_ptr<ListeningSocket> acquire(const std::string& name, const std::string& address,
                                           const std::map<std::string, int>& fdOverrides);

 private:
  std::map<std::string, int> inherited_;
  std::map<std::string, std::weak_ptr<ListeningSocket>> held_;  // by key
};

}  // namespace colony
