// ops.wsStart / ops.wsSend / ops.wsClose: a native WebSocket handle, and the 101 response path.
//
// A handle owns one kj::WebSocket. Outgoing messages are queued and written one at a time (kj
// allows one send in flight); incoming messages are read one at a time and handed to the JS
// callback given to wsStart. Reading pauses while more than kHighWater bytes wait to be written
// on the same socket, so a peer that sends faster than it reads (an echo) is slowed down by TCP
// instead of filling memory. A Close from the peer is answered by JS after its close event (or
// here, with the same code, if JS did not); the session is over once Close went both ways, or on
// an error.
//
// A socket fetched from an upstream and returned unaccepted is joined to the client's by a Pipe,
// which passes messages through both ways without JS.
#include "runtime/api/websocket.h"

#include <deque>
#include <map>
#include <memory>
#include <set>

#include <kj/debug.h>

#include "runtime/api/native_handle.h"
#include "runtime/api/ops.h"
#include "runtime/js_util.h"
#include "runtime/worker.h"

namespace colony::api {

namespace {

constexpr size_t kHighWater = 1 << 20;
constexpr size_t kMaxMessage = 32u << 20;
// After our Close went out, the peer has this long to answer with its own before the connection
// is dropped (a peer that never answers must not hold the socket, or a drain, forever).
constexpr auto kCloseHandshakeTimeout = 5 * kj::SECONDS;

// JS callback kinds (see websocket.js).
constexpr int kEventMessage = 0;
constexpr int kEventClose = 1;
constexpr int kEventError = 2;

// Live sessions by worker, for the drain's goodbye and the worker's teardown.
template <typename T>
using ByWorker = std::map<Worker*, std::set<T*>>;

template <typename T>
void forgetSession(ByWorker<T>& sessions, Worker& worker, T* session) {
  auto it = sessions.find(&worker);
  if (it == sessions.end()) return;
  it->second.erase(session);
  if (it->second.empty()) sessions.erase(it);
}

class Socket;

ByWorker<Socket>& socketsOf() {
  static ByWorker<Socket> sockets;
  return sockets;
}

class Socket : public std::enable_shared_from_this<Socket> {
 public:
  Socket(Worker& worker, kj::Own<kj::WebSocket> socket) : worker_(worker), ws_(kj::mv(socket)) {
    socketsOf()[&worker_].insert(this);
  }
  ~Socket() noexcept(false) { forgetSession(socketsOf(), worker_, this); }

  bool started() const { return started_; }
  bool finished() const { return finished_; }

  void start(v8::Local<v8::Function> callback) {
    KJ_REQUIRE(!started_, "this WebSocket is already started");
    started_ = true;
    if (finished_) return;
    callback_.Reset(worker_.isolate(), callback);
    receiveNext();
    pumpQueue();
  }

  void sendText(kj::String text) {
    if (finished_ || closeQueued_) return;
    queuedBytes_ += text.size();
    queue_.push_back(Outgoing{Outgoing::kText, kj::mv(text), nullptr, 0});
    pumpQueue();
  }
  void sendBinary(kj::Array<kj::byte> bytes) {
    if (finished_ || closeQueued_) return;
    queuedBytes_ += bytes.size();
    queue_.push_back(Outgoing{Outgoing::kBinary, nullptr, kj::mv(bytes), 0});
    pumpQueue();
  }
  void close(uint16_t code, kj::String reason) {
    if (finished_ || closeQueued_) return;
    closeQueued_ = true;
    queue_.push_back(Outgoing{Outgoing::kClose, kj::mv(reason), nullptr, code});
    pumpQueue();
  }

  // The server is draining: says goodbye with 1001 "going away" (then the peer's Close, or the
  // close-handshake timeout, ends the session).
  void goAway() {
    if (finished_ || ws_.get() == nullptr) return;
    close(1001, kj::str("going away"));
  }

  // Hands the kj::WebSocket over (a socket returned unaccepted in a 101 response).
  kj::Own<kj::WebSocket> take() {
    KJ_REQUIRE(!started_ && !finished_ && ws_.get() != nullptr,
               "this WebSocket was already accepted or closed");
    finished_ = true;
    return kj::mv(ws_);
  }

  kj::Promise<void> whenDone() {
    if (finished_) return kj::READY_NOW;
    auto paf = kj::newPromiseAndFulfiller<void>();
    done_ = kj::mv(paf.fulfiller);
    return kj::mv(paf.promise);
  }

  // The worker is being destroyed: forget JS, drop the connection.
  void teardown() {
    callback_.Reset();
    finished_ = true;
    canceler_.cancel("the worker is shutting down");
    queue_.clear();
    ws_ = nullptr;
  }

 private:
  struct Outgoing {
    enum Kind { kText, kBinary, kClose } kind;
    kj::String text;  // text, or the close reason
    kj::Array<kj::byte> bytes;
    uint16_t code;
  };

  void receiveNext() {
    if (finished_ || closeReceived_ || receiving_ || !started_) return;
    if (queuedBytes_ > kHighWater) {
      readPaused_ = true;
      return;
    }
    receiving_ = true;
    auto self = shared_from_this();
    worker_.addTask(canceler_.wrap(ws_->receive(kMaxMessage))
                        .then(
                            [self](kj::WebSocket::Message&& message) {
                              self->receiving_ = false;
                              self->onMessage(kj::mv(message));
                            },
                            [self](kj::Exception&& e) {
                              self->receiving_ = false;
                              self->fail(kj::mv(e));
                            }));
  }

  void onMessage(kj::WebSocket::Message&& message) {
    if (finished_) return;
    KJ_SWITCH_ONEOF(message) {
      KJ_CASE_ONEOF(text, kj::String) {
        deliver(kEventMessage, [&](v8::Isolate* isolate) -> v8::Local<v8::Value> {
          return js::str(isolate, std::string_view(text.cStr(), text.size()));
        });
      }
      KJ_CASE_ONEOF(bytes, kj::Array<kj::byte>) {
        deliver(kEventMessage, [&](v8::Isolate* isolate) -> v8::Local<v8::Value> {
          return js::newArrayBuffer(isolate, bytes);
        });
      }
      KJ_CASE_ONEOF(closeMessage, kj::WebSocket::Close) {
        closeReceived_ = true;
        uint16_t code = closeMessage.code;
        deliverClose(code, closeMessage.reason, true);
        if (!closeQueued_) {
          // JS answers the Close from its close event; without JS, answer it here with the same
          // code (a code that may not be sent becomes 1000).
          bool sendable = code == 1000 || (code >= 1001 && code <= 1003) ||
                          (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
          close(sendable ? code : 1000, kj::str(""));
        }
        maybeFinish();
        return;
      }
    }
    receiveNext();
  }

  void pumpQueue() {
    if (sending_ || queue_.empty() || finished_ || ws_.get() == nullptr) return;
    sending_ = true;
    auto& item = queue_.front();
    kj::Promise<void> sent = nullptr;
    switch (item.kind) {
      case Outgoing::kText:
        sent = ws_->send(item.text.asArray());
        break;
      case Outgoing::kBinary:
        sent = ws_->send(item.bytes.asPtr());
        break;
      case Outgoing::kClose:
        sent = ws_->close(item.code, item.text);
        break;
    }
    auto self = shared_from_this();
    worker_.addTask(canceler_.wrap(kj::mv(sent))
                        .then(
                            [self]() {
                              self->sending_ = false;
                              if (self->finished_ || self->queue_.empty()) return;
                              auto& done = self->queue_.front();
                              if (done.kind == Outgoing::kClose) {
                                self->closeSent_ = true;
                                if (!self->closeReceived_) self->startCloseTimer();
                              }
                              size_t size = done.kind == Outgoing::kText     ? done.text.size()
                                            : done.kind == Outgoing::kBinary ? done.bytes.size()
                                                                             : 0;
                              self->queuedBytes_ -= size;
                              self->queue_.pop_front();
                              if (self->readPaused_ && self->queuedBytes_ <= kHighWater / 2) {
                                self->readPaused_ = false;
                                self->receiveNext();
                              }
                              self->maybeFinish();
                              self->pumpQueue();
                            },
                            [self](kj::Exception&& e) {
                              self->sending_ = false;
                              self->fail(kj::mv(e));
                            }));
  }

  void maybeFinish() {
    if (closeSent_ && closeReceived_) finish();
  }

  void startCloseTimer() {
    auto self = shared_from_this();
    worker_.addTask(canceler_.wrap(worker_.host().port.timer().afterDelay(kCloseHandshakeTimeout))
                        .then(
                            [self]() {
                              if (self->finished_ || self->closeReceived_) return;
                              // No Close came back: end the session as an abnormal closure.
                              self->deliverClose(1006, "", false);
                              self->finish();
                            },
                            [](kj::Exception&&) {}));
  }

  void fail(kj::Exception&& e) {
    if (finished_) return;
    if (closeSent_ && e.getType() == kj::Exception::Type::DISCONNECTED) {
      // We said goodbye and the peer hung up without answering: a clean enough end.
      deliverClose(1006, "", false);
    } else {
      auto text = kj::str(e.getDescription());
      deliver(kEventError, [&](v8::Isolate* isolate) -> v8::Local<v8::Value> {
        return js::str(isolate, std::string_view(text.cStr(), text.size()));
      });
      deliverClose(1006, "", false);
    }
    finish();
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    callback_.Reset();
    queue_.clear();
    KJ_IF_MAYBE(f, done_) {
      (*f)->fulfill();
      done_ = nullptr;
    }
    // Outside the continuation that got us here: stop any read or write still pending, then let
    // the connection go.
    auto self = shared_from_this();
    worker_.addTask(kj::evalLater([self]() {
      self->canceler_.cancel("the WebSocket is closed");
      self->ws_ = nullptr;
    }));
  }

  template <typename MakeValue>
  void deliver(int kind, MakeValue&& makeValue) {
    if (callback_.IsEmpty()) return;
    worker_.enter([&] {
      auto* isolate = worker_.isolate();
      v8::TryCatch tryCatch(isolate);
      v8::Local<v8::Value> args[] = {v8::Integer::New(isolate, kind), makeValue(isolate)};
      auto callback = callback_.Get(isolate);
      if (callback->Call(worker_.context(), v8::Undefined(isolate), 2, args).IsEmpty() &&
          tryCatch.HasCaught() && !tryCatch.HasTerminated()) {
        worker_.logError("Uncaught " +
                         js::describeException(isolate, worker_.context(), tryCatch));
      }
    });
  }

  void deliverClose(uint16_t code, kj::StringPtr reason, bool clean) {
    if (callback_.IsEmpty()) return;
    worker_.enter([&] {
      auto* isolate = worker_.isolate();
      v8::TryCatch tryCatch(isolate);
      v8::Local<v8::Value> args[] = {
          v8::Integer::New(isolate, kEventClose), v8::Integer::New(isolate, code),
          js::str(isolate, std::string_view(reason.cStr(), reason.size())),
          v8::Boolean::New(isolate, clean)};
      auto callback = callback_.Get(isolate);
      if (callback->Call(worker_.context(), v8::Undefined(isolate), 4, args).IsEmpty() &&
          tryCatch.HasCaught() && !tryCatch.HasTerminated()) {
        worker_.logError("Uncaught " +
                         js::describeException(isolate, worker_.context(), tryCatch));
      }
    });
  }

  Worker& worker_;
  kj::Own<kj::WebSocket> ws_;
  kj::Canceler canceler_;
  v8::Global<v8::Function> callback_;
  std::deque<Outgoing> queue_;
  size_t queuedBytes_ = 0;
  bool started_ = false;
  bool receiving_ = false;
  bool sending_ = false;
  bool readPaused_ = false;
  bool closeQueued_ = false;
  bool closeSent_ = false;
  bool closeReceived_ = false;
  bool finished_ = false;
  kj::Maybe<kj::Own<kj::PromiseFulfiller<void>>> done_;
};

const HandleKind kWebSocketHandle{"WebSocket"};

std::shared_ptr<Socket> unwrapSocket(v8::Local<v8::Value> value) {
  auto* socket = unwrapHandle<std::shared_ptr<Socket>>(value, kWebSocketHandle);
  return socket == nullptr ? nullptr : *socket;
}

std::shared_ptr<Socket> socketArg(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto socket = unwrapSocket(info[0]);
  if (socket == nullptr) js::throwTypeError(info.GetIsolate(), "not a WebSocket handle");
  return socket;
}

void wsStart(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto socket = socketArg(info);
  if (socket == nullptr) return;
  if (!info[1]->IsFunction()) return js::throwTypeError(info.GetIsolate(), "callback required");
  if (socket->started()) return js::throwTypeError(info.GetIsolate(), "already started");
  socket->start(info[1].As<v8::Function>());
}

void wsSend(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto socket = socketArg(info);
  if (socket == nullptr) return;
  if (info[1]->IsString()) {
    socket->sendText(js::toKjString(info.GetIsolate(), info[1]));
  } else {
    socket->sendBinary(kj::heapArray<kj::byte>(js::bytesOf(info[1])));
  }
}

void wsClose(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto socket = socketArg(info);
  if (socket == nullptr) return;
  auto* isolate = info.GetIsolate();
  auto code = info[1]->Uint32Value(isolate->GetCurrentContext()).FromMaybe(1000);
  socket->close(static_cast<uint16_t>(code), js::toKjString(isolate, info[2]));
}

class Pipe;

ByWorker<Pipe>& pipesOf() {
  static ByWorker<Pipe> pipes;
  return pipes;
}

// A socket returned unaccepted in a 101 response, joined to the client's: each way, one message
// at a time is read from one side and written to the other (kj allows one send in flight), until
// a Close has gone through each way, or one side fails and both are aborted. At a drain, each way
// stops reading once the message it is writing (if any) is out, and sends Close 1001 "going away"
// onwards instead, so the client and the upstream both learn that this server is going; each side
// then has the close-handshake timeout to answer with its Close before its connection is dropped
// (closing before the answer came could reset the connection and lose our Close on the way).
class Pipe {
 public:
  Pipe(Worker& worker, kj::Own<kj::WebSocket> upstream, kj::Own<kj::WebSocket> client)
      : worker_(worker),
        upstream_(kj::mv(upstream)),
        client_(kj::mv(client)),
        toClient_{*upstream_, *client_},
        toUpstream_{*client_, *upstream_} {
    pipesOf()[&worker_].insert(this);
  }
  ~Pipe() noexcept(false) { forgetSession(pipesOf(), worker_, this); }
  KJ_DISALLOW_COPY(Pipe);

  // Resolves once both ways are over.
  kj::Promise<void> run() {
    auto both = kj::heapArrayBuilder<kj::Promise<void>>(2);
    both.add(pump(toClient_).catch_([this](kj::Exception&&) { abortBoth(); }));
    both.add(pump(toUpstream_).catch_([this](kj::Exception&&) { abortBoth(); }));
    return kj::joinPromises(both.finish());
  }

  void goAway() {
    if (goingAway_) return;
    goingAway_ = true;
    // Only reads are wrapped: a way writing a message finishes it, then finds goingAway_ set.
    for (Way* way : {&toClient_, &toUpstream_}) way->reading.cancel("the server is going away");
  }

 private:
  struct Way {
    kj::WebSocket& from;
    kj::WebSocket& to;
    kj::Canceler reading;
    bool closeReceived = false;  // `from` sent its Close
  };

  // The way reading from what `way` writes to.
  Way& reverse(Way& way) { return &way == &toClient_ ? toUpstream_ : toClient_; }

  // At a drain: Close 1001 onwards, then that side's answering Close (unless it sent its own
  // already), within the close-handshake timeout.
  kj::Promise<void> sayGoingAway(Way& way) {
    return way.to.close(1001, "going away").then([this, &way]() -> kj::Promise<void> {
      if (reverse(way).closeReceived) return kj::READY_NOW;
      return awaitClose(way.to)
          .exclusiveJoin(worker_.host().port.timer().afterDelay(kCloseHandshakeTimeout))
          .catch_([](kj::Exception&&) {});  // a side gone meanwhile has nothing more to say
    });
  }

  // Reads until the Close (messages still on their way after ours are dropped).
  kj::Promise<void> awaitClose(kj::WebSocket& socket) {
    return socket.receive(kMaxMessage).then([this, &socket](kj::WebSocket::Message&& message) {
      return message.is<kj::WebSocket::Close>() ? kj::Promise<void>(kj::READY_NOW)
                                                : awaitClose(socket);
    });
  }

  kj::Promise<void> pump(Way& way) {
    if (goingAway_) return sayGoingAway(way);
    return way.reading.wrap(way.from.receive(kMaxMessage))
        .then(
            [this, &way](kj::WebSocket::Message&& message) -> kj::Promise<void> {
              KJ_SWITCH_ONEOF(message) {
                KJ_CASE_ONEOF(text, kj::String) { return forward(way, kj::mv(text)); }
                KJ_CASE_ONEOF(bytes, kj::Array<kj::byte>) { return forward(way, kj::mv(bytes)); }
                KJ_CASE_ONEOF(close, kj::WebSocket::Close) {
                  // This way is over once the Close has gone through.
                  way.closeReceived = true;
                  return way.to.close(close.code, close.reason).attach(kj::mv(close));
                }
              }
              KJ_UNREACHABLE;
            },
            [this, &way](kj::Exception&& e) -> kj::Promise<void> {
              // Reading stopped for the drain (or failed during it): say goodbye onwards.
              if (goingAway_) return sayGoingAway(way);
              if (e.getType() == kj::Exception::Type::DISCONNECTED) return way.to.disconnect();
              return way.to.close(1002, e.getDescription());
            });
  }

  // Writes a text or binary message onwards, then reads the next.
  template <typename Payload>
  kj::Promise<void> forward(Way& way, Payload payload) {
    auto sent = way.to.send(payload);
    return sent.attach(kj::mv(payload)).then([this, &way]() { return pump(way); });
  }

  void abortBoth() {
    upstream_->abort();
    client_->abort();
  }

  Worker& worker_;
  kj::Own<kj::WebSocket> upstream_;
  kj::Own<kj::WebSocket> client_;
  Way toClient_;
  Way toUpstream_;
  bool goingAway_ = false;
};

}  // namespace

v8::Local<v8::Object> wrapWebSocket(Worker& worker, kj::Own<kj::WebSocket> socket) {
  return wrapHandle(worker, kWebSocketHandle, std::make_shared<Socket>(worker, kj::mv(socket)));
}

kj::Promise<void> serveWebSocketResponse(Worker& worker, v8::Local<v8::Value> jsSocket,
                                         kj::HttpService::Response& response,
                                         const kj::HttpHeaders& headers) {
  // null: a WebSocketPair end (served here); a handle: a fetched socket passed through as is.
  auto through = worker.callHook("webSocketForResponse", {jsSocket});
  if (auto upstream = unwrapSocket(through)) {
    auto upstreamSocket = upstream->take();
    auto pipe = kj::heap<Pipe>(worker, kj::mv(upstreamSocket), response.acceptWebSocket(headers));
    auto done = pipe->run();
    return done.attach(kj::mv(pipe));
  }
  auto handle = wrapWebSocket(worker, response.acceptWebSocket(headers));
  auto socket = unwrapSocket(handle);
  auto done = socket->whenDone();
  worker.callHook("bindWebSocket", {jsSocket, handle});
  // Keep the socket while the session lasts, even if JS lets go of its handle.
  return done.attach(kj::mv(socket));
}

void closeAllWebSockets(Worker& worker) {
  auto it = socketsOf().find(&worker);
  if (it == socketsOf().end()) return;
  auto sockets = it->second;
  for (auto* socket : sockets) socket->teardown();
}

void closeWebSocketsGoingAway(Worker& worker) {
  auto it = socketsOf().find(&worker);
  if (it != socketsOf().end()) {
    auto sockets = it->second;
    for (auto* socket : sockets) socket->goAway();
  }
  auto pipes = pipesOf().find(&worker);
  if (pipes != pipesOf().end()) {
    for (auto* pipe : std::set<Pipe*>(pipes->second)) pipe->goAway();
  }
}

void installWebSocketOps(Worker& worker, v8::Local<v8::Object> ops) {
  setOp(worker, ops, "wsStart", &wsStart);
  setOp(worker, ops, "wsSend", &wsSend);
  setOp(worker, ops, "wsClose", &wsClose);
}

}  // namespace colony::api
