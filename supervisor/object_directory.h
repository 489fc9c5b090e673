// The supervisor's directory of Durable Objects: which runtime process owns which object, for
// every generation at once (runtime/durable_objects/README.md explains the design).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <kj/async.h>

#include "ipc/supervisor.capnp.h"

namespace colony {

class ObjectDirectory {
 public:
  // A runtime process offers its ObjectHost; it gets the directory to ask owners from.
  rpc::ObjectDirectory::Client registerHost(uint64_t processId, rpc::ObjectHost::Client host);
  // The process started draining: it keeps its objects until it is gone, and receives no new
  // ones; asking for one of its objects waits until then.
  void leaving(uint64_t processId);
  // The process exited or its control connection closed: its objects are placed again when
  // next asked for.
  void dropProcess(uint64_t processId);

  size_t objectCount() const { return owners_.size(); }

 private:
  class DirectoryCap;
  struct Host {
    rpc::ObjectHost::Client cap;
    bool leaving = false;
    kj::Own<kj::PromiseFulfiller<void>> goneFulfiller;
    kj::ForkedPromise<void> gone;
  };

  kj::Promise<void> locate(uint64_t caller, std::string key,
                           capnp::CallContext<rpc::ObjectDirectory::LocateParams, rpc::ObjectDirectory::LocateResults> context);

  std::map<uint64_t, Host> hosts_;
  std::map<std::string, uint64_t> owners_;  // object key -> process id
};

}  // namespace colony
