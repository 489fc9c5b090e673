#include "runtime/durable_objects/remote_router.h"

#include <spdlog/spdlog.h>

#include <vector>

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

// A response kept whole in memory, for answering over IPC.
class BufferedResponse final : public kj::HttpService::Response {
 public:
  uint status = 500;
  kj::String statusText = kj::str("Internal Server Error");
  std::vector<std::pair<kj::String, kj::String>> headers;
  kj::Vector<kj::byte> body;
  bool sent = false;

  kj::Own<kj::AsyncOutputStream> send(uint statusCode, kj::StringPtr text,
                                      const kj::HttpHeaders& h,
                                      kj::Maybe<uint64_t> expectedBodySize) override {
    sent = true;
    status = statusCode;
    statusText = kj::str(text);
    h.forEach([&](kj::StringPtr name, kj::StringPtr value) {
      headers.emplace_back(kj::str(name), kj::str(value));
    });
    return kj::heap<Sink>(body);
  }
  kj::Own<kj::WebSocket> acceptWebSocket(const kj::HttpHeaders&) override {
    KJ_FAIL_REQUIRE(
        "a WebSocket to a Durable Object that lives in another runtime process is not supported "
        "yet; run with --processes 1 for WebSockets to Durable Objects");
  }

 private:
  class Sink final : public kj::AsyncOutputStream {
   public:
    explicit Sink(kj::Vector<kj::byte>& out) : out_(out) {}
    kj::Promise<void> write(const void* buffer, size_t size) override {
      out_.addAll(kj::arrayPtr(static_cast<const kj::byte*>(buffer), size));
      return kj::READY_NOW;
    }
    kj::Promise<void> write(kj::ArrayPtr<const kj::ArrayPtr<const kj::byte>> pieces) override {
      for (auto piece : pieces) out_.addAll(piece);
      return kj::READY_NOW;
    }
    kj::Promise<void> whenWriteDisconnected() override { return kj::NEVER_DONE; }

   private:
    kj::Vector<kj::byte>& out_;
  };
};

// How other processes reach the objects living in this one.
class ObjectHostImpl final : public rpc::ObjectHost::Server {
 public:
  explicit ObjectHostImpl(RemoteRouter& router) : router_(router) {}

  kj::Promise<void> request(RequestContext context) override {
    refuseWhenDraining();
    auto params = context.getParams();
    auto address = params.getObject();
    auto& channel = localChannel(address);
    auto methodName = params.getMethod();
    kj::HttpMethod method = kj::HttpMethod::GET;
    KJ_IF_MAYBE(m, kj::tryParseHttpMethod(methodName)) {
      method = *m;
    } else {
      KJ_FAIL_REQUIRE(kj::str("unsupported HTTP method: ", methodName));
    }
    auto headers = kj::heap<kj::HttpHeaders>(router_.server().headerTable());
    for (auto h : params.getHeaders()) headers->add(h.getName(), h.getValue());
    auto body = kj::heap<api::BytesInputStream>(kj::heapArray<kj::byte>(params.getBody()));
    auto response = kj::heap<BufferedResponse>();
    auto url = kj::str(params.getUrl());
    router_.callStarted();
    auto promise = channel.http().request(method, url, *headers, *body, *response);
    auto& responseRef = *response;
    return promise
        .then([context, &responseRef]() mutable {
          auto results = context.getResults();
          results.setStatus(responseRef.status);
          results.setStatusText(responseRef.statusText);
          auto list = results.initHeaders(responseRef.headers.size());
          for (size_t i = 0; i < responseRef.headers.size(); i++) {
            list[i].setName(responseRef.headers[i].first);
            list[i].setValue(responseRef.headers[i].second);
          }
          results.setBody(responseRef.body.asPtr());
        })
        .attach(kj::mv(headers), kj::mv(body), kj::mv(response), kj::mv(url),
                kj::defer([this]() { router_.callEnded(); }));
  }

  kj::Promise<void> call(CallContext context) override {
    refuseWhenDraining();
    auto params = context.getParams();
    auto address = params.getObject();
    auto& channel = localChannel(address);
    router_.callStarted();
    return channel.call(params.getMethod(), kj::heapArray<kj::byte>(params.getArgs()))
        .then([context](kj::Array<kj::byte> result) mutable {
          context.getResults().setResult(result);
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

  kj::Promise<kj::Array<kj::byte>> call(kj::StringPtr method, kj::Array<kj::byte> args) override {
    auto shared = kj::heap<kj::Array<kj::byte>>(kj::mv(args));
    auto& argsRef = *shared;
    return callAttempt(kj::str(method), argsRef, 0).attach(kj::mv(shared));
  }

  kj::Promise<void> request(kj::HttpMethod method, kj::StringPtr url, const kj::HttpHeaders& headers,
                            kj::AsyncInputStream& requestBody, Response& response) override {
    return route().then([this, method, url, &headers, &requestBody,
                         &response]() -> kj::Promise<void> {
      if (local_ != nullptr) return local_->http().request(method, url, headers, requestBody, response);
      return requestBody.readAllBytes().then(
          [this, method, url, &headers, &response](kj::Array<kj::byte> body) {
            auto shared = kj::heap<kj::Array<kj::byte>>(kj::mv(body));
            auto& bodyRef = *shared;
            return remoteRequest(method, url, headers, bodyRef, response, 0).attach(kj::mv(shared));
          });
    });
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

  kj::Promise<kj::Array<kj::byte>> callAttempt(kj::String method, kj::Array<kj::byte>& args,
                                               int attempt) {
    return retryDelay(attempt)
        .then([this]() { return route(); })
        .then([this, &args, method = kj::str(method)]() -> kj::Promise<kj::Array<kj::byte>> {
          if (local_ != nullptr) return local_->call(method, kj::heapArray<kj::byte>(args));
          auto request = remote_->callRequest();
          setAddress(request.initObject());
          request.setMethod(method);
          request.setArgs(args);
          return request.send().then([](capnp::Response<rpc::ObjectHost::CallResults> r) {
            return kj::heapArray<kj::byte>(r.getResult());
          });
        })
        .catch_([this, &args, method = kj::mv(method),
                 attempt](kj::Exception&& e) mutable -> kj::Promise<kj::Array<kj::byte>> {
          if (e.getType() != kj::Exception::Type::DISCONNECTED || attempt + 1 >= kMaxAttempts) {
            return kj::mv(e);
          }
          forget();
          return callAttempt(kj::mv(method), args, attempt + 1);
        });
  }

  kj::Promise<void> remoteRequest(kj::HttpMethod method, kj::StringPtr url,
                                  const kj::HttpHeaders& headers, kj::Array<kj::byte>& body,
                                  Response& response, int attempt) {
    return retryDelay(attempt)
        .then([this]() { return route(); })
        .then([this, method, url, &headers, &body, &response]() -> kj::Promise<void> {
          if (local_ != nullptr) {
            auto stream = kj::heap<api::BytesInputStream>(kj::heapArray<kj::byte>(body));
            auto& streamRef = *stream;
            return local_->http().request(method, url, headers, streamRef, response).attach(kj::mv(stream));
          }
          auto request = remote_->requestRequest();
          setAddress(request.initObject());
          request.setMethod(kj::str(method));
          request.setUrl(url);
          size_t count = 0;
          headers.forEach([&](kj::StringPtr, kj::StringPtr) { count++; });
          auto list = request.initHeaders(count);
          size_t i = 0;
          headers.forEach([&](kj::StringPtr name, kj::StringPtr value) {
            list[i].setName(name);
            list[i].setValue(value);
            i++;
          });
          request.setBody(body);
          return request.send().then(
              [this, &response](capnp::Response<rpc::ObjectHost::RequestResults> r) {
                kj::HttpHeaders out(router_.server().headerTable());
                for (auto h : r.getHeaders()) out.add(h.getName(), h.getValue());
                auto bytes = r.getBody();
                auto stream = response.send(r.getStatus(), r.getStatusText(), out, uint64_t(bytes.size()));
                if (bytes.size() == 0) return kj::Promise<void>(kj::READY_NOW);
                auto& streamRef = *stream;
                return streamRef.write(bytes.begin(), bytes.size()).attach(kj::mv(stream), kj::mv(r));
              });
        })
        .catch_([this, method, url, &headers, &body, &response,
                 attempt](kj::Exception&& e) -> kj::Promise<void> {
          if (e.getType() != kj::Exception::Type::DISCONNECTED || attempt + 1 >= kMaxAttempts) {
            return kj::mv(e);
          }
          forget();
          return remoteRequest(method, url, headers, body, response, attempt + 1);
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
