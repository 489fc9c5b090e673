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
  enum class BindingType { TEXT, DATA, JSON, WASM_MODULE, FROM_ENVIRONMENT, SERVICE, CRYPTO_KEY };

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
    // CRYPTO_KEY: `content` is the key material (bytes for raw, else the text); the format is
    // raw, hex, base64, pkcs8, spki or jwk; the algorithm a name or JSON text.
    std::string keyFormat;
    std::string keyAlgorithm;
    bool keyAlgorithmIsJson = false;
    bool keyExtractable = false;
    std::vector<std::string> keyUsages;
    std::string_view text() const {
      return {reinterpret_cast<const char*>(content.begin()), content.size()};
    }
  };

  std::string serviceName;
  Syntax syntax = Syntax::MODULES;
  std::vector<Module> modules;       // MODULES: the first is the main module
  std::string serviceWorkerScript;   // SERVICE_WORKER
  std::vector<Binding> bindings;
  std::string compatibilityDate;
  std::vector<std::string> compatibilityFlags;
  std::string globalOutbound = "internet";  // service name; empty = none
  std::string globalOutboundEntrypoint;
};

}  // namespace colony
