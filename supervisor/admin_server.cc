#include "supervisor/admin_server.h"

#include <stdexcept>

#include "runtime/http/listen_socket.h"

namespace colony {

class AdminServer::Service final : public kj::HttpService {
 public:
  Service(kj::HttpHeaderTable& table, std::function<SupervisorStatus()> status)
      : table_(table), status_(std::move(status)) {}

  kj::Promise<void> request(kj::HttpMethod method, kj::StringPtr url, const kj::HttpHeaders&,
                            kj::AsyncInputStream&, Response& response) override {
    // The server hands over absolute URLs ("http://host/status?x"): keep the path.
    std::string p(url.cStr());
    if (auto scheme = p.find("://"); scheme != std::string::npos) {
      auto slash = p.find('/', scheme + 3);
      p = slash == std::string::npos ? "/" : p.substr(slash);
    }
    if (auto q = p.find('?'); q != std::string::npos) p.resize(q);
    if (p != "/healthz" && p != "/status" && p != "/metrics") {
      return reply(response, 404, "Not Found", "text/plain; charset=utf-8",
                   "not found; try /healthz, /status or /metrics\n");
    }
    if (method != kj::HttpMethod::GET && method != kj::HttpMethod::HEAD) {
      return reply(response, 405, "Method Not Allowed", "text/plain; charset=utf-8",
                   "only GET\n");
    }
    auto status = status_();
    if (p == "/healthz") {
      bool serving = status.generation != 0 && status.state != "stopping";
      return reply(response, serving ? 200 : 503, serving ? "OK" : "Service Unavailable",
                   "text/plain; charset=utf-8", serving ? "ok\n" : status.state + "\n");
    }
    if (p == "/status") {
      return reply(response, 200, "OK", "application/json", statusJson(status));
    }
    return reply(response, 200, "OK", "text/plain; version=0.0.4; charset=utf-8",
                 statusPrometheus(status));
  }

 private:
  kj::Promise<void> reply(Response& response, uint status, kj::StringPtr reason,
                          kj::StringPtr contentType, std::string body) {
    kj::HttpHeaders headers(table_);
    headers.set(kj::HttpHeaderId::CONTENT_TYPE, contentType);
    headers.add("Cache-Control", "no-store");
    auto text = kj::heapString(body.data(), body.size());
    auto stream = response.send(status, reason, headers, text.size());
    auto promise = stream->write(text.begin(), text.size());
    return promise.attach(kj::mv(stream), kj::mv(text));
  }

  kj::HttpHeaderTable& table_;
  std::function<SupervisorStatus()> status_;
};

AdminServer::AdminServer(UvEventPort& port, const std::string& address,
                         std::function<SupervisorStatus()> status)
    : table_(kj::heap<kj::HttpHeaderTable>()),
      service_(std::make_unique<Service>(*table_, std::move(status))) {
  int fd;
  try {
    fd = http::openListenSocket(address);
  } catch (std::exception& e) {
    throw std::runtime_error(std::string("--admin-addr: ") + e.what());
  }
  try {
    port_ = http::boundPort(fd);
  } catch (std::exception&) {
    port_ = 0;
  }
  server_ = std::make_unique<http::HttpServer>(port, *table_, *service_, http::ServerOptions{});
  server_->listen(fd);
}

AdminServer::~AdminServer() noexcept(false) { server_.reset(); }

void AdminServer::stop() { if (server_) server_->stopAccepting(); }

}  // namespace colony
