#include "runtime/tcp_socket_server.h"

#include <spdlog/spdlog.h>

#include <kj/debug.h>

#include "runtime/api/tcp_socket.h"
#include "runtime/js_util.h"
#include "runtime/request_context.h"
#include "runtime/worker.h"

namespace colony {

namespace {

// A client that has not finished its TLS handshake by then is dropped.
constexpr auto kTlsHandshakeTimeout = 30 * kj::SECONDS;

}  // namespace

TcpSocketServer::TcpSocketServer(UvAsyncIo& io, Worker& worker, std::string entrypoint,
                                 std::string socketName, int listenFd,
                                 std::shared_ptr<http::TlsServerContext> tls)
    : io_(io),
      worker_(worker),
      tls_(std::move(tls)),
      entrypoint_(std::move(entrypoint)),
      socketName_(std::move(socketName)),
      connectionTasks_(*this) {
  using Flags = kj::LowLevelAsyncIoProvider;
  receiver_ = io.lowLevel().wrapListenSocketFd(
      listenFd, Flags::TAKE_OWNERSHIP | Flags::ALREADY_CLOEXEC);
  acceptTask_ = acceptLoop().eagerlyEvaluate([this](kj::Exception&& e) {
    spdlog::error("socket \"{}\": accepting failed: {}", socketName_, e.getDescription().cStr());
  });
}

TcpSocketServer::~TcpSocketServer() noexcept(false) {}

kj::Promise<void> TcpSocketServer::acceptLoop() {
  return receiver_->accept().then([this](kj::Own<kj::AsyncIoStream> stream) {
    ++connections_;
    kj::Promise<void> served = nullptr;
    if (tls_) {
      auto timeout = io_.timer().afterDelay(kTlsHandshakeTimeout).then(
          []() -> kj::Own<kj::AsyncIoStream> {
            kj::throwFatalException(KJ_EXCEPTION(DISCONNECTED, "TLS handshake timed out"));
          });
      served = http::acceptTls(kj::mv(stream), tls_)
                   .exclusiveJoin(kj::mv(timeout))
                   .then([this](kj::Own<kj::AsyncIoStream> secure) { return serve(kj::mv(secure)); },
                         [this](kj::Exception&& e) {
                           spdlog::debug("socket \"{}\": {}", socketName_,
                                         e.getDescription().cStr());
                         });
    } else {
      served = serve(kj::mv(stream));
    }
    connectionTasks_.add(served.attach(kj::defer([this]() { --connections_; })));
    return acceptLoop();
  });
}

kj::Promise<void> TcpSocketServer::serve(kj::Own<kj::AsyncIoStream> stream) {
  kj::Promise<v8::Global<v8::Value>> result = nullptr;
  bool noHandler = false;
  std::function<void()> closeConnection = []() {};
  worker_.enter([&] {
    auto* isolate = worker_.isolate();
    auto context = worker_.context();
    v8::TryCatch tryCatch(isolate);
    auto fail = [&]() {
      result = KJ_EXCEPTION(FAILED, js::describeException(isolate, context, tryCatch));
    };
    auto exports = worker_.moduleExports();
    if (exports.IsEmpty()) {
      noHandler = true;
      return;
    }
    auto ctx = RequestContext::newJsObject(worker_, kj::refcounted<RequestContext>());
    auto makeSocket = [&]() -> v8::MaybeLocal<v8::Value> {
      auto pair = api::wrapAcceptedTcpConnection(worker_, kj::mv(stream), &closeConnection);
      v8::Local<v8::Value> hookArgs[] = {pair};
      return worker_.hook("acceptedSocket")->Call(context, v8::Undefined(isolate), 1, hookArgs);
    };
    v8::Local<v8::Value> value;
    switch (worker_.callHandler(entrypoint_, "connect", ctx, makeSocket, value)) {
      case Worker::HandlerCall::CALLED:
        break;
      case Worker::HandlerCall::NO_METHOD:
        tryCatch.Reset();  // reported below in workerd's words
        noHandler = true;
        return;
      case Worker::HandlerCall::THREW:
        return fail();
    }
    result = worker_.awaitJs(value);
  });
  if (noHandler) {
    worker_.logError(
        "Received a connect event but we lack a handler. Did you remember to export a connect() "
        "function?");
    return kj::READY_NOW;  // dropping the stream closes the connection
  }
  // The connection ends with its handler, whether or not JS still holds the socket.
  return result
      .then([](v8::Global<v8::Value>) {},
            [this](kj::Exception&& e) {
              worker_.logError(kj::str("Uncaught ", e.getDescription()).cStr());
            })
      .attach(kj::defer(kj::mv(closeConnection)));
}

kj::Promise<void> TcpSocketServer::drain() {
  acceptTask_ = nullptr;
  receiver_ = nullptr;
  return connectionTasks_.onEmpty();
}

void TcpSocketServer::taskFailed(kj::Exception&& exception) {
  spdlog::error("socket \"{}\": {}", socketName_, exception.getDescription().cStr());
}

}  // namespace colony
