// The stores behind memoryCache bindings: in-memory, one per cache `id` per runtime process,
// shared by every worker of the process whose bindings name that id (a binding without an id
// gets a store of its own). Values are kept serialized. Limits are the component-wise maximum
// of the limits of the bindings using the store; beyond them the least recently used entries are
// evicted, and a value larger than maxValueSize is never stored. Runs on the runtime's one thread.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <kj/async.h>

namespace colony::storage {

struct MemoryCacheLimits {
  uint32_t maxKeys = 0;
  uint32_t maxValueSize = 0;
  uint64_t maxTotalValueSize = 0;
};

class MemoryCacheStore {
 public:
  using Value = std::shared_ptr<const std::vector<unsigned char>>;

  void addLimits(const MemoryCacheLimits& limits);
  const MemoryCacheLimits& limits() const { return limits_; }

  // The value under `key` unless missing or expired (nowMs: milliseconds since the epoch).
  Value get(const std::string& key, double nowMs);
  // Stores a value; false when it is larger than maxValueSize (nothing stored) or already expired.
  bool put(const std::string& key, std::vector<unsigned char> bytes, std::optional<double> expiration,
           double nowMs);
  void remove(const std::string& key);

  // Single flight: the first reader of a missing key becomes its producer (claim() is true) and
  // must call release() when its fallback settles; the others wait() and then look again.
  bool claim(const std::string& key);
  kj::Promise<void> wait(const std::string& key);
  void release(const std::string& key);

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    Value value;
    std::optional<double> expiration;
    std::list<std::string>::iterator lru;
  };
  void erase(std::map<std::string, Entry>::iterator it);
  void enforceLimits();

  MemoryCacheLimits limits_;
  std::map<std::string, Entry> entries_;
  std::list<std::string> lru_;  // front = most recently used
  uint64_t totalSize_ = 0;
  std::map<std::string, std::vector<kj::Own<kj::PromiseFulfiller<void>>>> inFlight_;
};

// The process's store for a cache id; an empty id makes a new private store each call.
MemoryCacheStore& memoryCacheStore(const std::string& id, std::string& resolvedId);

}  // namespace colony::storage
