// Colony's inbound HTTP/1.1 server: libuv streams, Debian's http-parser, and every request
// dispatched into a kj::HttpService (the interface workers, service bindings and outbound clients
// all speak).
//
// Hot path: one read buffer per connection, request heads copied once into one buffer per request
// (header names and values are NUL-terminated views into it), a response head and its first body
// write go out in one writev, pipelined responses are written in request order, small responses
// are written together at the end of the event-loop iteration.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include <kj/async.h>
#include <kj/compat/http.h>

#include "ipc/uv_event_port.h"

namespace colony::http {

class TlsSessionFactory;

struct ServerOptions {
  // https sockets: every accepted connection speaks TLS with this context.
  std::shared_ptr<TlsSessionFactory> tls;
  // HttpOptions.style = proxy: the request line carries an absolute URL, passed on as is.
  bool proxyStyle = false;
  // Scheme for URLs built from the Host header ("http", or "https" on TLS sockets).
  std::string scheme = "http";
  // HttpOptions.forwardedProtoHeader: when set and present in a request, its value is the URL
  // scheme, and the header is removed from the request the service sees.
  std::string forwardedProtoHeader;
  // Added to every request / response, replacing any header of the same name.
  std::vector<std::pair<std::string, std::string>> injectRequestHeaders, injectResponseHeaders;
  // A request head larger than this is answered with 431 and the connection closed.
  size_t maxHeaderBytes = 64 * 1024;
  // A client that takes longer than this to send a request head is disconnected.
  uint32_t headerTimeoutMs = 30000;
  // A keep-alive connection with no request for this long is closed.
  uint32_t idleTimeoutMs = 60000;
  // Requests parsed ahead on one connection while earlier responses are still being produced.
  uint32_t maxPipelinedRequests = 16;
};

struct ServerStats {
  uint64_t connections = 0;     // connections currently open
  uint64_t inFlight = 0;        // requests dispatched whose response has not finished
  uint64_t requestsServed = 0;  // responses completed since the server started
};

// Implemented by the Response an inbound HTTP request's service is handed, beyond
// kj::HttpService::Response:
// - closeConnectionAfterResponse(): the connection closes after this response. A worker's
//   uncaught exception asks for it, as the 500 page of workerd's HTTP server does
//   ("Connection: close", then the connection closes).
// - sendWhole(): send() and one write of the whole body, in a single writev and without a body
//   stream; resolves once the bytes are written (the body must stay valid until then).
class InboundResponse {
 public:
  virtual void closeConnectionAfterResponse() = 0;
  virtual kj::Promise<void> sendWhole(uint statusCode, kj::StringPtr statusText,
                                      const kj::HttpHeaders& headers,
                                      kj::ArrayPtr<const kj::byte> body) = 0;

 protected:
  ~InboundResponse() = default;
};

// The InboundResponse a service's Response is, or null: a type check cheaper than dynamic_cast
// (every response asks).
InboundResponse* asInboundResponse(kj::HttpService::Response& response);

class Connection;
class Listener;

class HttpServer {
 public:
  // Throws std::invalid_argument when an option is unusable (e.g. an injected header with an
  // invalid name or value), naming the option.
  HttpServer(colony::UvEventPort& port, kj::HttpHeaderTable& table, kj::HttpService& service,
             ServerOptions options);
  ~HttpServer() noexcept(false);
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Takes ownership of a listening TCP or Unix stream socket and starts accepting on it.
  // Throws std::runtime_error naming the fd when libuv refuses it.
  void listen(int listenFd);

  // Stops accepting new connections (closes the listening sockets). Open connections carry on.
  void stopAccepting();

  // Stops accepting; requests in flight finish and are answered with Connection: close; idle
  // connections close now. Resolves once every connection is closed.
  kj::Promise<void> drain();

  ServerStats stats() const { return stats_; }

  // Called after each accepted connection has started; it may call stopAccepting() (load
  // balancing across processes sharing the listening sockets does).
  void setAcceptHook(std::function<void()> hook) { acceptHook_ = std::move(hook); }

  // --- used by connections and exchanges ----------------------------------------------------
  colony::UvEventPort& port() { return port_; }
  kj::HttpHeaderTable& headerTable() { return table_; }
  kj::HttpService& service() { return service_; }
  const ServerOptions& options() const { return options_; }
  ServerStats& mutableStats() { return stats_; }
  bool draining() const { return draining_; }
  void onConnectionClosed(Connection* connection);

  // Response batching. A write of up to kOutboxBytes waits in its connection's outbox until
  // KJ's queue is drained (the event port's after-turn hook), or at the latest until just
  // before the event loop next waits for I/O; then every outbox is written, one write per
  // connection. On loopback the server's write also wakes the reading client, on another CPU:
  // responses written one at a time, as each is made, can cost a wake-up each, while a batch
  // finds a client that reads many connections (a proxy, a load generator) awake after the
  // first, and hands it the batch as one round of events.
  // A batch older than kMaxBatchDelayNs is written before code that may run long starts (see
  // flushOldResponseBatches()): a response waits for the work done after it in the same
  // iteration, but for one long piece of it at most (a handler computing for 100 ms).
  static constexpr size_t kOutboxBytes = 16 * 1024;
  static constexpr uint64_t kMaxBatchDelayNs = 100 * 1000;
  kj::Array<kj::byte> takeOutboxBuffer();
  void returnOutboxBuffer(kj::Array<kj::byte> buffer);
  // The connection's outbox got its first bytes of this batch / the connection is closing.
  void addToBatch(Connection* connection);
  void removeFromBatch(Connection* connection);
  // Writes every outbox now: the batch's end.
  void flushBatch();

 private:
  colony::UvEventPort& port_;
  kj::HttpHeaderTable& table_;
  kj::HttpService& service_;
  ServerOptions options_;
  ServerStats stats_;
  bool draining_ = false;
  std::unordered_set<Listener*> listeners_;
  std::unordered_set<Connection*> connections_;
  std::vector<kj::Own<kj::PromiseFulfiller<void>>> drainWaiters_;
  std::function<void()> acceptHook_;
  uv_prepare_t* flushHandle_;  // runs just before libuv polls, while toFlush_ is not empty
  std::vector<Connection*> toFlush_;
  uint64_t batchStartNs_ = 0;  // when toFlush_ got its first connection
  std::vector<kj::Array<kj::byte>> spareOutboxes_;

  friend class Listener;
  static void onBeforePoll(uv_prepare_t* handle);
  friend void flushOldResponseBatches();
  void acceptFrom(Listener& listener);
  void resolveDrainIfDone();
};

// Writes the response batches of this thread's servers that have waited longer than
// HttpServer::kMaxBatchDelayNs. Called before a request is handed to its service and before the
// outermost entry into a worker's JavaScript (a handler, or the continuation of one).
void flushOldResponseBatches();

}  // namespace colony::http
