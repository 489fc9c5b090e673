// JS RPC between isolates and processes (service bindings to entrypoints, Durable Object stubs):
// the values a call passes by reference — functions, RpcTargets, stream sources, entrypoints — are
// Cap'n Proto capabilities (rpc::RpcStub in ipc/durable_objects.capnp), so one mechanism serves
// isolates of one process and objects in other processes. The JS side is runtime/js/rpc.js.
#pragma once

#include <v8.h>

#include <string>
#include <vector>

#include <kj/async.h>

#include "ipc/durable_objects.capnp.h"

namespace colony {
class Worker;
}

namespace colony::api {

// One direction of a call: structured-clone bytes whose i-th stub placeholder is caps[i].
struct RpcPayload {
  kj::Array<kj::byte> bytes;
  std::vector<rpc::RpcStub::Client> caps;
};

// JS array of caps → capabilities: a stub handle forwards its capability; any other value (a
// function, an RpcTarget, a stream source) is exported from `worker`. Throws a kj exception on a
// disposed stub.
std::vector<rpc::RpcStub::Client> capsFromJs(Worker& worker, v8::Local<v8::Value> array);
// Capabilities → a JS array of stub handles (for rpc.js to wrap).
v8::Local<v8::Array> capsToJs(Worker& worker, const std::vector<rpc::RpcStub::Client>& caps);
// A JS value [bytes, caps] (what the rpc.js hooks answer) → a payload.
RpcPayload payloadFromJs(Worker& worker, v8::Local<v8::Value> value);
// A payload → the JS array [bytes, capHandles].
v8::Local<v8::Array> payloadToJs(Worker& worker, const RpcPayload& payload);

void setCaps(capnp::List<rpc::RpcStub>::Builder list, const std::vector<rpc::RpcStub::Client>& caps);
std::vector<rpc::RpcStub::Client> copyCaps(const std::vector<rpc::RpcStub::Client>& caps);
std::vector<rpc::RpcStub::Client> getCaps(capnp::List<rpc::RpcStub>::Reader list);

// ~Worker calls this first: its exported values are released and calls to them fail.
void rpcWorkerGone(Worker& worker);

void installRpcOps(Worker& worker, v8::Local<v8::Object> ops);

}  // namespace colony::api
