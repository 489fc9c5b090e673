"use strict";
// memoryCache bindings: `read(key, fallback?)` and `delete(key)` on an in-memory cache of this
// runtime process (runtime/storage/memory_cache.h), shared by the workers whose bindings name the
// same id. Values are stored serialized (structured clone), so a reader gets its own copy. When
// several readers miss the same key at once, only the first calls its fallback; the others wait
// for it and then read its value (or, if that fallback failed, the next one tries its own).

const { ObjectFreeze, Symbol: SymbolCtor, TypeError: TypeErrorCtor } = internal.primordials;
const ops = internal.ops;

const kToken = SymbolCtor("memoryCache");
const kMaxKeySize = 2048;

function checkKey(key) {
  if (typeof key !== "string") {
    throw new TypeErrorCtor("Failed to execute 'read' on 'MemoryCache': parameter 1 is not of type 'string'.");
  }
  if (key.length > kMaxKeySize) throw new TypeErrorCtor(`Key too large. The maximum key size is ${kMaxKeySize} characters.`);
}

class MemoryCache {
  #id;
  constructor(token, id) {
    if (token !== kToken) throw new TypeErrorCtor("Illegal constructor");
    this.#id = id;
  }

  async read(key, fallback) {
    checkKey(key);
    if (fallback !== undefined && typeof fallback !== "function") {
      throw new TypeErrorCtor("Failed to execute 'read' on 'MemoryCache': parameter 2 is not a function.");
    }
    const id = this.#id;
    for (;;) {
      const hit = ops.memoryCacheGet(id, key);
      if (hit !== undefined) return hit[0];
      if (fallback === undefined) return undefined;
      if (ops.memoryCacheClaim(id, key)) {
        try {
          const result = await fallback(key);
          if (result === null || typeof result !== "object") {
            throw new TypeErrorCtor("The fallback of MemoryCache.read() must return an object { value, expiration? }.");
          }
          const { value, expiration } = result;
          if (expiration !== undefined && typeof expiration !== "number") {
            throw new TypeErrorCtor("The expiration returned by a MemoryCache.read() fallback must be a number (milliseconds since the epoch).");
          }
          ops.memoryCachePut(id, key, value, expiration);
          return value;
        } finally {
          ops.memoryCacheRelease(id, key);
        }
      }
      await ops.memoryCacheWait(id, key);
    }
  }

  delete(key) {
    checkKey(key);
    ops.memoryCacheDelete(this.#id, key);
  }
}

// As in workerd, delete() exists with the memory_cache_delete flag.
// (Flags are the worker's: read when it starts, not when the built-ins are snapshotted.)
internal.onWorkerStart(() => {
  if (!ops.compatFlag("memoryCacheDelete")) delete MemoryCache.prototype.delete;
});

exports.MemoryCache = MemoryCache;
exports.makeMemoryCache = (desc) => ObjectFreeze(new MemoryCache(
  kToken, ops.memoryCacheOpen(desc.id, desc.maxKeys, desc.maxValueSize, desc.maxTotalValueSize)));
