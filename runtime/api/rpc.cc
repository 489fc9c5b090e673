// JS RPC capabilities and the ops rpc.js uses (see rpc.h).
#include "runtime/api/rpc.h"

#include <map>
#include <set>

#include <kj/debug.h>

#include "runtime/api/clone_delegate.h"
#include "runtime/api/native_handle.h"
#include "runtime/api/ops.h"
#include "runtime/js_util.h"
#include "runtime/request_context.h"
#include "runtime/scheduled.h"
#include "runtime/worker.h"

namespace colony::api {

namespace {

class JsExport;

// The workers of this process that may hold exported values, each with its exports (an export
// whose worker went away fails its calls instead of entering a dead isolate) and the values whose
// last stub was released, waiting for hooks.rpcReleased (their Symbol.dispose).
struct WorkerExports {
  std::set<JsExport*> exports;
  std::vector<v8::Global<v8::Value>> released;
  bool scheduled = false;
};

std::map<Worker*, WorkerExports>& liveWorkers() {
  static auto* workers = new std::map<Worker*, WorkerExports>();  // never destroyed
  return *workers;
}

void notifyReleased(Worker* worker) {
  auto it = liveWorkers().find(worker);
  if (it == liveWorkers().end()) return;
  auto values = std::move(it->second.released);
  it->second.released.clear();
  it->second.scheduled = false;
  worker->enter([&] {
    auto* isolate = worker->isolate();
    for (auto& value : values) {
      KJ_IF_MAYBE(e, kj::runCatchingExceptions(
                         [&] { worker->callHook("rpcReleased", {value.Get(isolate)}); })) {
        worker->logError(e->getDescription().cStr());
      }
      value.Reset();
    }
  });
}

// A value of one worker reached by reference: a function, an RpcTarget, a stream source (calls go
// to hooks.rpcInvoke), or one of the worker's entrypoints (hooks.rpcInvokeEntrypoint on a new
// instance per call, as for requests).
class JsExport final : public rpc::RpcStub::Server {
 public:
  JsExport(Worker& worker, v8::Local<v8::Value> value) : worker_(&worker) {
    value_.Reset(worker.isolate(), value);
    liveWorkers()[worker_].exports.insert(this);
  }
  JsExport(Worker& worker, std::string entrypoint)
      : worker_(&worker), entrypoint_(kj::mv(entrypoint)), isEntrypoint_(true) {
    liveWorkers()[worker_].exports.insert(this);
  }
  // The last stub is gone: the value's Symbol.dispose runs (from the event loop, since this may
  // run inside JS that disposed a stub), as workerd does.
  ~JsExport() noexcept(false) {
    if (worker_ == nullptr) return;
    auto it = liveWorkers().find(worker_);
    if (it == liveWorkers().end()) return;
    it->second.exports.erase(this);
    if (value_.IsEmpty()) return;
    it->second.released.push_back(std::move(value_));
    if (!it->second.scheduled) {
      it->second.scheduled = true;
      Worker* worker = worker_;
      kj::evalLater([worker]() { notifyReleased(worker); }).detach([](kj::Exception&&) {});
    }
  }

  void forget() {
    worker_ = nullptr;
    value_.Reset();
  }

  kj::Promise<void> call(CallContext context) override {
    // From the event loop, never nested inside the caller's JS.
    return kj::evalLater([this, context]() mutable { return run(context); });
  }

 private:
  kj::Promise<void> run(CallContext context) {
    if (worker_ == nullptr) {
      return KJ_EXCEPTION(DISCONNECTED, "the worker that holds this RPC stub's target was stopped");
    }
    auto& worker = *worker_;
    auto params = context.getParams();
    kj::Promise<v8::Global<v8::Value>> result = nullptr;
    worker.enter([&] {
      auto* isolate = worker.isolate();
      auto ctx = worker.context();
      auto path = v8::Array::New(isolate);
      uint32_t i = 0;
      for (auto part : params.getPath()) (void)path->Set(ctx, i++, js::str(isolate, part.cStr()));
      auto get = v8::Boolean::New(isolate, params.getGet());
      v8::Local<v8::Value> args = js::newBytes(isolate, params.getArgs());
      auto caps = capsToJs(worker, getCaps(params.getCaps()));
      v8::Local<v8::Value> value;
      if (isEntrypoint_) {
        auto jsCtx = RequestContext::newJsObject(worker, kj::refcounted<RequestContext>());
        auto exports = worker.moduleExports();
        v8::Local<v8::Value> exportsValue = exports.IsEmpty() ? v8::Local<v8::Value>(v8::Undefined(isolate))
                                                              : v8::Local<v8::Value>(exports);
        value = worker.callHook("rpcInvokeEntrypoint", {exportsValue, worker.env(), js::str(isolate, entrypoint_),
                                                        jsCtx, path, get, args, caps});
      } else {
        value = worker.callHook("rpcInvoke", {value_.Get(isolate), path, get, args, caps});
      }
      result = worker.awaitJs(value);
    });
    return result.then([this, context](v8::Global<v8::Value> value) mutable {
      if (worker_ == nullptr) return;
      auto& worker = *worker_;
      auto payload = worker.enter([&] { return payloadFromJs(worker, value.Get(worker.isolate())); });
      auto results = context.getResults();
      results.setResult(payload.bytes);
      setCaps(results.initCaps(payload.caps.size()), payload.caps);
    });
  }

  Worker* worker_;
  v8::Global<v8::Value> value_;
  std::string entrypoint_;
  bool isEntrypoint_ = false;
};

// A stub's capability, held by its JS handle; empty once disposed.
struct StubHolder {
  kj::Maybe<rpc::RpcStub::Client> client;
  StubHolder(rpc::RpcStub::Client c) : client(kj::mv(c)) {}
  StubHolder(StubHolder&&) = default;
  ~StubHolder() noexcept(false);
};

// Handles die in V8's garbage collector, where no other V8 handle may be touched: releasing a
// capability can release an export (and its v8::Global), so that waits for the event loop.
std::vector<rpc::RpcStub::Client>& graveyard() {
  static auto* clients = new std::vector<rpc::RpcStub::Client>();  // never destroyed
  return *clients;
}

StubHolder::~StubHolder() noexcept(false) {
  KJ_IF_MAYBE(c, client) {
    bool first = graveyard().empty();
    graveyard().push_back(kj::mv(*c));
    client = nullptr;
    if (first) {
      kj::evalLater([]() { graveyard().clear(); }).detach([](kj::Exception&&) {});
    }
  }
}

const HandleKind kStubHandle{"rpc stub"};

v8::Local<v8::Object> newStubHandle(Worker& worker, rpc::RpcStub::Client client) {
  return wrapHandle(worker, kStubHandle, StubHolder(kj::mv(client)));
}

rpc::RpcStub::Client stubClient(v8::Isolate* isolate, StubHolder& holder) {
  KJ_IF_MAYBE(c, holder.client) { return *c; }
  KJ_FAIL_REQUIRE("RPC stub used after being disposed.");
}

#define CATCH_KJ(isolate, ...)                                                           \
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&] { __VA_ARGS__; })) {                      \
    return js::throwError(isolate, e->getDescription().cStr());                          \
  }

// ops.rpcCall(stub, path[], get, bytes, caps[]) -> Promise<[bytes, capHandles[]]>
void rpcCall(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  auto& worker = Worker::from(isolate);
  auto* holder = unwrapHandle<StubHolder>(info[0], kStubHandle);
  if (holder == nullptr || !info[1]->IsArray() || !info[3]->IsArrayBufferView()) {
    return js::throwTypeError(isolate, "rpcCall: bad arguments");
  }
  if (holder->client == nullptr) return js::throwError(isolate, "RPC stub used after being disposed.");
  kj::Promise<RpcPayload> promise = nullptr;
  CATCH_KJ(isolate, {
    auto caps = capsFromJs(worker, info[4]);
    auto request = stubClient(isolate, *holder).callRequest();
    auto pathArray = info[1].As<v8::Array>();
    auto path = request.initPath(pathArray->Length());
    for (uint32_t i = 0; i < pathArray->Length(); i++) {
      path.set(i, js::toKjString(isolate, pathArray->Get(context, i).ToLocalChecked()));
    }
    request.setGet(info[2]->BooleanValue(isolate));
    request.setArgs(js::bytesOf(info[3]));
    setCaps(request.initCaps(caps.size()), caps);
    promise = request.send().then([](capnp::Response<rpc::RpcStub::CallResults> r) {
      RpcPayload payload;
      payload.bytes = kj::heapArray<kj::byte>(r.getResult());
      payload.caps = getCaps(r.getCaps());
      return payload;
    });
  });
  info.GetReturnValue().Set(worker.toJsPromise(
      kj::mv(promise), [&worker](RpcPayload&& payload) -> v8::Local<v8::Value> {
        return payloadToJs(worker, payload);
      }));
}

// ops.rpcDispose(stub): lets go of the capability; later calls fail.
void rpcDispose(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* holder = unwrapHandle<StubHolder>(info[0], kStubHandle);
  if (holder != nullptr) holder->client = nullptr;
}

// ops.rpcDup(stub) -> another handle on the same capability.
void rpcDup(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto& worker = Worker::from(isolate);
  auto* holder = unwrapHandle<StubHolder>(info[0], kStubHandle);
  if (holder == nullptr) return js::throwTypeError(isolate, "rpcDup: not a stub");
  if (holder->client == nullptr) return js::throwError(isolate, "RPC stub used after being disposed.");
  info.GetReturnValue().Set(newStubHandle(worker, stubClient(isolate, *holder)));
}

// ops.rpcIsDisposed(stub) -> bool
void rpcIsDisposed(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* holder = unwrapHandle<StubHolder>(info[0], kStubHandle);
  info.GetReturnValue().Set(holder == nullptr || holder->client == nullptr);
}

// ops.rpcPlaceholder(index, meta) -> the object rpcSerialize writes as the index-th cap.
void rpcPlaceholder(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  auto& worker = Worker::from(isolate);
  auto obj = worker.handleTemplate()->NewInstance(context).ToLocalChecked();
  obj->SetAlignedPointerInInternalField(0, nullptr);
  obj->SetAlignedPointerInInternalField(1, nullptr);
  (void)obj->SetPrivate(context, rpcCapKey(isolate), info[0]);
  (void)obj->SetPrivate(context, rpcMetaKey(isolate), info[1]);
  info.GetReturnValue().Set(obj);
}

// ops.rpcSerialize(value, makeError) -> Uint8Array
void rpcSerialize(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  if (!info[1]->IsFunction()) return js::throwTypeError(isolate, "rpcSerialize: bad arguments");
  v8::ValueSerializer* slot = nullptr;
  auto delegate = newRpcSerializerDelegate(isolate, info[1].As<v8::Function>(), &slot);
  v8::ValueSerializer serializer(isolate, delegate.get());
  slot = &serializer;
  v8::Local<v8::Uint8Array> bytes;
  if (js::serializeToBytes(isolate, serializer, info[0]).ToLocal(&bytes)) info.GetReturnValue().Set(bytes);
}

// ops.rpcDeserialize(bytes) -> [value, number of cap placeholders in it]
void rpcDeserialize(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  if (!info[0]->IsArrayBufferView()) return js::throwTypeError(isolate, "rpcDeserialize: bad arguments");
  auto bytes = js::bytesOf(info[0]);
  v8::ValueDeserializer* slot = nullptr;
  uint32_t count = 0;
  auto delegate = newRpcDeserializerDelegate(&slot, &count);
  v8::ValueDeserializer deserializer(isolate, bytes.begin(), bytes.size(), delegate.get());
  slot = &deserializer;
  v8::Local<v8::Value> result;
  if (!deserializer.ReadHeader(context).FromMaybe(false) ||
      !deserializer.ReadValue(context).ToLocal(&result)) {
    return;
  }
  auto out = v8::Array::New(isolate, 2);
  (void)out->Set(context, 0, result);
  (void)out->Set(context, 1, v8::Integer::NewFromUnsigned(isolate, count));
  info.GetReturnValue().Set(out);
}

// ops.rpcPlaceholderOf(value) -> [index, meta] when value is a placeholder rpcDeserialize made.
void rpcPlaceholderOf(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  if (!info[0]->IsObject()) return;
  auto obj = info[0].As<v8::Object>();
  auto key = rpcCapKey(isolate);
  if (!obj->HasPrivate(context, key).FromMaybe(false)) return;
  auto out = v8::Array::New(isolate, 2);
  (void)out->Set(context, 0, obj->GetPrivate(context, key).ToLocalChecked());
  (void)out->Set(context, 1, obj->GetPrivate(context, rpcMetaKey(isolate)).ToLocalChecked());
  info.GetReturnValue().Set(out);
}

// ops.rpcEntrypoint(serviceTarget) -> a stub handle for the worker entrypoint behind a service
// binding, or null when the service is not a worker.
void rpcEntrypoint(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto& worker = Worker::from(isolate);
  Worker* target = nullptr;
  std::string entrypoint;
  if (!workerBehindTarget(info[0], target, entrypoint)) {
    info.GetReturnValue().SetNull();
    return;
  }
  rpc::RpcStub::Client client = kj::heap<JsExport>(*target, kj::mv(entrypoint));
  info.GetReturnValue().Set(newStubHandle(worker, kj::mv(client)));
}

// ops.rpcExport(value) -> a stub handle on a value of this worker (new RpcStub(value)).
void rpcExport(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto& worker = Worker::from(isolate);
  rpc::RpcStub::Client client = kj::heap<JsExport>(worker, info[0]);
  info.GetReturnValue().Set(newStubHandle(worker, kj::mv(client)));
}

}  // namespace

std::vector<rpc::RpcStub::Client> capsFromJs(Worker& worker, v8::Local<v8::Value> value) {
  std::vector<rpc::RpcStub::Client> caps;
  if (!value->IsArray()) return caps;
  auto* isolate = worker.isolate();
  auto context = worker.context();
  auto array = value.As<v8::Array>();
  for (uint32_t i = 0; i < array->Length(); i++) {
    auto item = array->Get(context, i).ToLocalChecked();
    if (auto* holder = unwrapHandle<StubHolder>(item, kStubHandle)) {
      caps.push_back(stubClient(isolate, *holder));
    } else {
      caps.push_back(kj::heap<JsExport>(worker, item));
    }
  }
  return caps;
}

v8::Local<v8::Array> capsToJs(Worker& worker, const std::vector<rpc::RpcStub::Client>& caps) {
  auto* isolate = worker.isolate();
  auto context = worker.context();
  auto array = v8::Array::New(isolate, static_cast<int>(caps.size()));
  for (size_t i = 0; i < caps.size(); i++) {
    auto& cap = const_cast<rpc::RpcStub::Client&>(caps[i]);  // a copy adds a reference
    (void)array->Set(context, static_cast<uint32_t>(i), newStubHandle(worker, cap));
  }
  return array;
}

RpcPayload payloadFromJs(Worker& worker, v8::Local<v8::Value> value) {
  auto context = worker.context();
  KJ_REQUIRE(value->IsArray(), "RPC hook did not answer [bytes, caps]");
  auto array = value.As<v8::Array>();
  auto bytes = array->Get(context, 0).ToLocalChecked();
  KJ_REQUIRE(bytes->IsArrayBufferView(), "RPC hook did not answer bytes");
  RpcPayload payload;
  payload.bytes = kj::heapArray<kj::byte>(js::bytesOf(bytes));
  payload.caps = capsFromJs(worker, array->Get(context, 1).ToLocalChecked());
  return payload;
}

v8::Local<v8::Array> payloadToJs(Worker& worker, const RpcPayload& payload) {
  auto* isolate = worker.isolate();
  auto context = worker.context();
  auto array = v8::Array::New(isolate, 2);
  (void)array->Set(context, 0, js::newBytes(isolate, payload.bytes));
  (void)array->Set(context, 1, capsToJs(worker, payload.caps));
  return array;
}

void setCaps(capnp::List<rpc::RpcStub>::Builder list, const std::vector<rpc::RpcStub::Client>& caps) {
  for (size_t i = 0; i < caps.size(); i++) list.set(i, const_cast<rpc::RpcStub::Client&>(caps[i]));
}

std::vector<rpc::RpcStub::Client> copyCaps(const std::vector<rpc::RpcStub::Client>& caps) {
  std::vector<rpc::RpcStub::Client> out;
  out.reserve(caps.size());
  for (auto& cap : caps) out.emplace_back(const_cast<rpc::RpcStub::Client&>(cap));
  return out;
}

std::vector<rpc::RpcStub::Client> getCaps(capnp::List<rpc::RpcStub>::Reader list) {
  std::vector<rpc::RpcStub::Client> caps;
  caps.reserve(list.size());
  for (auto cap : list) caps.emplace_back(cap);
  return caps;
}

void rpcWorkerGone(Worker& worker) {
  auto it = liveWorkers().find(&worker);
  if (it == liveWorkers().end()) return;
  for (auto* e : it->second.exports) e->forget();
  for (auto& value : it->second.released) value.Reset();
  liveWorkers().erase(it);
}

void installRpcOps(Worker& worker, v8::Local<v8::Object> ops) {
  liveWorkers()[&worker];
  setOp(worker, ops, "rpcCall", &rpcCall);
  setOp(worker, ops, "rpcDispose", &rpcDispose);
  setOp(worker, ops, "rpcDup", &rpcDup);
  setOp(worker, ops, "rpcIsDisposed", &rpcIsDisposed);
  setOp(worker, ops, "rpcPlaceholder", &rpcPlaceholder);
  setOp(worker, ops, "rpcSerialize", &rpcSerialize);
  setOp(worker, ops, "rpcDeserialize", &rpcDeserialize);
  setOp(worker, ops, "rpcPlaceholderOf", &rpcPlaceholderOf);
  setOp(worker, ops, "rpcEntrypoint", &rpcEntrypoint);
  setOp(worker, ops, "rpcExport", &rpcExport);
}

}  // namespace colony::api
