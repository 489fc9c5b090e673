// Durable Objects inside one runtime: the namespaces a worker exports (from its config's
// `durableObjectNamespaces`), the ids of their objects, and the channel through which a stub in
// any worker reaches an object. The objects themselves (instances, ctx, storage API, input gate,
// alarms) are built-in JavaScript in the owning worker's isolate (runtime/js/durable_objects.js);
// their storage is SQLite (sqlite_storage.cc). See README.md in this folder for the design.
#pragma once

#include <v8.h>

#include <array>
#include <map>
#include <memory>
#include <string>

#include <kj/async.h>
#include <kj/compat/http.h>

#include "runtime/api/rpc.h"
#include "runtime/worker_source.h"

namespace colony {
class Worker;
}

namespace colony::durable_objects {

using ObjectIdBytes = std::array<kj::byte, 32>;

// Where one object lives, as seen by a caller: its HTTP face and its JS RPC entry. Local objects
// live in this process's owning worker; remote ones are reached over IPC (see remote routing).
class ObjectChannel {
 public:
  virtual ~ObjectChannel() noexcept(false) = default;
  virtual kj::HttpService& http() = 0;
  // Calls `method` with structured-clone bytes of the argument array; resolves with the
  // structured-clone bytes of {ok, value} (value is the result, or the error thrown). Stubs
  // inside either travel as capabilities (runtime/api/rpc.h).
  virtual kj::Promise<api::RpcPayload> call(kj::StringPtr method, api::RpcPayload args) = 0;
};

class ObjectHost;

// One `durableObjectNamespaces` entry of a worker.
class Namespace {
 public:
  Namespace(ObjectHost& host, WorkerSource::DurableObjectNamespace config, std::string keyModifier);

  const std::string& className() const { return config_.className; }
  const WorkerSource::DurableObjectNamespace& config() const { return config_; }
  ObjectHost& host() { return host_; }

  // 64 lower-case hex digits.
  std::string idFromName(kj::StringPtr name) const;
  std::string newUniqueId() const;
  // The canonical (lower-case) id, or throws std::invalid_argument with workerd's messages.
  std::string idFromString(kj::StringPtr text) const;

  // The channel to the object `id` (created on first use; `name` is the name it was derived from,
  // empty if none).
  ObjectChannel& channel(const std::string& id, const std::string& name);

 private:
  std::string encode(kj::ArrayPtr<const kj::byte> base) const;

  ObjectHost& host_;
  WorkerSource::DurableObjectNamespace config_;
  std::array<kj::byte, 32> key_;
  std::map<std::string, std::unique_ptr<ObjectChannel>> channels_;
};

// Every Durable Object namespace a worker exports. Owned by that worker.
class ObjectHost {
 public:
  explicit ObjectHost(Worker& worker);
  ~ObjectHost() noexcept(false);

  Worker& worker() { return worker_; }
  Namespace* find(const std::string& className);
  // After the worker's modules ran: every namespace's class must be an exported class.
  // Returns the problems, one per line ("" when none).
  std::string checkExports();

  // Where objects of this worker keep their storage: "" for memory, else the directory.
  WorkerSource::DurableObjectStorage storage() const;
  const std::string& storageDirectory() const;

 private:
  Worker& worker_;
  std::map<std::string, std::unique_ptr<Namespace>, std::less<>> namespaces_;
};

// Calls `method` on the object `id` of `className` living in `worker` (this process).
kj::Promise<api::RpcPayload> callLocalObject(Worker& worker, const std::string& className,
                                             const std::string& id, const std::string& name,
                                             kj::StringPtr method, api::RpcPayload args);
// A channel straight into this process's instance of the object.
std::unique_ptr<ObjectChannel> newLocalChannel(Namespace& ns, const std::string& id,
                                               const std::string& name);

// The JS value of a `durableObjectNamespace` binding in `worker` (throws a JS error and returns
// an empty handle when the binding names no such namespace).
v8::Local<v8::Value> namespaceBinding(Worker& worker, const WorkerSource::Binding& binding);

void installDurableObjectOps(Worker& worker, v8::Local<v8::Object> ops);
void installSqliteStorageOps(Worker& worker, v8::Local<v8::Object> ops);

}  // namespace colony::durable_objects
