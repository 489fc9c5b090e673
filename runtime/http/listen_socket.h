// Listening sockets from config addresses: "*:8080", "localhost:8080", "10.0.0.1:80",
// "[::1]:8080", "unix:/run/app.sock", "unix-abstract:name".
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace colony::http {

// A bad address or a failed socket operation. The message names the address and, for OS failures,
// the system error.
class ListenSocketError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ListenAddress {
  enum class Kind { kTcp, kUnix, kUnixAbstract };
  Kind kind = Kind::kTcp;
  std::string host;  // TCP: "*" for every interface, else a name or literal (no brackets)
  uint16_t port = 0;  // TCP only; 0 asks the OS for a free port
  std::string path;  // Unix socket path, or the abstract name without its leading NUL
};

// Parses a config address. Throws ListenSocketError naming the address when it is malformed
// (missing or invalid port, unbalanced brackets, empty path).
ListenAddress parseListenAddress(std::string_view text);

constexpr int kDefaultListenBacklog = 1024;

// Opens a nonblocking, close-on-exec listening socket for the address (SO_REUSEADDR for TCP; a
// stale Unix socket file left by a dead process is removed first) and returns its fd.
// "*" listens on every IPv6 and IPv4 interface where the host supports it.
int openListenSocket(std::string_view address, int backlog = kDefaultListenBacklog);
int openListenSocket(const ListenAddress& address, std::string_view text,
                     int backlog = kDefaultListenBacklog);

// Opens the listening socket of the config socket `name` at `address` (from the config or -s);
// errors (an empty address included, with how to give one) name the socket. std::runtime_error.
int openNamedListenSocket(const std::string& name, const std::string& address);

// The local TCP port a socket is bound to (0 for Unix sockets). Throws ListenSocketError.
uint16_t boundPort(int fd);

}  // namespace colony::http
