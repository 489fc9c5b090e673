// The supervisor's admin listener (--admin-addr): GET /healthz, GET /status (JSON) and
// GET /metrics (Prometheus text), served by Colony's HTTP server on the supervisor's loop.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <kj/compat/http.h>

#include "ipc/uv_event_port.h"
#include "runtime/http/http_server.h"
#include "supervisor/status.h"

namespace colony {

class AdminServer {
 public:
  // Opens `address` (as a config socket address); throws std::runtime_error naming it.
  AdminServer(UvEventPort& port, const std::string& address,
              std::function<SupervisorStatus()> status);
  ~AdminServer() noexcept(false);

  uint16_t port() const { return port_; }
  void stop();

 private:
  class Service;
  kj::Own<kj::HttpHeaderTable> table_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<http::HttpServer> server_;
  uint16_t port_ = 0;
};

}  // namespace colony
