// HttpServer: listening sockets, accepting connections, drain and stats.
#include "runtime/http/http_server.h"

#include <spdlog/spdlog.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

#include "runtime/http/http_connection.h"
#include "runtime/http/http_text.h"

namespace colony::http {

// One listening socket. Deletes itself when its handle is closed.
class Listener {
 public:
  Listener(HttpServer& server, bool isPipe) : server_(&server), isPipe_(isPipe) {
    uv_loop_t* loop = server.port().uvLoop();
    if (isPipe_) {
      uv_pipe_init(loop, &handle_.pipe, 0);
    } else {
      uv_tcp_init(loop, &handle_.tcp);
    }
    handle_.tcp.data = this;
  }

  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&handle_); }
  bool isPipe() const { return isPipe_; }

  int open(int fd) {
    return isPipe_ ? uv_pipe_open(&handle_.pipe, fd) : uv_tcp_open(&handle_.tcp, fd);
  }

  int startListening() {
    return uv_listen(stream(), kBacklog, [](uv_stream_t* stream, int status) {
      auto* self = static_cast<Listener*>(stream->data);
      if (status < 0) {
        spdlog::warn("http: accepting a connection failed: {}", uv_strerror(status));
        return;
      }
      if (self->server_ != nullptr) self->server_->acceptFrom(*self);
    });
  }

  // Closes the socket; the server forgets this listener now.
  void close() {
    server_ = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(&handle_),
             [](uv_handle_t* handle) { delete static_cast<Listener*>(handle->data); });
  }

 private:
  static constexpr int kBacklog = 1024;
  HttpServer* server_;
  bool isPipe_;
  union {
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } handle_;
};

namespace {

// This thread's servers with an open response batch.
thread_local std::vector<HttpServer*> serversWithBatches;
thread_local int liveServers = 0;

// The event port's after-turn hook: once KJ's queue is drained, what the turn wrote goes out.
void flushAllResponseBatches(void*) {
  while (!serversWithBatches.empty()) serversWithBatches.back()->flushBatch();
}

void forgetBatch(HttpServer* server) {
  auto it = std::find(serversWithBatches.begin(), serversWithBatches.end(), server);
  if (it == serversWithBatches.end()) return;
  *it = serversWithBatches.back();
  serversWithBatches.pop_back();
}

void validateInjected(const std::vector<std::pair<std::string, std::string>>& headers,
                      const char* option) {
  for (auto& [name, value] : headers) {
    if (!isValidHeaderName(name)) {
      throw std::invalid_argument(std::string(option) + ": invalid header name \"" + name + "\"");
    }
    if (!isValidHeaderValue(value)) {
      throw std::invalid_argument(std::string(option) + ": header \"" + name +
                                  "\" has a value with a line break or NUL character");
    }
  }
}

}  // namespace

HttpServer::HttpServer(colony::UvEventPort& port, kj::HttpHeaderTable& table,
                       kj::HttpService& service, ServerOptions options)
    : port_(port), table_(table), service_(service), options_(std::move(options)) {
  validateInjected(options_.injectRequestHeaders, "injectRequestHeaders");
  validateInjected(options_.injectResponseHeaders, "injectResponseHeaders");
  if (!options_.forwardedProtoHeader.empty() && !isValidHeaderName(options_.forwardedProtoHeader)) {
    throw std::invalid_argument("forwardedProtoHeader: invalid header name \"" +
                                options_.forwardedProtoHeader + "\"");
  }
  if (!isValidScheme(options_.scheme)) {
    throw std::invalid_argument("scheme: invalid URL scheme \"" + options_.scheme + "\"");
  }
  if (options_.maxHeaderBytes == 0) {
    throw std::invalid_argument("maxHeaderBytes must be greater than zero");
  }
  // http-parser has its own (process-wide) head limit; keep it above ours so ours decides.
  if (options_.maxHeaderBytes >= HTTP_MAX_HEADER_SIZE) {
    http_parser_set_max_header_size(static_cast<uint32_t>(options_.maxHeaderBytes + 1024));
  }
  flushHandle_ = new uv_prepare_t;
  uv_prepare_init(port_.uvLoop(), flushHandle_);
  flushHandle_->data = this;
  if (liveServers++ == 0) port_.setAfterTurnHook(&flushAllResponseBatches, nullptr);
}

HttpServer::~HttpServer() noexcept(false) {
  for (Listener* listener : listeners_) listener->close();
  listeners_.clear();
  auto connections = connections_;
  connections_.clear();
  for (Connection* connection : connections) connection->detachFromServer();
  if (!toFlush_.empty()) forgetBatch(this);
  toFlush_.clear();
  if (--liveServers == 0) port_.setAfterTurnHook(nullptr, nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(flushHandle_),
           [](uv_handle_t* handle) { delete reinterpret_cast<uv_prepare_t*>(handle); });
}

void HttpServer::listen(int listenFd) {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  int type = 0;
  socklen_t typeLength = sizeof(type);
  if (getsockname(listenFd, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
      getsockopt(listenFd, SOL_SOCKET, SO_TYPE, &type, &typeLength) != 0) {
    int error = errno;
    ::close(listenFd);
    throw std::runtime_error("HTTP server: fd " + std::to_string(listenFd) +
                             " is not a socket: " + strerror(error));
  }
  if (type != SOCK_STREAM) {
    ::close(listenFd);
    throw std::runtime_error("HTTP server: fd " + std::to_string(listenFd) +
                             " is not a stream socket");
  }
  auto* listener = new Listener(*this, address.ss_family == AF_UNIX);
  int rc = listener->open(listenFd);
  if (rc != 0) {
    ::close(listenFd);
    listener->close();
    throw std::runtime_error("HTTP server: cannot use fd " + std::to_string(listenFd) + ": " +
                             uv_strerror(rc));
  }
  rc = listener->startListening();
  if (rc != 0) {
    listener->close();  // closes the fd too
    throw std::runtime_error("HTTP server: cannot listen on fd " + std::to_string(listenFd) +
                             ": " + uv_strerror(rc));
  }
  listeners_.insert(listener);
}

void HttpServer::acceptFrom(Listener& listener) {
  auto* connection = new Connection(*this, listener.isPipe());
  connections_.insert(connection);
  stats_.connections++;
  int rc = uv_accept(listener.stream(), connection->stream());
  if (rc != 0) {
    spdlog::warn("http: accepting a connection failed: {}", uv_strerror(rc));
    connection->closeUnstarted();
    return;
  }
  connection->start();
  if (acceptHook_) acceptHook_();
}

void HttpServer::stopAccepting() {
  for (Listener* listener : listeners_) listener->close();
  listeners_.clear();
}

kj::Promise<void> HttpServer::drain() {
  draining_ = true;
  stopAccepting();
  auto connections = std::vector<Connection*>(connections_.begin(), connections_.end());
  for (Connection* connection : connections) connection->beginDrain();
  auto paf = kj::newPromiseAndFulfiller<void>();
  drainWaiters_.push_back(kj::mv(paf.fulfiller));
  resolveDrainIfDone();
  return kj::mv(paf.promise);
}

void HttpServer::onConnectionClosed(Connection* connection) {
  if (connections_.erase(connection) > 0) stats_.connections--;
  resolveDrainIfDone();
}

kj::Array<kj::byte> HttpServer::takeOutboxBuffer() {
  if (spareOutboxes_.empty()) return kj::heapArray<kj::byte>(kOutboxBytes);
  auto buffer = kj::mv(spareOutboxes_.back());
  spareOutboxes_.pop_back();
  return buffer;
}

void HttpServer::returnOutboxBuffer(kj::Array<kj::byte> buffer) {
  // Enough for the connections that answer in one busy iteration; more are freed.
  constexpr size_t kMaxSpare = 64;
  if (spareOutboxes_.size() < kMaxSpare) spareOutboxes_.push_back(kj::mv(buffer));
}

void HttpServer::addToBatch(Connection* connection) {
  if (toFlush_.empty()) {
    uv_prepare_start(flushHandle_, &HttpServer::onBeforePoll);
    uv_unref(reinterpret_cast<uv_handle_t*>(flushHandle_));
    batchStartNs_ = uv_hrtime();
    serversWithBatches.push_back(this);
  }
  toFlush_.push_back(connection);
}

void HttpServer::removeFromBatch(Connection* connection) {
  auto it = std::find(toFlush_.begin(), toFlush_.end(), connection);
  if (it != toFlush_.end()) toFlush_.erase(it);
}

void HttpServer::onBeforePoll(uv_prepare_t* handle) {
  static_cast<HttpServer*>(handle->data)->flushBatch();
}

void HttpServer::flushBatch() {
  uv_prepare_stop(flushHandle_);
  forgetBatch(this);
  // Flushing only writes or queues in libuv; a failed write closes its connection (deleted
  // later, in libuv's close phase), which no longer counts as listed: the list stays as it is.
  for (Connection* connection : toFlush_) connection->flushBatched();
  toFlush_.clear();
}

void flushOldResponseBatches() {
  if (serversWithBatches.empty()) return;
  uint64_t now = uv_hrtime();
  for (size_t i = 0; i < serversWithBatches.size();) {
    HttpServer* server = serversWithBatches[i];
    if (now - server->batchStartNs_ > HttpServer::kMaxBatchDelayNs) {
      server->flushBatch();  // takes it off the list: the last one moves to i
    } else {
      ++i;
    }
  }
}

void HttpServer::resolveDrainIfDone() {
  if (!draining_ || !connections_.empty()) return;
  auto waiters = std::move(drainWaiters_);
  drainWaiters_.clear();
  for (auto& waiter : waiters) waiter->fulfill();
}

}  // namespace colony::http
