"use strict";
// hooks.makeStorageBinding(desc): the value of a kvNamespace, r2Bucket, queue or memoryCache
// binding, from the description runtime/api/storage_bindings.cc makes.

const kv = internal.require("kv");
const memoryCache = internal.require("memory_cache");
const r2 = internal.require("r2");
const queue = internal.require("queue");

internal.hooks.makeStorageBinding = (desc) => {
  switch (desc.kind) {
    case "kv": return kv.makeKvNamespace(desc);
    case "memoryCache": return memoryCache.makeMemoryCache(desc);
    case "r2": return r2.makeR2Bucket(desc);
    case "queue": return queue.makeQueue(desc);
    default: throw new Error(`${desc.kind} bindings are not available`);
  }
};
