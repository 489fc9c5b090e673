#include "runtime/durable_objects/remote_router.h"

#include <spdlog/spdlog.h>

#include <kj/debug.h>

#include "runtime/api/ops.h"
#include "runtime/server.h"
#include "runtime/services/worker_service.h"

namespace colony::durable_objects {

namespace {

// A call that finds its owner gone asks the directory again, a few times, a little later each
// time (the supervisor learns of a crash from the process's exit, a moment after its callers).
constexpr int kMaxAttempts = 20;
constexpr auto kRetryDelay = 50 * kj::MILLISECONDS;

kj::Timer* retryTimer = nullptr;

kj::Promise<void> retryDelay(int attempt) {
  if (retryTimer == nullptr) return kj::READY_NOW;
  return retryTimer->afterDelay(attempt == 0 ? 0 * kj::MILLISECONDS : kRetryDelay);
}

std::string objectKey(const std::string& service, const std::string& className,
                      const std::string& id) {
  return service + "/" + className + "/" + id;
}

// Bodies cross processes in pieces of at most this size.
constexpr size_t kChunk = 64 * 1024;

kj::HttpMethod parseMethod(kj::StringPtr name) {
  KJ_IF_MAYBE(m, kj::tryParseHttpMethod(name)) {
    return *m;
  }
  KJ_FAIL_REQUIRE(kj::str("unsupported HTTP method: ", name));
}

void setHeaders(capnp::List<rpc::HttpHeader>::Builder list, const kj::HttpHeaders& headers) {
  size_t i = 0;
  headers.forEach([&](kj::StringPtr name, kj::StringPtr value) {
    list[i].setName(name);
    list[i].setValue(value);
    i++;
  });
}

size_t countHeaders(const kj::HttpHeaders& headers) {
  size_t count = 0;
  headers.forEach([&](kj::StringPtr, kj::StringPtr) { count++; });
  return count;
}

// Writes `size` bytes to a remote ByteStream in pieces; each piece waits for the stream's flow
// control, so at most a window of bytes is in flight. `data` must live until the promise resolves.
kj::Promise<void> writeChunks(rpc::ByteStream::Client& stream, const kj::byte* data, size_t size) {
  size_t n = kj::min(size, kChunk);
  auto request = stream.writeRequest(capnp::MessageSize{n / 8 + 16, 0});
  request.setBytes(kj::arrayPtr(data, n));
  auto sent = request.send();
  if (n == size) return sent;
  return sent.then([&stream, data, size, n]() { return writeChunks(stream, data + n, size - n); });
}

// Reads `in` to its end and writes it to `out`, then ends `out`.
kj::Promise<void> pumpBody(kj::AsyncInputStream& in, rpc::ByteStream::Client& out,
                           kj::ArrayPtr<kj::byte> buffer) {
  return in.tryRead(buffer.begin(), 1, buffer.size())
      .then([&in, &out, buffer](size_t n) -> kj::Promise<void> {
        if (n == 0) return out.endRequest().send().ignoreResult();
        auto request = out.writeRequest(capnp::MessageSize{n / 8 + 16, 0});
        request.setBytes(buffer.slice(0, n));  // copied into the message
        return request.send().then([&in, &out, buffer]() { return pumpBody(in, out, buffer); });
      });
}

// --- WebSockets joined across processes: each side has a kj::WebSocket (the client's on the
// calling side, one end of a pipe whose other end the object has on the owning side); messages
// it receives are forwarded to the other side's WebSocketPeer, and its own WebSocketPeer sends
// what the other side forwards.

struct SharedSocket final : public kj::Refcounted {
  explicit SharedSocket(kj::Own<kj::WebSocket> ws) : ws(kj::mv(ws)) {}
  kj::Own<kj::WebSocket> ws;  // null once the session is over
};

class LocalPeer final : public rpc::WebSocketPeer::Server {
 public:
  explicit LocalPeer(kj::Own<SharedSocket> socket) : socket_(kj::mv(socket)) {}

  kj::Promise<void> text(TextContext context) override {
    auto text = context.getParams().getText();
    return socket().send(kj::arrayPtr(text.begin(), text.size()));
  }
  kj::Promise<void> binary(BinaryContext context) override {
    return socket().send(context.getParams().getData());
  }
  kj::Promise<void> close(CloseContext context) override {
    auto params = context.getParams();
    // 1006: the other side went away without a close frame; so does this one.
    if (params.getCode() == 1006) {
      socket().abort();
      return kj::READY_NOW;
    }
    return socket().close(params.getCode(), params.getReason());
  }

 private:
  kj::WebSocket& socket() {
    KJ_REQUIRE(socket_->ws.get() != nullptr, "the WebSocket session is over");
    return *socket_->ws;
  }
  kj::Own<SharedSocket> socket_;
};

// Forwards what `ws` receives to `remote` until a close (a failed receive is forwarded as 1006).
kj::Promise<void> forwardMessages(kj::WebSocket& ws, rpc::WebSocketPeer::Client& remote) {
  return ws.receive()
      .then(
          [&ws, &remote](kj::WebSocket::Message&& message) -> kj::Promise<void> {
            KJ_SWITCH_ONEOF(message) {
              KJ_CASE_ONEOF(text, kj::String) {
                auto request = remote.textRequest();
                request.setText(text);
                return request.send().then([&ws, &remote]() { return forwardMessages(ws, remote); });
              }
              KJ_CASE_ONEOF(data, kj::Array<kj::byte>) {
                auto request = remote.binaryRequest();
                request.setData(data);
                return request.send().then([&ws, &remote]() { return forwardMessages(ws, remote); });
              }
              KJ_CASE_ONEOF(close, kj::WebSocket::Close) {
                auto request = remote.closeRequest();
                request.setCode(close.code);
                request.setReason(close.reason);
                return request.send().ignoreResult();
              }
            }
            KJ_UNREACHABLE;
          },
          [&remote](kj::Exception&&) -> kj::Promise<void> {
            auto request = remote.closeRequest();
            request.setCode(1006);
            return request.send().ignoreResult().catch_([](kj::Exception&&) {});
          });
}

kj::Promise<void> startForwarding(kj::Own<SharedSocket> socket, rpc::WebSocketPeer::Client remote) {
  auto peer = kj::heap<rpc::WebSocketPeer::Client>(kj::mv(remote));
  auto& ws = *socket->ws;
  auto& peerRef = *peer;
  return forwardMessages(ws, peerRef).attach(kj::mv(peer), kj::mv(socket));
}

// --- the owning side

// A response body going back to the caller over its ByteStream.
class ByteStreamOutput final : public kj::AsyncOutputStream {
 public:
  explicit ByteStreamOutput(rpc::ByteStream::Client& stream) : stream_(stream) {}
  kj::Promise<void> write(const void* buffer, size_t size) override {
    if (size == 0) return kj::READY_NOW;
    return writeChunks(stream_, static_cast<const kj::byte*>(buffer), size);
  }
  kj::Promise<void> write(kj::ArrayPtr<const kj::ArrayPtr<const kj::byte>> pieces) override {
    size_t total = 0;
    for (auto piece : pieces) total += piece.size();
    if (total == 0) return kj::READY_NOW;
    auto joined = kj::heapArray<kj::byte>(total);
    size_t at = 0;
    for (auto piece : pieces) {
      memcpy(joined.begin() + at, piece.begin(), piece.size());
      at += piece.size();
    }
    auto data = joined.begin();
    return writeChunks(stream_, data, total).attach(kj::mv(joined));
  }
  kj::Promise<void> whenWriteDisconnected() override { return kj::NEVER_DONE; }

 private:
  rpc::ByteStream::Client& stream_;
};

// The object's response, sent to the caller's ResponseSink as it is produced.
class StreamedResponse final : public kj::HttpService::Response {
 public:
  explicit StreamedResponse(rpc::ResponseSink::Client sink) : sink_(kj::mv(sink)) {}

  kj::Own<kj::AsyncOutputStream> send(uint statusCode, kj::StringPtr text,
                                      const kj::HttpHeaders& headers,
                                      kj::Maybe<uint64_t> expectedBodySize) override {
    KJ_REQUIRE(body_.get() == nullptr, "the Durable Object sent its response twice");
    auto request = sink_.sendRequest();
    request.setStatus(statusCode);
    request.setStatusText(text);
    setHeaders(request.initHeaders(countHeaders(headers)), headers);
    KJ_IF_MAYBE(n, expectedBodySize) {
      request.setHasLength(true);
      request.setLength(*n);
    }
    auto pipeline = request.send();
    body_ = kj::heap<rpc::ByteStream::Client>(pipeline.getBody());
    sent_ = pipeline.ignoreResult().fork();
    return kj::heap<ByteStreamOutput>(*body_);
  }

  kj::Own<kj::WebSocket> acceptWebSocket(const kj::HttpHeaders& headers) override {
    KJ_REQUIRE(body_.get() == nullptr && forward_ == nullptr,
               "the Durable Object sent its response twice");
    auto pipe = kj::newWebSocketPipe();
    auto socket = kj::refcounted<SharedSocket>(kj::mv(pipe.ends[1]));
    auto request = sink_.acceptWebSocketRequest();
    setHeaders(request.initHeaders(countHeaders(headers)), headers);
    request.setOwner(kj::heap<LocalPeer>(kj::addRef(*socket)));
    auto pipeline = request.send();
    auto caller = pipeline.getCaller();
    forward_ = startForwarding(kj::mv(socket), kj::mv(caller))
                   .exclusiveJoin(pipeline.ignoreResult().then([]() -> kj::Promise<void> {
                     return kj::NEVER_DONE;
                   }))
                   .fork();
    return kj::mv(pipe.ends[0]);
  }

  // After the object's fetch() is done: the body is complete.
  kj::Promise<void> finish() {
    KJ_IF_MAYBE(forward, forward_) {
      // A WebSocket session: over once the object's close (or its going away) has been sent on.
      return forward->addBranch();
    }
    KJ_REQUIRE(body_.get() != nullptr, "the Durable Object sent no response");
    auto ended = body_->endRequest().send().ignoreResult();
    KJ_IF_MAYBE(sent, sent_) {
      return sent->addBranch().then([ended = kj::mv(ended)]() mutable { return kj::mv(ended); });
    }
    return ended;
  }

 private:
  rpc::ResponseSink::Client sink_;
  kj::Own<rpc::ByteStream::Client> body_;
  kj::Maybe<kj::ForkedPromise<void>> sent_;
  kj::Maybe<kj::ForkedPromise<void>> forward_;
};

// The request body arriving from the caller, fed to the object through a pipe: a write resolves
// when the object has read it.
class PipeWriter final : public rpc::ByteStream::Server {
 public:
  explicit PipeWriter(kj::Own<kj::AsyncOutputStream> out) : out_(kj::mv(out)) {}

  kj::Promise<void> write(WriteContext context) override {
    KJ_REQUIRE(out_.get() != nullptr, "request body written after its end");
    auto bytes = context.getParams().getBytes();
    // An object that answered without reading its whole body has closed the pipe: the rest of
    // the body is dropped.
    return out_->write(bytes.begin(), bytes.size()).catch_([](kj::Exception&&) {});
  }
  kj::Promise<void> end(EndContext) override {
    out_ = nullptr;
    return kj::READY_NOW;
  }

 private:
  kj::Own<kj::AsyncOutputStream> out_;
};

// One request in progress in this process for a caller elsewhere; counts as a call in flight
// (a drain waits for it) until the caller lets go of it.
class RequestHandleImpl final : public rpc::RequestHandle::Server {
 public:
  RequestHandleImpl(RemoteRouter& router, kj::Promise<void> request)
      : router_(router), done_(request.fork()) {
    router_.callStarted();
  }
  ~RequestHandleImpl() noexcept(false) { router_.callEnded(); }

  kj::Promise<void> done(DoneContext) override { return done_.addBranch(); }

 private:
  RemoteRouter& router_;
  kj::ForkedPromise<void> done_;
};

// How other processes reach the objects living in this one.
class ObjectHostImpl final : public rpc::ObjectHost::Server {
 public:
  explicit ObjectHostImpl(RemoteRouter& router) : router_(router) {}

  kj::Promise<void> open(OpenContext context) override {
    refuseWhenDraining();
    auto params = context.getParams();
    auto& channel = localChannel(params.getObject());
    auto method = parseMethod(params.getMethod());
    auto headers = kj::heap<kj::HttpHeaders>(router_.server().headerTable());
    for (auto h : params.getHeaders()) headers->add(h.getName(), h.getValue());
    auto results = context.getResults();
    kj::Own<kj::AsyncInputStream> body;
    if (params.getHasBody()) {
      auto pipe = kj::newOneWayPipe();
      body = kj::mv(pipe.in);
      results.setBody(kj::heap<PipeWriter>(kj::mv(pipe.out)));
    } else {
      body = kj::heap<api::BytesInputStream>(kj::Array<kj::byte>());
    }
    auto response = kj::heap<StreamedResponse>(params.getResponse());
    auto url = kj::str(params.getUrl());
    auto& responseRef = *response;
    auto& headersRef = *headers;
    auto& bodyRef = *body;
    kj::StringPtr urlRef = url;
    auto request = kj::evalLater([&channel, method, urlRef, &headersRef, &bodyRef, &responseRef]() {
                     return channel.http().request(method, urlRef, headersRef, bodyRef, responseRef);
                   })
                       .then([&responseRef]() { return responseRef.finish(); })
                       .attach(kj::mv(headers), kj::mv(body), kj::mv(response), kj::mv(url));
    results.setHandle(kj::heap<RequestHandleImpl>(router_, kj::mv(request)));
    return kj::READY_NOW;
  }

  kj::Promise<void> call(CallContext context) override {
    refuseWhenDraining();
    auto params = context.getParams();
    auto address = params.getObject();
    auto& channel = localChannel(address);
    router_.callStarted();
    api::RpcPayload args;
    args.bytes = kj::heapArray<kj::byte>(params.getArgs());
    args.caps = api::getCaps(params.getCaps());
    return channel.call(params.getMethod(), kj::mv(args))
        .then([context](api::RpcPayload result) mutable {
          auto results = context.getResults();
          results.setResult(result.bytes);
          api::setCaps(results.initCaps(result.caps.size()), result.caps);
        })
        .attach(kj::defer([this]() { router_.callEnded(); }));
  }

 private:
  void refuseWhenDraining() {
    if (router_.refusing()) {
      kj::throwFatalException(KJ_EXCEPTION(DISCONNECTED, "this runtime process is draining; "
                                                          "its Durable Objects are moving"));
    }
  }

  ObjectChannel& localChannel(rpc::ObjectAddress::Reader address) {
    std::string service = address.getService().cStr();
    std::string className = address.getClassName().cStr();
    auto* ws = dynamic_cast<WorkerService*>(&router_.server().findService(service));
    KJ_REQUIRE(ws != nullptr, "not a worker service", service.c_str());
    auto* ns = ws->worker().durableObjects().find(className);
    KJ_REQUIRE(ns != nullptr, "no such Durable Object namespace", service.c_str(), className.c_str());
    return router_.localChannel(*ns, address.getId().cStr(), address.getName().cStr());
  }

  RemoteRouter& router_;
};

// --- the calling side

// The caller's response while a request to another process runs; the sink and the body stream
// given to the owner reach it through this, and lose it when the request is over.
struct CallerResponse final : public kj::Refcounted {
  CallerResponse(kj::HttpService::Response& response, const kj::HttpHeaderTable& table)
      : response(&response), table(table) {}
  kj::HttpService::Response* response;
  const kj::HttpHeaderTable& table;
  kj::Own<kj::AsyncOutputStream> out;
  kj::Own<SharedSocket> socket;            // when the object accepted a WebSocket
  kj::Maybe<kj::Promise<void>> forward;  // the client's messages to the object
  bool committed = false;  // the owner took the request: it can no longer be sent elsewhere
};

// The response body arriving from the owner, written to the caller's response.
class ResponseBodyWriter final : public rpc::ByteStream::Server {
 public:
  explicit ResponseBodyWriter(kj::Own<CallerResponse> state) : state_(kj::mv(state)) {}

  kj::Promise<void> write(WriteContext context) override {
    KJ_REQUIRE(state_->out.get() != nullptr, "response body written after its end");
    auto bytes = context.getParams().getBytes();
    return state_->out->write(bytes.begin(), bytes.size());
  }
  kj::Promise<void> end(EndContext) override {
    state_->out = nullptr;
    return kj::READY_NOW;
  }

 private:
  kj::Own<CallerResponse> state_;
};

class ResponseSinkImpl final : public rpc::ResponseSink::Server {
 public:
  explicit ResponseSinkImpl(kj::Own<CallerResponse> state) : state_(kj::mv(state)) {}

  kj::Promise<void> send(SendContext context) override {
    KJ_REQUIRE(state_->response != nullptr, "the request is over");
    KJ_REQUIRE(state_->out.get() == nullptr && state_->socket.get() == nullptr,
               "response sent twice");
    auto params = context.getParams();
    kj::HttpHeaders headers(state_->table);
    for (auto h : params.getHeaders()) headers.add(h.getName(), h.getValue());
    kj::Maybe<uint64_t> length;
    if (params.getHasLength()) length = params.getLength();
    state_->out = state_->response->send(params.getStatus(), params.getStatusText(), headers, length);
    context.getResults().setBody(kj::heap<ResponseBodyWriter>(kj::addRef(*state_)));
    return kj::READY_NOW;
  }

  kj::Promise<void> acceptWebSocket(AcceptWebSocketContext context) override {
    KJ_REQUIRE(state_->response != nullptr, "the request is over");
    KJ_REQUIRE(state_->out.get() == nullptr && state_->socket.get() == nullptr,
               "response sent twice");
    auto params = context.getParams();
    kj::HttpHeaders headers(state_->table);
    for (auto h : params.getHeaders()) headers.add(h.getName(), h.getValue());
    state_->socket = kj::refcounted<SharedSocket>(state_->response->acceptWebSocket(headers));
    state_->forward = startForwarding(kj::addRef(*state_->socket), params.getOwner())
                          .eagerlyEvaluate([](kj::Exception&&) {});
    context.getResults().setCaller(kj::heap<LocalPeer>(kj::addRef(*state_->socket)));
    return kj::READY_NOW;
  }

 private:
  kj::Own<CallerResponse> state_;
};

// A channel to an object wherever it lives: asks the directory once, then goes straight to the
// local instance or to the owner's ObjectHost; asks again when the owner is gone.
class RoutedChannel final : public ObjectChannel, public kj::HttpService {
 public:
  RoutedChannel(RemoteRouter& router, Namespace& ns, std::string id, std::string name)
      : router_(router),
        ns_(ns),
        service_(ns.host().worker().serviceName()),
        id_(kj::mv(id)),
        name_(kj::mv(name)),
        key_(objectKey(service_, ns.className(), id_)) {}

  kj::HttpService& http() override { return *this; }

  void forget() {
    remote_ = nullptr;
    local_ = nullptr;
  }

  kj::Promise<api::RpcPayload> call(kj::StringPtr method, api::RpcPayload args) override {
    auto shared = kj::heap<api::RpcPayload>(kj::mv(args));
    auto& argsRef = *shared;
    return callAttempt(kj::str(method), argsRef, 0).attach(kj::mv(shared));
  }

  kj::Promise<void> request(kj::HttpMethod method, kj::StringPtr url, const kj::HttpHeaders& headers,
                            kj::AsyncInputStream& requestBody, Response& response) override {
    auto state = kj::refcounted<CallerResponse>(response, router_.server().headerTable());
    auto& stateRef = *state;
    return remoteRequest(method, url, headers, requestBody, stateRef, 0)
        .attach(kj::defer([state = kj::mv(state)]() mutable {
          // What the owner may still hold of this response can no longer reach it.
          state->response = nullptr;
          state->out = nullptr;
          state->forward = nullptr;
          if (state->socket.get() != nullptr) state->socket->ws = nullptr;
        }));
  }

 private:
  kj::Promise<void> route() {
    if (local_ != nullptr || remote_.get() != nullptr) return kj::READY_NOW;
    return router_.directory().then([this](rpc::ObjectDirectory::Client directory) {
      auto request = directory.locateRequest();
      request.setKey(key_);
      return request.send().then([this](capnp::Response<rpc::ObjectDirectory::LocateResults> r) {
        if (r.getLocal()) {
          local_ = &router_.localChannel(ns_, id_, name_);
        } else {
          remote_ = kj::heap<rpc::ObjectHost::Client>(r.getHost());
        }
      });
    });
  }

  void setAddress(rpc::ObjectAddress::Builder address) {
    address.setService(service_);
    address.setClassName(ns_.className());
    address.setId(id_);
    address.setName(name_);
  }

  kj::Promise<api::RpcPayload> callAttempt(kj::String method, api::RpcPayload& args,
                                               int attempt) {
    return retryDelay(attempt)
        .then([this]() { return route(); })
        .then([this, &args, method = kj::str(method)]() -> kj::Promise<api::RpcPayload> {
          if (local_ != nullptr) {
            return local_->call(method, api::RpcPayload{kj::heapArray<kj::byte>(args.bytes), api::copyCaps(args.caps)});
          }
          auto request = remote_->callRequest();
          setAddress(request.initObject());
          request.setMethod(method);
          request.setArgs(args.bytes);
          api::setCaps(request.initCaps(args.caps.size()), args.caps);
          return request.send().then([](capnp::Response<rpc::ObjectHost::CallResults> r) {
            api::RpcPayload result;
            result.bytes = kj::heapArray<kj::byte>(r.getResult());
            result.caps = api::getCaps(r.getCaps());
            return result;
          });
        })
        .catch_([this, &args, method = kj::mv(method),
                 attempt](kj::Exception&& e) mutable -> kj::Promise<api::RpcPayload> {
          if (e.getType() != kj::Exception::Type::DISCONNECTED || attempt + 1 >= kMaxAttempts) {
            return kj::mv(e);
          }
          forget();
          return callAttempt(kj::mv(method), args, attempt + 1);
        });
  }

  // Sends the request to the object's owner (or runs it here when this process owns it). The
  // request is sent again elsewhere only while the owner has not taken it (it refused it, or it
  // was gone): nothing of the body has been read then.
  kj::Promise<void> remoteRequest(kj::HttpMethod method, kj::StringPtr url,
                                  const kj::HttpHeaders& headers, kj::AsyncInputStream& requestBody,
                                  CallerResponse& state, int attempt) {
    return retryDelay(attempt)
        .then([this]() { return route(); })
        .then([this, method, url, &headers, &requestBody, &state]() -> kj::Promise<void> {
          if (local_ != nullptr) {
            state.committed = true;
            return local_->http().request(method, url, headers, requestBody, *state.response);
          }
          bool hasBody = true;
          KJ_IF_MAYBE(length, requestBody.tryGetLength()) {
            hasBody = *length > 0;
          }
          auto request = remote_->openRequest();
          setAddress(request.initObject());
          request.setMethod(kj::str(method));
          request.setUrl(url);
          setHeaders(request.initHeaders(countHeaders(headers)), headers);
          request.setHasBody(hasBody);
          request.setResponse(kj::heap<ResponseSinkImpl>(kj::addRef(state)));
          return request.send().then(
              [&requestBody, &state, hasBody](capnp::Response<rpc::ObjectHost::OpenResults> r) {
                state.committed = true;
                auto handle = r.getHandle();
                auto done = handle.doneRequest().send().ignoreResult();
                if (hasBody) {
                  auto stream = kj::heap<rpc::ByteStream::Client>(r.getBody());
                  auto buffer = kj::heapArray<kj::byte>(kChunk);
                  auto pump = pumpBody(requestBody, *stream, buffer)
                                  .attach(kj::mv(stream), kj::mv(buffer))
                                  .then([]() -> kj::Promise<void> { return kj::NEVER_DONE; });
                  // done() answers once the object has answered, whether or not it read the
                  // whole body; a failed body fails the request.
                  done = done.exclusiveJoin(kj::mv(pump));
                }
                return done.attach(kj::mv(handle));
              });
        })
        .catch_([this, method, url, &headers, &requestBody, &state,
                 attempt](kj::Exception&& e) -> kj::Promise<void> {
          if (e.getType() != kj::Exception::Type::DISCONNECTED || state.committed ||
              attempt + 1 >= kMaxAttempts) {
            return kj::mv(e);
          }
          forget();
          return remoteRequest(method, url, headers, requestBody, state, attempt + 1);
        });
  }

  RemoteRouter& router_;
  Namespace& ns_;
  std::string service_, id_, name_, key_;
  ObjectChannel* local_ = nullptr;
  kj::Own<rpc::ObjectHost::Client> remote_;
};

}  // namespace

RemoteRouter::RemoteRouter(Server& server, rpc::Supervisor::Client supervisor)
    : server_(server),
      directory_([&]() {
        auto request = supervisor.objectDirectoryRequest();
        request.setHost(kj::heap<ObjectHostImpl>(*this));
        return request.send()
            .then([](capnp::Response<rpc::Supervisor::ObjectDirectoryResults> r) {
              return r.getDirectory();
            })
            .fork();
      }()) {
  ObjectRouter::setCurrent(this);
}

RemoteRouter::~RemoteRouter() noexcept(false) {
  if (ObjectRouter::current() == this) ObjectRouter::setCurrent(nullptr);
}

kj::Promise<rpc::ObjectDirectory::Client> RemoteRouter::directory() { return directory_.addBranch(); }

ObjectChannel& RemoteRouter::channel(Namespace& ns, const std::string& id, const std::string& name) {
  auto key = ns.host().worker().serviceName() + "\n" + ns.className() + "\n" + id;
  auto it = routed_.find(key);
  if (it != routed_.end()) return *it->second;
  auto channel = std::make_unique<RoutedChannel>(*this, ns, id, name);
  auto& ref = *channel;
  routed_.emplace(key, kj::mv(channel));
  return ref;
}

void RemoteRouter::detach() {
  refusing_ = true;
  for (auto& [key, channel] : routed_) static_cast<RoutedChannel&>(*channel).forget();
  directory_ = kj::Promise<rpc::ObjectDirectory::Client>(
                   KJ_EXCEPTION(DISCONNECTED, "the supervisor connection is closed"))
                   .fork();
}

ObjectChannel& RemoteRouter::localChannel(Namespace& ns, const std::string& id,
                                          const std::string& name) {
  auto key = ns.host().worker().serviceName() + "\n" + ns.className() + "\n" + id;
  auto it = local_.find(key);
  if (it != local_.end()) return *it->second;
  auto channel = newLocalChannel(ns, id, name);
  auto& ref = *channel;
  local_.emplace(key, kj::mv(channel));
  return ref;
}

void RemoteRouter::callEnded() {
  if (--inFlight_ == 0) {
    KJ_IF_MAYBE(f, idle_) {
      (*f)->fulfill();
      idle_ = nullptr;
    }
  }
}

kj::Promise<void> RemoteRouter::drain() {
  refusing_ = true;
  if (inFlight_ == 0) return kj::READY_NOW;
  auto paf = kj::newPromiseAndFulfiller<void>();
  idle_ = kj::mv(paf.fulfiller);
  return kj::mv(paf.promise);
}

std::unique_ptr<RemoteRouter> startRemoteRouting(Server& server,
                                                 kj::Maybe<rpc::Supervisor::Client>& supervisor,
                                                 kj::Timer& timer) {
  bool any = false;
  for (auto* worker : server.workers()) {
    for (auto& ns : worker->source().durableObjectNamespaces) {
      if (!ns.ephemeralLocal) any = true;
    }
  }
  if (!any) return nullptr;
  KJ_IF_MAYBE(s, supervisor) {
    retryTimer = &timer;
    return std::make_unique<RemoteRouter>(server, *s);
  }
  return nullptr;
}

}  // namespace colony::durable_objects
