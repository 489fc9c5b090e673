#include "supervisor/object_directory.h"

#include <spdlog/spdlog.h>

#include <kj/debug.h>

namespace colony {

class ObjectDirectory::DirectoryCap final : public rpc::ObjectDirectory::Server {
 public:
  DirectoryCap(ObjectDirectory& directory, uint64_t processId)
      : directory_(directory), processId_(processId) {}

  kj::Promise<void> locate(LocateContext context) override {
    std::string key = context.getParams().getKey().cStr();
    return directory_.locate(processId_, kj::mv(key), context);
  }

 private:
  ObjectDirectory& directory_;
  uint64_t processId_;
};

rpc::ObjectDirectory::Client ObjectDirectory::registerHost(uint64_t processId,
                                                           rpc::ObjectHost::Client host) {
  auto paf = kj::newPromiseAndFulfiller<void>();
  hosts_.erase(processId);
  hosts_.emplace(processId, Host{kj::mv(host), false, kj::mv(paf.fulfiller), paf.promise.fork()});
  return kj::heap<DirectoryCap>(*this, processId);
}

void ObjectDirectory::leaving(uint64_t processId) {
  auto it = hosts_.find(processId);
  if (it != hosts_.end()) it->second.leaving = true;
}

void ObjectDirectory::dropProcess(uint64_t processId) {
  auto it = hosts_.find(processId);
  if (it == hosts_.end()) return;
  auto fulfiller = kj::mv(it->second.goneFulfiller);
  hosts_.erase(it);
  size_t dropped = 0;
  for (auto o = owners_.begin(); o != owners_.end();) {
    if (o->second == processId) {
      o = owners_.erase(o);
      dropped++;
    } else {
      ++o;
    }
  }
  if (dropped > 0) spdlog::debug("{} Durable Objects of process {} will be placed again", dropped, processId);
  fulfiller->fulfill();
}

kj::Promise<void> ObjectDirectory::locate(uint64_t caller, std::string key,
                                          capnp::CallContext<rpc::ObjectDirectory::LocateParams, rpc::ObjectDirectory::LocateResults> context) {
  auto owner = owners_.find(key);
  if (owner != owners_.end()) {
    auto host = hosts_.find(owner->second);
    if (host == hosts_.end()) {
      owners_.erase(owner);
    } else if (host->second.leaving) {
      // Never two instances: wait until the draining owner is gone, then place it again.
      return host->second.gone.addBranch().then(
          [this, caller, key = kj::mv(key), context]() mutable {
            return locate(caller, kj::mv(key), context);
          });
    } else {
      auto results = context.getResults();
      results.setHost(host->second.cap);
      results.setLocal(owner->second == caller);
      return kj::READY_NOW;
    }
  }
  // Nobody owns it: the caller runs it, unless the caller is draining; then the process that
  // registered last (the newest generation's) does.
  uint64_t chosen = caller;
  auto self = hosts_.find(caller);
  if (self == hosts_.end() || self->second.leaving) {
    bool found = false;
    for (auto& [id, host] : hosts_) {
      if (!host.leaving) {
        chosen = id;
        found = true;
      }
    }
    if (!found) {
      kj::throwFatalException(KJ_EXCEPTION(DISCONNECTED, "no runtime process can take this Durable Object now"));
    }
  }
  owners_[key] = chosen;
  auto results = context.getResults();
  results.setHost(hosts_.find(chosen)->second.cap);
  results.setLocal(chosen == caller);
  return kj::READY_NOW;
}

}  // namespace colony
