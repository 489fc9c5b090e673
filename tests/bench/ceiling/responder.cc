// The load generator's ceiling: a native HTTP/1.1 responder that does nothing but answer each
// request head with the hello-world scenario's response. Whatever wrk reaches against it on this
// machine is the most any server can show; the benchmark runs it beside the hello-world scenario
// to report the highest Colony/workerd ratio the machine can measure.
//
// It takes the command line the benchmark gives both runtimes (serve CONFIG -s NAME=HOST:PORT
// --control-fd FD; the config is ignored) and reports its port on the control fd as Colony does.
// Only bodiless requests (GET, HEAD) are understood; "Connection: close" is honoured.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <strings.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>

namespace {

constexpr std::string_view kResponse =
    "HTTP/1.1 200 OK\r\nContent-Length: 12\r\nContent-Type: text/plain;charset=UTF-8\r\n\r\n"
    "Hello World\n";

[[noreturn]] void fail(const char* what) {
  std::perror(what);
  std::exit(1);
}

bool asksToClose(std::string_view head) {
  constexpr std::string_view kClose = "\r\nconnection: close";
  for (size_t at = 0; at + kClose.size() <= head.size(); at++) {
    if (strncasecmp(head.data() + at, kClose.data(), kClose.size()) == 0) return true;
  }
  return false;
}

// Answers every complete head in `pending`, leaving a partial one there. False when the peer
// asked to close.
bool answer(int fd, std::string& pending) {
  size_t start = 0;
  for (;;) {
    size_t end = pending.find("\r\n\r\n", start);
    if (end == std::string::npos) break;
    std::string_view head(pending.data() + start, end - start);
    if (write(fd, kResponse.data(), kResponse.size()) < 0) return false;
    if (asksToClose(head)) return false;
    start = end + 4;
  }
  pending.erase(0, start);
  return pending.size() < 65536;
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  int port = 0, controlFd = -1;
  for (int i = 1; i + 1 < argc; i++) {
    std::string_view arg = argv[i];
    if (arg == "-s" || arg == "--socket-addr") {
      std::string_view value = argv[++i];
      value = value.substr(value.find('=') + 1);
      size_t colon = value.rfind(':');
      host = std::string(value.substr(0, colon));
      port = std::atoi(std::string(value.substr(colon + 1)).c_str());
    } else if (arg == "--control-fd") {
      controlFd = std::atoi(argv[++i]);
    }
  }

  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) fail("address");
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) fail("bind");
  if (listen(listener, 1024) < 0) fail("listen");
  socklen_t len = sizeof addr;
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  if (controlFd >= 0) {
    char line[96];
    int n = std::snprintf(line, sizeof line, "{\"event\":\"listen\",\"socket\":\"http\",\"port\":%d}\n",
                          ntohs(addr.sin_port));
    if (write(controlFd, line, static_cast<size_t>(n)) < 0) fail("control fd");
  }

  int ep = epoll_create1(0);
  epoll_event ev{EPOLLIN, {.fd = listener}};
  epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
  std::unordered_map<int, std::string> pending;
  epoll_event events[256];
  char buf[65536];
  for (;;) {
    int n = epoll_wait(ep, events, 256, -1);
    if (n < 0 && errno != EINTR) fail("epoll_wait");
    for (int i = 0; i < n; i++) {
      int fd = events[i].data.fd;
      if (fd == listener) {
        int conn;
        while ((conn = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK)) >= 0) {
          setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          epoll_event add{EPOLLIN, {.fd = conn}};
          epoll_ctl(ep, EPOLL_CTL_ADD, conn, &add);
          pending[conn];
        }
        continue;
      }
      ssize_t got = read(fd, buf, sizeof buf);
      if (got < 0 && errno == EAGAIN) continue;
      std::string& p = pending[fd];
      if (got > 0) p.append(buf, static_cast<size_t>(got));
      if (got <= 0 || !answer(fd, p)) {
        pending.erase(fd);
        close(fd);
      }
    }
  }
}
