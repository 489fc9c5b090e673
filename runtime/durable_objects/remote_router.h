// Durable Objects under `colony serve` with several runtime processes: this process's ObjectHost
// (how other processes reach objects living here) and the router that sends requests for other
// objects to their owner, found in the supervisor's directory. See README.md in this folder.
#pragma once

#include <map>
#include <memory>
#include <string>

#include <kj/async.h>

#include "ipc/supervisor.capnp.h"
#include "runtime/durable_objects/object_router.h"

namespace colony {
class Server;
}

namespace colony::durable_objects {

class RemoteRouter final : public ObjectRouter {
 public:
  // Registers this process's ObjectHost with the supervisor and becomes ObjectRouter::current().
  RemoteRouter(Server& server, rpc::Supervisor::Client supervisor);
  ~RemoteRouter() noexcept(false);

  ObjectChannel& channel(Namespace& ns, const std::string& id, const std::string& name) override;
  // The RPC connection is going away: drop every capability it carries.
  void detach();

  // Drain: calls from other processes are refused from now on (their callers ask the directory
  // again, which waits for this process to be gone); resolves when those in progress are done.
  kj::Promise<void> drain();

  // --- used by the host and the channels
  Server& server() { return server_; }
  kj::Promise<rpc::ObjectDirectory::Client> directory();
  bool refusing() const { return refusing_; }
  void callStarted() { ++inFlight_; }
  void callEnded();
  ObjectChannel& localChannel(Namespace& ns, const std::string& id, const std::string& name);

 private:
  Server& server_;
  kj::ForkedPromise<rpc::ObjectDirectory::Client> directory_;
  bool refusing_ = false;
  uint64_t inFlight_ = 0;
  kj::Maybe<kj::Own<kj::PromiseFulfiller<void>>> idle_;
  std::map<std::string, std::unique_ptr<ObjectChannel>> local_;   // service\nclass\nid
  std::map<std::string, std::unique_ptr<ObjectChannel>> routed_;  // service\nclass\nid
};

// A router for a runtime whose config has Durable Object namespaces (nullptr otherwise).
std::unique_ptr<RemoteRouter> startRemoteRouting(Server& server,
                                                 kj::Maybe<rpc::Supervisor::Client>& supervisor,
                                                 kj::Timer& timer);

}  // namespace colony::durable_objects
