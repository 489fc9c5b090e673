// A runtime's whole service graph for one config: every service built, every worker started, and
// (for serve) every socket listening with Colony's HTTP server in front of its service.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <kj/compat/http.h>

#include "config/workerd.capnp.h"
#include "ipc/uv_async_io.h"
#include "runtime/http/http_server.h"
#include "runtime/service.h"
#include "runtime/tcp_socket_server.h"
#include "runtime/worker.h"

namespace colony {

class QueueConsumers;

struct ServerOptions {
  std::map<std::string, int> socketFds;  // -S NAME=FD: already-listening sockets by name
  std::optional<int> controlFd;          // --control-fd: one JSON line per listening socket
  std::string compatDateOverride;        // colony test --compat-date
  bool verbose = false;
  bool logListening = true;              // log "socket … listening" (the supervisor does it instead)
};

class Server {
 public:
  Server(config::Config::Reader config, UvAsyncIo& io, ServerOptions options);
  ~Server() noexcept(false);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Builds every service and starts every worker (compile + top level). Throws WorkerStartError
  // with all the failures, one per line.
  void start();
  // Opens (or adopts) every socket and starts serving. Throws std::runtime_error naming the socket.
  void listen();
  // Stops accepting and finishes in-flight requests and waitUntil work.
  kj::Promise<void> drain();
  // Starts delivering queue messages to queue() handlers (runtime/queue_consumer.h); call once
  // this process serves (or runs tests).
  void consumeQueues();

  // Pauses or resumes accepting on every socket; the listening sockets stay open (a paused
  // process leaves new connections in the shared kernel queue to the others). Resuming is
  // refused once drain() began.
  void setAccepting(bool accepting);
  bool accepting() const { return accepting_; }
  // Called after each accepted connection, on any socket.
  void setAcceptHook(std::function<void()> hook);
  // Sums over every socket's HTTP server.
  http::ServerStats stats() const;

  Service& findService(const std::string& name);
  // Workers in config order (for colony test).
  std::vector<Worker*> workers();
  kj::HttpHeaderTable& headerTable() { return *headerTable_; }

 private:
  void reportListening(const std::string& socketName, int fd);
  // A `tcp` socket: connections go to the worker's connect() handler.
  void listenTcp(const std::string& name, const std::string& serviceName,
                 const std::string& entrypoint, int fd,
                 std::shared_ptr<http::TlsServerContext> tls);
  std::string diskServicePath(const std::string& serviceName);

  config::Config::Reader config_;
  UvAsyncIo& io_;
  ServerOptions options_;
  kj::Own<kj::HttpHeaderTable> headerTable_;
  WorkerHost host_;
  std::vector<std::unique_ptr<Service>> services_;  // config order
  std::map<std::string, Service*, std::less<>> servicesByName_;
  std::vector<std::unique_ptr<http::HttpServer>> httpServers_;
  // The listening descriptor of each HTTP server (same order). Servers accept on a duplicate, so
  // pausing closes the duplicate and leaves this one, and the kernel's queue, untouched.
  std::vector<int> listenFds_;
  std::vector<std::unique_ptr<TcpSocketServer>> tcpServers_;
  std::unique_ptr<QueueConsumers> queueConsumers_;  // destroyed before the workers
  bool accepting_ = false;
  bool draining_ = false;
  std::function<void()> acceptHook_;
};

}  // namespace colony
