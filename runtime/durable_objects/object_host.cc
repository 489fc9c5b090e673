// Durable Object namespaces, ids and channels, and the ops the built-in JavaScript uses to reach
// objects (see object_host.h).
#include "runtime/durable_objects/object_host.h"

#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <sys/stat.h>

#include <cstdlib>
#include <stdexcept>

#include <kj/debug.h>

#include "runtime/api/clone_delegate.h"
#include "runtime/api/native_handle.h"
#include "runtime/api/ops.h"
#include "runtime/durable_objects/object_router.h"
#include "runtime/js_util.h"
#include "runtime/services/worker_service.h"
#include "runtime/worker.h"

namespace colony::durable_objects {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

std::string toHex(kj::ArrayPtr<const kj::byte> bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    out.push_back(kHexDigits[b >> 4]);
    out.push_back(kHexDigits[b & 15]);
  }
  return out;
}

void hmac(const std::array<kj::byte, 32>& key, kj::ArrayPtr<const kj::byte> data, kj::byte out[32]) {
  unsigned int length = 32;
  HMAC(EVP_sha256(), key.data(), key.size(), data.begin(), data.size(), out, &length);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Ids: 16 bytes that identify the object in its namespace (an HMAC of the name under the
// namespace's key, or random), then the first 16 bytes of an HMAC of those under the same key, so
// that an id of another namespace, or a made-up one, is recognised and refused.

Namespace::Namespace(ObjectHost& host, WorkerSource::DurableObjectNamespace config,
                     std::string keyModifier)
    : host_(host), config_(kj::mv(config)) {
  std::string material = "colony durable object namespace\n" +
                         (config_.ephemeralLocal ? "ephemeral:" + config_.className
                                                 : "key:" + config_.uniqueKey) +
                         "\n" + keyModifier;
  SHA256(reinterpret_cast<const unsigned char*>(material.data()), material.size(), key_.data());
}

std::string Namespace::encode(kj::ArrayPtr<const kj::byte> base) const {
  kj::byte id[32];
  memcpy(id, base.begin(), 16);
  kj::byte mac[32];
  hmac(key_, kj::arrayPtr(id, 16), mac);
  memcpy(id + 16, mac, 16);
  return toHex(kj::arrayPtr(id, 32));
}

std::string Namespace::idFromName(kj::StringPtr name) const {
  kj::byte digest[32];
  hmac(key_, name.asBytes(), digest);
  return encode(kj::arrayPtr(digest, 16));
}

std::string Namespace::newUniqueId() const {
  kj::byte random[16];
  KJ_ASSERT(RAND_bytes(random, sizeof(random)) == 1, "no randomness for a Durable Object id");
  // The first byte's top bit marks ids that were not derived from a name.
  random[0] |= 0x80;
  return encode(kj::arrayPtr(random, 16));
}

std::string Namespace::idFromString(kj::StringPtr text) const {
  if (text.size() != 64) throw std::invalid_argument("Invalid Durable Object ID: must be 64 hex digits");
  kj::byte bytes[32];
  for (size_t i = 0; i < 64; i++) {
    char c = text[i];
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else throw std::invalid_argument("Invalid Durable Object ID: must be 64 hex digits");
    if (i % 2 == 0) bytes[i / 2] = v << 4;
    else bytes[i / 2] |= v;
  }
  auto canonical = encode(kj::arrayPtr(bytes, 16));
  if (canonical != toHex(kj::arrayPtr(bytes, 32))) {
    throw std::invalid_argument("Durable Object ID is not valid for this namespace.");
  }
  return canonical;
}

// ---------------------------------------------------------------------------------------------
// A channel to an object of this process: requests enter the owning worker's isolate through its
// hooks (runtime/js/durable_objects.js), which create the instance on first use.

namespace {

class LocalChannel final : public ObjectChannel {
 public:
  LocalChannel(Worker& worker, std::string className, std::string id, std::string name)
      : worker_(worker),
        className_(kj::mv(className)),
        id_(kj::mv(id)),
        name_(kj::mv(name)),
        http_(worker.newHookEntrypoint("durableObjectFetch", {className_, id_, name_})) {}

  kj::HttpService& http() override { return *http_; }

  kj::Promise<api::RpcPayload> call(kj::StringPtr method, api::RpcPayload args) override {
    return callLocalObject(worker_, className_, id_, name_, method, kj::mv(args));
  }

 private:
  Worker& worker_;
  std::string className_, id_, name_;
  std::unique_ptr<kj::HttpService> http_;
};

}  // namespace

kj::Promise<api::RpcPayload> callLocalObject(Worker& worker, const std::string& className,
                                             const std::string& id, const std::string& name,
                                             kj::StringPtr method, api::RpcPayload args) {
  // From the event loop, never nested inside the caller's JS.
  return kj::evalLater([&worker, className, id, name, method = kj::str(method),
                        args = kj::mv(args)]() mutable {
    kj::Promise<v8::Global<v8::Value>> result = nullptr;
    worker.enter([&] {
      auto* isolate = worker.isolate();
      auto value = worker.callHook(
          "durableObjectCall",
          {js::str(isolate, className), js::str(isolate, id), js::str(isolate, name),
           js::str(isolate, method.cStr()), js::newBytes(isolate, args.bytes),
           api::capsToJs(worker, args.caps)});
      result = worker.awaitJs(value);
    });
    return result.then([&worker](v8::Global<v8::Value> value) {
      return worker.enter([&] { return api::payloadFromJs(worker, value.Get(worker.isolate())); });
    });
  });
}

ObjectChannel& Namespace::channel(const std::string& id, const std::string& name) {
  if (auto* router = ObjectRouter::current(); router != nullptr && !config_.ephemeralLocal) {
    return router->channel(*this, id, name);
  }
  auto it = channels_.find(id);
  if (it != channels_.end()) return *it->second;
  std::unique_ptr<ObjectChannel> made =
      std::make_unique<LocalChannel>(host_.worker(), config_.className, id, name);
  auto& ref = *made;
  channels_.emplace(id, kj::mv(made));
  return ref;
}

std::unique_ptr<ObjectChannel> newLocalChannel(Namespace& ns, const std::string& id,
                                               const std::string& name) {
  return std::make_unique<LocalChannel>(ns.host().worker(), ns.className(), id, name);
}

// ---------------------------------------------------------------------------------------------

ObjectHost::ObjectHost(Worker& worker) : worker_(worker) {
  auto& source = worker.source();
  for (auto& ns : source.durableObjectNamespaces) {
    namespaces_.emplace(ns.className, std::make_unique<Namespace>(
                                          *this, ns, source.durableObjectUniqueKeyModifier));
  }
}

ObjectHost::~ObjectHost() noexcept(false) {}

Namespace* ObjectHost::find(const std::string& className) {
  auto it = namespaces_.find(className);
  return it == namespaces_.end() ? nullptr : it->second.get();
}

WorkerSource::DurableObjectStorage ObjectHost::storage() const {
  return worker_.source().durableObjectStorage;
}

const std::string& ObjectHost::storageDirectory() const {
  return worker_.source().durableObjectDirectory;
}

std::string ObjectHost::checkExports() {
  std::string problems;
  auto& source = worker_.source();
  if (source.syntax != WorkerSource::Syntax::MODULES) {
    return "service \"" + source.serviceName +
           "\": durableObjectNamespaces need a modules worker (classes are exported by modules)";
  }
  worker_.enter([&] {
    auto* isolate = worker_.isolate();
    auto context = worker_.context();
    auto exports = worker_.moduleExports();
    for (auto& [name, ns] : namespaces_) {
      v8::Local<v8::Value> value;
      bool isClass = !exports.IsEmpty() &&
                     exports->Get(context, js::str(isolate, name)).ToLocal(&value) &&
                     value->IsFunction() && value.As<v8::Function>()->IsConstructor();
      if (!isClass) {
        if (!problems.empty()) problems += "\n";
        problems += "service \"" + source.serviceName + "\": Durable Object namespace \"" + name +
                    "\": the worker does not export a class named \"" + name + "\"";
      }
    }
    if (problems.empty()) {
      auto names = v8::Array::New(isolate);
      uint32_t i = 0;
      for (auto& [name, ns] : namespaces_) (void)names->Set(context, i++, js::str(isolate, name));
      worker_.callHook("durableObjectSetup", {exports, worker_.env(), names});
    }
  });
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Ops

namespace {

const api::HandleKind kNamespaceHandle{"durable object namespace"};

Namespace* unwrapNamespace(v8::Local<v8::Value> value) {
  auto* ns = api::unwrapHandle<Namespace*>(value, kNamespaceHandle);
  return ns == nullptr ? nullptr : *ns;
}

#define NAMESPACE_ARG(var)                                                 \
  auto* var = unwrapNamespace(info[0]);                                    \
  if (var == nullptr) return js::throwTypeError(isolate, "Illegal invocation")

// ops.doIdFromName(ns, name) -> hex id
void idFromName(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  NAMESPACE_ARG(ns);
  auto name = js::toKjString(isolate, info[1]);
  info.GetReturnValue().Set(js::str(isolate, ns->idFromName(name)));
}

// ops.doNewUniqueId(ns) -> hex id
void newUniqueId(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  NAMESPACE_ARG(ns);
  info.GetReturnValue().Set(js::str(isolate, ns->newUniqueId()));
}

// ops.doIdFromString(ns, text) -> canonical hex id; throws TypeError for a bad id.
void idFromString(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  NAMESPACE_ARG(ns);
  auto text = js::toKjString(isolate, info[1]);
  try {
    info.GetReturnValue().Set(js::str(isolate, ns->idFromString(text)));
  } catch (std::invalid_argument& e) {
    js::throwTypeError(isolate, e.what());
  }
}

// ops.doTarget(ns, id, name) -> a service target for ops.serviceFetch reaching the object.
void target(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  NAMESPACE_ARG(ns);
  auto& worker = Worker::from(isolate);
  auto id = js::toStdString(isolate, info[1]);
  auto name = info[2]->IsString() ? js::toStdString(isolate, info[2]) : std::string();
  kj::HttpService* http = nullptr;
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&] { http = &ns->channel(id, name).http(); })) {
    return js::throwError(isolate, e->getDescription().cStr());
  }
  info.GetReturnValue().Set(api::wrapServiceTarget(worker, *http));
}

// ops.doCall(ns, id, name, method, argBytes, caps) -> Promise<[bytes, capHandles]> (bytes:
// serialized {ok, value}; see runtime/js/rpc.js).
void call(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  NAMESPACE_ARG(ns);
  auto& worker = Worker::from(isolate);
  auto id = js::toStdString(isolate, info[1]);
  auto name = info[2]->IsString() ? js::toStdString(isolate, info[2]) : std::string();
  auto method = js::toKjString(isolate, info[3]);
  if (!info[4]->IsArrayBufferView()) return js::throwTypeError(isolate, "doCall: bytes expected");
  api::RpcPayload args;
  args.bytes = kj::heapArray<kj::byte>(js::bytesOf(info[4]));
  kj::Promise<api::RpcPayload> promise = nullptr;
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&] {
                args.caps = api::capsFromJs(worker, info[5]);
                promise = ns->channel(id, name).call(method, kj::mv(args));
              })) {
    return js::throwError(isolate, e->getDescription().cStr());
  }
  info.GetReturnValue().Set(worker.toJsPromise(
      kj::mv(promise), [&worker](api::RpcPayload&& payload) -> v8::Local<v8::Value> {
        return api::payloadToJs(worker, payload);
      }));
}

// ops.doSerialize(value, makeError) -> Uint8Array (V8 serialization, as structuredClone).
void serialize(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  if (!info[1]->IsFunction()) return js::throwTypeError(isolate, "doSerialize: bad arguments");
  auto delegate = api::newCloneDelegate(isolate, info[1].As<v8::Function>());
  v8::ValueSerializer serializer(isolate, delegate.get());
  v8::Local<v8::Uint8Array> bytes;
  if (js::serializeToBytes(isolate, serializer, info[0]).ToLocal(&bytes)) info.GetReturnValue().Set(bytes);
}

// ops.doDeserialize(bytes) -> value
void deserialize(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  if (!info[0]->IsArrayBufferView()) return js::throwTypeError(isolate, "doDeserialize: bytes expected");
  auto bytes = js::bytesOf(info[0]);
  v8::ValueDeserializer deserializer(isolate, bytes.begin(), bytes.size());
  v8::Local<v8::Value> result;
  if (!deserializer.ReadHeader(context).FromMaybe(false) ||
      !deserializer.ReadValue(context).ToLocal(&result)) {
    return;
  }
  info.GetReturnValue().Set(result);
}

std::string sanitize(const std::string& text) {
  std::string out;
  for (char c : text) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    out.push_back(ok ? c : '_');
  }
  if (out.empty() || out[0] == '.') out.insert(out.begin(), '_');
  return out;
}

// How long an object with nothing to do stays in memory before it is evicted: 10 seconds, as in
// workerd; COLONY_DO_IDLE_MS overrides it (for tests and operations).
double idleMilliseconds() {
  const char* text = getenv("COLONY_DO_IDLE_MS");
  if (text == nullptr || *text == '\0') return 10000;
  char* end = nullptr;
  double ms = strtod(text, &end);
  if (*end != '\0' || !(ms > 0) || ms > 2147483647.0) return 10000;
  return ms;
}

// ops.doStorageConfig(className) in the owning worker -> {kind: "none"|"memory"|"disk",
// directory, enableSql, preventEviction, idleMs}; creates the namespace's directory for "disk".
void storageConfig(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  auto& worker = Worker::from(isolate);
  auto* ns = worker.durableObjects().find(js::toStdString(isolate, info[0]));
  if (ns == nullptr) return js::throwTypeError(isolate, "no such Durable Object namespace");
  auto out = v8::Object::New(isolate);
  const char* kind = "none";
  std::string directory;
  switch (ns->host().storage()) {
    case WorkerSource::DurableObjectStorage::NONE: break;
    case WorkerSource::DurableObjectStorage::IN_MEMORY: kind = "memory"; break;
    case WorkerSource::DurableObjectStorage::LOCAL_DISK:
      kind = "disk";
      directory = ns->host().storageDirectory() + "/" +
                  sanitize(ns->config().ephemeralLocal ? ns->className() : ns->config().uniqueKey);
      if (mkdir(directory.c_str(), 0777) != 0 && errno != EEXIST) {
        return js::throwError(isolate, "Durable Object storage: cannot create directory " +
                                           directory + ": " + strerror(errno));
      }
      break;
  }
  if (ns->config().ephemeralLocal && std::string(kind) == "disk") kind = "memory";
  (void)out->Set(context, js::str(isolate, "kind"), js::str(isolate, kind));
  (void)out->Set(context, js::str(isolate, "directory"), js::str(isolate, directory));
  (void)out->Set(context, js::str(isolate, "enableSql"),
                 v8::Boolean::New(isolate, ns->config().enableSql));
  (void)out->Set(context, js::str(isolate, "preventEviction"),
                 v8::Boolean::New(isolate, ns->config().preventEviction));
  (void)out->Set(context, js::str(isolate, "idleMs"), v8::Number::New(isolate, idleMilliseconds()));
  info.GetReturnValue().Set(out);
}

// ops.doNamespaceHandle(className) in the owning worker -> the namespace's handle (to reach one
// of its own objects through its channel, wherever it lives).
void namespaceHandle(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto& worker = Worker::from(isolate);
  auto* ns = worker.durableObjects().find(js::toStdString(isolate, info[0]));
  if (ns == nullptr) return js::throwTypeError(isolate, "no such Durable Object namespace");
  info.GetReturnValue().Set(api::wrapHandle(worker, kNamespaceHandle, ns));
}

}  // namespace

v8::Local<v8::Value> namespaceBinding(Worker& worker, const WorkerSource::Binding& binding) {
  auto* isolate = worker.isolate();
  Worker* owner = &worker;
  if (!binding.serviceName.empty() && binding.serviceName != worker.serviceName()) {
    Service* service = nullptr;
    try {
      service = &worker.host().findService(binding.serviceName);
    } catch (std::exception& e) {
      js::throwError(isolate, e.what());
      return {};
    } catch (kj::Exception& e) {
      js::throwError(isolate, e.getDescription().cStr());
      return {};
    }
    auto* ws = dynamic_cast<WorkerService*>(service);
    if (ws == nullptr) {
      js::throwError(isolate, "service \"" + binding.serviceName +
                                  "\" is not a worker, so it has no Durable Object namespaces");
      return {};
    }
    owner = &ws->worker();
  }
  auto* ns = owner->durableObjects().find(binding.className);
  if (ns == nullptr) {
    js::throwError(isolate, "service \"" + owner->serviceName() +
                                "\" has no durableObjectNamespaces entry with className \"" +
                                binding.className + "\"");
    return {};
  }
  v8::Local<v8::Value> args[] = {api::wrapHandle(worker, kNamespaceHandle, ns)};
  v8::Local<v8::Value> out;
  if (!worker.hook("makeDurableObjectNamespace")
           ->Call(worker.context(), v8::Undefined(isolate), 1, args)
           .ToLocal(&out)) {
    return {};
  }
  return out;
}

void installDurableObjectOps(Worker& worker, v8::Local<v8::Object> ops) {
  api::setOp(worker, ops, "doIdFromName", &idFromName);
  api::setOp(worker, ops, "doNewUniqueId", &newUniqueId);
  api::setOp(worker, ops, "doIdFromString", &idFromString);
  api::setOp(worker, ops, "doTarget", &target);
  api::setOp(worker, ops, "doCall", &call);
  api::setOp(worker, ops, "doSerialize", &serialize);
  api::setOp(worker, ops, "doDeserialize", &deserialize);
  api::setOp(worker, ops, "doStorageConfig", &storageConfig);
  api::setOp(worker, ops, "doNamespaceHandle", &namespaceHandle);
  installSqliteStorageOps(worker, ops);
}

}  // namespace colony::durable_objects
