#include "runtime/storage/memory_cache.h"

#include <algorithm>

namespace colony::storage {

void MemoryCacheStore::addLimits(const MemoryCacheLimits& limits) {
  limits_.maxKeys = std::max(limits_.maxKeys, limits.maxKeys);
  limits_.maxValueSize = std::max(limits_.maxValueSize, limits.maxValueSize);
  limits_.maxTotalValueSize = std::max(limits_.maxTotalValueSize, limits.maxTotalValueSize);
}

MemoryCacheStore::Value MemoryCacheStore::get(const std::string& key, double nowMs) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  if (it->second.expiration && *it->second.expiration <= nowMs) {
    erase(it);
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  return it->second.value;
}

bool MemoryCacheStore::put(const std::string& key, std::vector<unsigned char> bytes,
                           std::optional<double> expiration, double nowMs) {
  if (bytes.size() > limits_.maxValueSize) return false;
  if (expiration && *expiration <= nowMs) return false;
  if (auto it = entries_.find(key); it != entries_.end()) erase(it);
  lru_.push_front(key);
  totalSize_ += bytes.size();
  entries_.emplace(key, Entry{std::make_shared<const std::vector<unsigned char>>(std::move(bytes)),
                              expiration, lru_.begin()});
  enforceLimits();
  return entries_.count(key) != 0;
}

void MemoryCacheStore::remove(const std::string& key) {
  if (auto it = entries_.find(key); it != entries_.end()) erase(it);
}

void MemoryCacheStore::erase(std::map<std::string, Entry>::iterator it) {
  totalSize_ -= it->second.value->size();
  lru_.erase(it->second.lru);
  entries_.erase(it);
}

void MemoryCacheStore::enforceLimits() {
  while (!lru_.empty() &&
         (entries_.size() > limits_.maxKeys || totalSize_ > limits_.maxTotalValueSize)) {
    erase(entries_.find(lru_.back()));
  }
}

bool MemoryCacheStore::claim(const std::string& key) {
  if (inFlight_.count(key) != 0) return false;
  inFlight_[key];
  return true;
}

kj::Promise<void> MemoryCacheStore::wait(const std::string& key) {
  auto it = inFlight_.find(key);
  if (it == inFlight_.end()) return kj::READY_NOW;
  auto paf = kj::newPromiseAndFulfiller<void>();
  it->second.push_back(kj::mv(paf.fulfiller));
  return kj::mv(paf.promise);
}

void MemoryCacheStore::release(const std::string& key) {
  auto it = inFlight_.find(key);
  if (it == inFlight_.end()) return;
  auto waiters = kj::mv(it->second);
  inFlight_.erase(it);
  for (auto& waiter : waiters) waiter->fulfill();
}

MemoryCacheStore& memoryCacheStore(const std::string& id, std::string& resolvedId) {
  static std::map<std::string, std::unique_ptr<MemoryCacheStore>> stores;
  static uint64_t privateCount = 0;
  // Private stores get ids no config can write (ids from the config never start with a NUL).
  resolvedId = id.empty() ? std::string(1, '\0') + std::to_string(++privateCount) : id;
  auto& store = stores[resolvedId];
  if (!store) store = std::make_unique<MemoryCacheStore>();
  return *store;
}

}  // namespace colony::storage
