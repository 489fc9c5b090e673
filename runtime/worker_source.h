// What a worker is made of, taken from one `Worker` in the config: its code, its bindings and its
// compatibility settings. Plain data; the config message it points into outlives it.
#pragma once

#include <string>
#include <vector>

#include <kj/array.h>
#include <kj/string.h>

namespace colony {

class Service;

struct WorkerSource {
  enum class Syntax { MODULES, SERVICE_WORKER };
  enum class ModuleType { ES, COMMON_JS, TEXT, DATA, JSON, WASM };
  enum class BindingType {
    TEXT, DATA, JSON, WASM_MODULE, FROM_ENVIRONMENT, SERVICE, CRYPTO_KEY, DURABLE_OBJECT_NAMESPACE,
    // runtime/api/storage_bindings.cc; serviceName is the designated service (not MEMORY_CACHE)
    KV_NAMESPACE, R2_BUCKET, QUEUE, MEMORY_CACHE,
  };

  struct Module {
    std::string name;
    ModuleType type;
    kj::ArrayPtr<const kj::byte> content;
    std::string_view text() const {
      return {reinterpret_cast<const char*>(content.begin()), content.size()};
    }
  };

  struct Binding {
    std::string name;
    BindingType type;
    kj::ArrayPtr<const kj::byte> content;  // text, data, json, wasm bytes; env variable name
    std::string serviceName;                // SERVICE: the designated service
    std::string entrypoint;                 // SERVICE: named entrypoint, empty for default
    std::string className;                  // DURABLE_OBJECT_NAMESPACE (serviceName "" = this worker)
    // CRYPTO_KEY: `content` is the key material (bytes for raw, else the text); the format is
    // raw, hex, base64, pkcs8, spki or jwk; the algorithm a name or JSON text.
    std::string keyFormat;
    std::string keyAlgorithm;
    bool keyAlgorithmIsJson = false;
    bool keyExtractable = false;
    std::vector<std::string> keyUsages;
    // MEMORY_CACHE: the cache id (empty: a cache of its own) and limits.
    std::string memoryCacheId;
    uint32_t memoryCacheMaxKeys = 0;
    uint32_t memoryCacheMaxValueSize = 0;
    uint64_t memoryCacheMaxTotalValueSize = 0;
    std::string_view text() const {
      return {reinterpret_cast<const char*>(content.begin()), content.size()};
    }
  };

  // Durable Object classes this worker exports (runtime/durable_objects).
  struct DurableObjectNamespace {
    std::string className;
    std::string uniqueKey;  // empty for ephemeralLocal
    bool ephemeralLocal = false;
    bool enableSql = false;
    bool preventEviction = false;
  };
  enum class DurableObjectStorage { NONE, IN_MEMORY, LOCAL_DISK };

  std::string serviceName;
  Syntax syntax = Syntax::MODULES;
  std::vector<Module> modules;       // MODULES: the first is the main module
  std::string serviceWorkerScript;   // SERVICE_WORKER
  std::vector<Binding> bindings;
  std::string compatibilityDate;
  std::vector<std::string> compatibilityFlags;
  std::string globalOutbound = "internet";  // service name; empty = none
  std::string globalOutboundEntrypoint;
  std::string cacheApiOutbound;  // service name; empty = Colony's built-in cache
  std::string cacheApiOutboundEntrypoint;
  std::vector<DurableObjectNamespace> durableObjectNamespaces;
  std::string durableObjectUniqueKeyModifier;
  DurableObjectStorage durableObjectStorage = DurableObjectStorage::NONE;
  std::string durableObjectDirectory;  // LOCAL_DISK: the disk service's path
};

}  // namespace colony
