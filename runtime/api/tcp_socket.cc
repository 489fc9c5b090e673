// ops.tcpConnect / tcpRead / tcpWrite / tcpEnd / tcpClose / tcpStartTls: raw TCP connections (plain
// or TLS) for `connect()` from "cloudflare:sockets".
//
// Connections go through the worker's globalOutbound, which must be a network service: its
// allow/deny lists decide which addresses may be reached and its tlsOptions configure TLS. A
// connection object is handed to JS as a handle; reads and writes before the connection is up wait
// for it, and close() cancels whatever is pending.
#include <arpa/inet.h>
#include <sys/socket.h>

#include <memory>

#include <kj/debug.h>

#include "runtime/api/tcp_socket.h"

#include "runtime/api/native_handle.h"
#include "runtime/api/ops.h"
#include "runtime/js_util.h"
#include "runtime/services/http_client_service.h"
#include "runtime/services/tls_client.h"
#include "runtime/worker.h"

namespace colony::api {

namespace {

constexpr size_t kReadChunk = 64 * 1024;

enum class Secure { OFF = 0, ON = 1, STARTTLS = 2 };

struct SocketInfo {
  kj::String remote;
  kj::String local;
};

kj::String formatAddress(const struct sockaddr_storage& addr) {
  char text[INET6_ADDRSTRLEN] = {0};
  if (addr.ss_family == AF_INET) {
    auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
    return kj::str(text, ":", ntohs(in->sin_port));
  }
  if (addr.ss_family == AF_INET6) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
    return kj::str("[", text, "]:", ntohs(in6->sin6_port));
  }
  return kj::str("");
}

SocketInfo infoOf(kj::AsyncIoStream& stream) {
  SocketInfo info;
  struct sockaddr_storage addr;
  uint len = sizeof(addr);
  memset(&addr, 0, sizeof(addr));
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() {
                stream.getpeername(reinterpret_cast<struct sockaddr*>(&addr), &len);
              })) {
    (void)e;
  } else {
    info.remote = formatAddress(addr);
  }
  len = sizeof(addr);
  memset(&addr, 0, sizeof(addr));
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() {
                stream.getsockname(reinterpret_cast<struct sockaddr*>(&addr), &len);
              })) {
    (void)e;
  } else {
    info.local = formatAddress(addr);
  }
  if (info.remote == nullptr) info.remote = kj::str("");
  if (info.local == nullptr) info.local = kj::str("");
  return info;
}

class Connection {
 public:
  // `tls` is null for accepted connections (tcp sockets in the config), which cannot start TLS.
  Connection(Secure secure, kj::String host, TlsClientContext* tls)
      : secure_(secure), host_(kj::mv(host)), tls_(tls) {}

  // Starts connecting; the connection is ready when `stream` resolves.
  void begin(kj::Promise<kj::Own<kj::AsyncIoStream>> stream) {
    connecting_ = stream
                      .then([this](kj::Own<kj::AsyncIoStream> s) {
                        stream_ = kj::mv(s);
                      })
                      .fork();
  }

  kj::Promise<void> ready() {
    if (closed_) return KJ_EXCEPTION(DISCONNECTED, "the socket is closed");
    KJ_IF_MAYBE(c, connecting_) { return c->addBranch(); }
    KJ_FAIL_REQUIRE("socket was never connected");
  }

  kj::Promise<kj::Maybe<kj::Array<kj::byte>>> read() {
    return canceler_.wrap(ready().then([this]() {
      auto buffer = kj::heapArray<kj::byte>(kReadChunk);
      auto promise = stream_->tryRead(buffer.begin(), 1, buffer.size());
      return promise.then([buffer = kj::mv(buffer)](size_t n) mutable -> kj::Maybe<kj::Array<kj::byte>> {
        if (n == 0) return nullptr;
        return kj::heapArray<kj::byte>(buffer.slice(0, n));
      });
    }));
  }

  kj::Promise<void> write(kj::Array<kj::byte> bytes) {
    return canceler_.wrap(ready().then([this, bytes = kj::mv(bytes)]() mutable {
      auto promise = stream_->write(bytes.begin(), bytes.size());
      return promise.attach(kj::mv(bytes));
    }));
  }

  kj::Promise<void> end() {
    return canceler_.wrap(ready().then([this]() { stream_->shutdownWrite(); }));
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    canceler_.cancel("the socket is closed");
    connecting_ = nullptr;
    stream_ = nullptr;
  }

  // Hands the connection's stream over to a TLS session verified against `hostname`; this
  // connection is closed.
  kj::Promise<kj::Own<kj::AsyncIoStream>> upgrade(kj::StringPtr hostname) {
    auto name = kj::str(hostname);
    auto promise = ready().then([this]() { return kj::mv(stream_); });
    return promise.then([this, name = kj::mv(name)](kj::Own<kj::AsyncIoStream> raw) mutable {
      close();
      KJ_REQUIRE(tls_ != nullptr, "this socket cannot start TLS");
      auto wrapped = tls_->get().wrapClient(kj::mv(raw), name);
      return wrapped.catch_([name = kj::mv(name)](kj::Exception&& e)
                                -> kj::Promise<kj::Own<kj::AsyncIoStream>> {
        return describeTlsFailure(name, kj::mv(e));
      });
    });
  }

  // The socket's addresses, taken from the TCP connection before any TLS goes on top.
  void setInfo(SocketInfo info) { info_ = kj::mv(info); }
  SocketInfo info() const { return {kj::str(info_.remote), kj::str(info_.local)}; }

  Secure secure() const { return secure_; }
  kj::StringPtr host() const { return host_; }
  TlsClientContext* tls() { return tls_; }
  kj::AsyncIoStream* stream() { return stream_.get(); }

 private:
  Secure secure_;
  kj::String host_;
  TlsClientContext* tls_;
  kj::Maybe<kj::ForkedPromise<void>> connecting_;
  kj::Own<kj::AsyncIoStream> stream_;
  kj::Canceler canceler_;
  SocketInfo info_{kj::str(""), kj::str("")};
  bool closed_ = false;
};

// The JS handle's payload: collecting the handle closes the connection if nothing else did.
struct ConnectionRef {
  std::shared_ptr<Connection> connection;
  ConnectionRef(std::shared_ptr<Connection> c) : connection(kj::mv(c)) {}
  ConnectionRef(ConnectionRef&&) = default;
  ~ConnectionRef() {
    if (connection) connection->close();
  }
};

const HandleKind kTcpSocketHandle{"TCP socket"};

v8::Local<v8::Object> wrap(Worker& worker, std::shared_ptr<Connection> connection) {
  return wrapHandle(worker, kTcpSocketHandle, ConnectionRef(kj::mv(connection)));
}

std::shared_ptr<Connection> unwrap(v8::Local<v8::Value> value) {
  auto* ref = unwrapHandle<ConnectionRef>(value, kTcpSocketHandle);
  return ref == nullptr ? nullptr : ref->connection;
}

// [handle, opened promise] for JS.
v8::Local<v8::Value> connectionResult(Worker& worker, std::shared_ptr<Connection> connection) {
  auto* isolate = worker.isolate();
  auto context = worker.context();
  auto opened = connection->ready().then([connection]() { return connection->info(); });
  auto promise = worker.toJsPromise(kj::mv(opened), [&worker](SocketInfo&& info) -> v8::Local<v8::Value> {
    auto* iso = worker.isolate();
    auto obj = v8::Object::New(iso);
    obj->Set(worker.context(), js::str(iso, "remoteAddress"), js::str(iso, info.remote.cStr())).Check();
    obj->Set(worker.context(), js::str(iso, "localAddress"), js::str(iso, info.local.cStr())).Check();
    return obj;
  });
  auto result = v8::Array::New(isolate, 2);
  result->Set(context, 0, wrap(worker, kj::mv(connection))).Check();
  result->Set(context, 1, promise).Check();
  return result;
}

// tcpConnect(hostname, port, secure: 0 off | 1 on | 2 starttls) -> [handle, opened]
void tcpConnect(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto& worker = Worker::from(isolate);
  auto host = js::toKjString(isolate, info[0]);
  uint32_t port = info[1]->Uint32Value(worker.context()).FromMaybe(0);
  auto secure = static_cast<Secure>(info[2]->Int32Value(worker.context()).FromMaybe(0));

  const auto& outboundName = worker.source().globalOutbound;
  if (outboundName.empty()) {
    return js::throwError(isolate, "connect() is not available: this worker has no globalOutbound service");
  }
  NetworkHttpService* network = nullptr;
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() {
                network = dynamic_cast<NetworkHttpService*>(&worker.host().findService(outboundName));
              })) {
    return js::throwError(isolate, e->getDescription().cStr());
  }
  if (network == nullptr) {
    return js::throwError(isolate, "connect() needs the worker's globalOutbound \"" + outboundName +
                                       "\" to be a network service");
  }

  auto connection = std::make_shared<Connection>(secure, kj::str(host), &network->tls());
  auto address = host.findFirst(':') != nullptr ? kj::str("[", host, "]:", port) : kj::str(host, ":", port);
  auto stream =
      network->network()
          .parseAddress(address)
          .then([](kj::Own<kj::NetworkAddress> addr) { return addr->connect().attach(kj::mv(addr)); })
          .then([c = connection.get()](kj::Own<kj::AsyncIoStream> raw) {
            c->setInfo(infoOf(*raw));
            return kj::mv(raw);
          })
          .catch_([network, host = kj::str(host)](kj::Exception&& e)
                      -> kj::Promise<kj::Own<kj::AsyncIoStream>> {
            if (strstr(e.getDescription().cStr(), "restrictPeers") != nullptr) {
              return KJ_EXCEPTION(FAILED, kj::str("connect(): ", network->refusal(host)));
            }
            return kj::Exception(e.getType(), __FILE__, __LINE__,
                                 kj::str("connect() to ", host, " failed: ", e.getDescription()));
          });
  if (secure == Secure::ON) {
    auto* tls = &network->tls();
    stream = stream.then([tls, host = kj::str(host)](kj::Own<kj::AsyncIoStream> raw) mutable {
      return tls->get().wrapClient(kj::mv(raw), host)
          .catch_([host = kj::mv(host)](kj::Exception&& e) -> kj::Promise<kj::Own<kj::AsyncIoStream>> {
            return describeTlsFailure(host, kj::mv(e));
          });
    });
  }
  connection->begin(kj::mv(stream));
  info.GetReturnValue().Set(connectionResult(worker, kj::mv(connection)));
}

void tcpRead(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto& worker = Worker::from(isolate);
  auto connection = unwrap(info[0]);
  if (!connection) return js::throwTypeError(isolate, "not a socket handle");
  auto read = connection->read().attach(std::shared_ptr<Connection>(connection));
  info.GetReturnValue().Set(worker.toJsPromise(
      kj::mv(read), [&worker](kj::Maybe<kj::Array<kj::byte>>&& chunk) -> v8::Local<v8::Value> {
        KJ_IF_MAYBE(bytes, chunk) { return js::newBytes(worker.isolate(), *bytes); }
        return v8::Null(worker.isolate());
      }));
}

void tcpWrite(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto& worker = Worker::from(isolate);
  auto connection = unwrap(info[0]);
  if (!connection) return js::throwTypeError(isolate, "not a socket handle");
  auto bytes = kj::heapArray<kj::byte>(js::bytesOf(info[1]));
  auto write = connection->write(kj::mv(bytes)).attach(std::shared_ptr<Connection>(connection));
  info.GetReturnValue().Set(worker.toJsPromise(kj::mv(write)));
}

void tcpEnd(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto& worker = Worker::from(isolate);
  auto connection = unwrap(info[0]);
  if (!connection) return js::throwTypeError(isolate, "not a socket handle");
  auto end = connection->end().attach(std::shared_ptr<Connection>(connection));
  info.GetReturnValue().Set(worker.toJsPromise(kj::mv(end)));
}

void tcpClose(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto connection = unwrap(info[0]);
  if (connection) connection->close();
}

// tcpStartTls(handle, hostname) -> [handle, opened] of the TLS connection replacing `handle`.
void tcpStartTls(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto& worker = Worker::from(isolate);
  auto connection = unwrap(info[0]);
  if (!connection) return js::throwTypeError(isolate, "not a socket handle");
  auto hostname = info[1]->IsString() ? js::toKjString(isolate, info[1]) : kj::str(connection->host());
  if (connection->tls() == nullptr) {
    return js::throwTypeError(isolate, "startTls() is not available on an accepted connection");
  }
  auto upgraded = std::make_shared<Connection>(Secure::ON, kj::str(hostname), connection->tls());
  upgraded->begin(connection->upgrade(hostname)
                      .then([u = upgraded.get(), c = connection.get()](kj::Own<kj::AsyncIoStream> s) {
                        u->setInfo(c->info());
                        return kj::mv(s);
                      })
                      .attach(std::shared_ptr<Connection>(connection)));
  info.GetReturnValue().Set(connectionResult(worker, kj::mv(upgraded)));
}

}  // namespace

v8::Local<v8::Value> wrapAcceptedTcpConnection(Worker& worker, kj::Own<kj::AsyncIoStream> stream,
                                               std::function<void()>* close) {
  auto connection = std::make_shared<Connection>(Secure::OFF, kj::str(""), nullptr);
  *close = [connection]() { connection->close(); };
  connection->setInfo(infoOf(*stream));
  connection->begin(kj::Promise<kj::Own<kj::AsyncIoStream>>(kj::mv(stream)));
  return connectionResult(worker, kj::mv(connection));
}

void installTcpSocketOps(Worker& worker, v8::Local<v8::Object> ops) {
  setOp(worker, ops, "tcpConnect", &tcpConnect);
  setOp(worker, ops, "tcpRead", &tcpRead);
  setOp(worker, ops, "tcpWrite", &tcpWrite);
  setOp(worker, ops, "tcpEnd", &tcpEnd);
  setOp(worker, ops, "tcpClose", &tcpClose);
  setOp(worker, ops, "tcpStartTls", &tcpStartTls);
}

}  // namespace colony::api
