// `tcp` sockets in the config: every accepted connection goes to the service's connect(socket,
// env, ctx) handler, with a socket object like the ones cloudflare:sockets' connect() returns.
#pragma once

#include <memory>
#include <string>

#include <kj/async-io.h>

#include "ipc/uv_async_io.h"
#include "runtime/http/tls_server.h"

namespace colony {

class Worker;

class TcpSocketServer final : private kj::TaskSet::ErrorHandler {
 public:
  // Takes ownership of the listening descriptor and starts accepting. With `tls`, each
  // connection completes a TLS handshake before the handler sees it (tcp.tlsOptions).
  TcpSocketServer(UvAsyncIo& io, Worker& worker, std::string entrypoint, std::string socketName,
                  int listenFd, std::shared_ptr<http::TlsServerContext> tls = nullptr);
  ~TcpSocketServer() noexcept(false);

  // Stops accepting; resolves once every connect() handler started so far has finished.
  kj::Promise<void> drain();

  size_t connections() const { return connections_; }

 private:
  kj::Promise<void> acceptLoop();
  kj::Promise<void> serve(kj::Own<kj::AsyncIoStream> stream);
  void taskFailed(kj::Exception&& exception) override;

  UvAsyncIo& io_;
  Worker& worker_;
  std::shared_ptr<http::TlsServerContext> tls_;
  std::string entrypoint_;
  std::string socketName_;
  kj::Own<kj::ConnectionReceiver> receiver_;
  kj::TaskSet connectionTasks_;
  kj::Maybe<kj::Promise<void>> acceptTask_;
  size_t connections_ = 0;
};

}  // namespace colony
