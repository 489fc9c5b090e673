// Config validation. Two parts:
//  - a generic walk over every field set in the config, refusing those not in kImplemented;
//  - checks of meaning: names, references, addresses, compatibility dates and flags.
// Problems are reported in config terms (`service "api": binding "KV": ...`) and located in the
// source text by looking for the names and field names they mention.
#include "config/config_validator.h"

#include <arpa/inet.h>

#include <algorithm>
#include <map>
#include <optional>
#include <regex>

#include <capnp/dynamic.h>
#include <capnp/schema.h>

#include "config/compat_flags.h"
#include "config/cron_expression.h"

namespace colony::config {

namespace {

// ---------------------------------------------------------------------------------------------
// What Colony implements. Keys are "Struct.field" (nested structs as "Outer.Inner.field", group
// members as "Struct.group.field"). Any field a config sets that is not listed here is refused
// with an error naming it; enabling a feature means adding its fields here.

constexpr std::string_view kImplemented[] = {
    "Config.services",
    "Config.sockets",
    // Passed to V8 in every runtime process before it starts (after Colony's own defaults; the
    // rule against code generation from strings is applied last and always holds).
    "Config.v8Flags",

    "Socket.name",
    "Socket.address",
    "Socket.http",
    "Socket.https",
    "Socket.https.options",
    "Socket.https.tlsOptions",
    // Raw TCP to a worker's connect() handler, TLS from the first byte with tlsOptions;
    // tcp.tlsMode (startTls) is not implemented.
    "Socket.tcp",
    "Socket.tcp.tlsOptions",
    "Socket.service",

    "Service.name",
    "Service.worker",
    "Service.network",
    "Service.external",
    "Service.disk",

    "ServiceDesignator.name",
    "ServiceDesignator.entrypoint",

    "Worker.modules",
    "Worker.serviceWorkerScript",
    "Worker.compatibilityDate",
    "Worker.compatibilityFlags",
    "Worker.bindings",
    "Worker.globalOutbound",
    "Worker.cacheApiOutbound",  // the Cache API speaks workerd's cache protocol to it (runtime/js/cache.js)
    "Worker.cronTriggers",  // Colony extension (config/cron_expression.h)

    "Worker.Module.name",
    "Worker.Module.esModule",
    "Worker.Module.commonJsModule",
    "Worker.Module.text",
    "Worker.Module.data",
    "Worker.Module.wasm",
    "Worker.Module.json",

    "Worker.Binding.name",
    "Worker.Binding.text",
    "Worker.Binding.data",
    "Worker.Binding.json",
    "Worker.Binding.wasmModule",
    "Worker.Binding.fromEnvironment",
    "Worker.Binding.service",
    "Worker.Binding.cryptoKey",
    // Storage bindings and the Cache API (runtime/storage/README.md).
    "Worker.Binding.kvNamespace",
    "Worker.Binding.r2Bucket",  // a disk service, or any service speaking workerd's R2 protocol
    "Worker.Binding.queue",  // producers (runtime/js/queue.js)
    "Worker.Binding.memoryCache",
    "Worker.Binding.memoryCache.id",
    "Worker.Binding.memoryCache.limits",
    "Worker.Binding.MemoryCacheLimits.maxKeys",
    "Worker.Binding.MemoryCacheLimits.maxValueSize",
    "Worker.Binding.MemoryCacheLimits.maxTotalValueSize",

    "Worker.Binding.CryptoKey.raw",
    "Worker.Binding.CryptoKey.hex",
    "Worker.Binding.CryptoKey.base64",
    "Worker.Binding.CryptoKey.pkcs8",
    "Worker.Binding.CryptoKey.spki",
    "Worker.Binding.CryptoKey.jwk",
    "Worker.Binding.CryptoKey.algorithm",
    "Worker.Binding.CryptoKey.algorithm.name",
    "Worker.Binding.CryptoKey.algorithm.json",
    "Worker.Binding.CryptoKey.extractable",
    "Worker.Binding.CryptoKey.usages",

    "HttpOptions.style",
    "HttpOptions.forwardedProtoHeader",
    "HttpOptions.injectRequestHeaders",
    "HttpOptions.injectResponseHeaders",
    "HttpOptions.Header.name",
    "HttpOptions.Header.value",

    "ExternalServer.address",
    "ExternalServer.http",
    "ExternalServer.https",
    "ExternalServer.https.options",
    "ExternalServer.https.tlsOptions",
    "ExternalServer.https.certificateHost",

    "Network.allow",
    "Network.deny",
    "Network.tlsOptions",

    // Outbound TLS (https external services, network services); the system trust store is always
    // used, so trustBrowserCas = true asks for nothing more.
    "TlsOptions.trustBrowserCas",
    "TlsOptions.trustedCertificates",
    "TlsOptions.minVersion",
    "TlsOptions.cipherList",
    // A keypair is an https socket's certificate, or outbound TLS's client certificate;
    // requireClientCerts applies to https sockets only (checkOutboundTls refuses it by name).
    "TlsOptions.keypair",
    "TlsOptions.requireClientCerts",
    "TlsOptions.Keypair.privateKey",
    "TlsOptions.Keypair.certificateChain",

    "DiskDirectory.path",
    "DiskDirectory.writable",
    "DiskDirectory.allowDotfiles",

    // Durable Objects (runtime/durable_objects).
    "Worker.durableObjectNamespaces",
    "Worker.durableObjectUniqueKeyModifier",
    "Worker.durableObjectStorage",
    "Worker.durableObjectStorage.none",
    "Worker.durableObjectStorage.inMemory",
    "Worker.durableObjectStorage.localDisk",
    "Worker.DurableObjectNamespace.className",
    "Worker.DurableObjectNamespace.uniqueKey",
    "Worker.DurableObjectNamespace.ephemeralLocal",
    "Worker.DurableObjectNamespace.preventEviction",
    "Worker.DurableObjectNamespace.enableSql",
    "Worker.Binding.durableObjectNamespace",
    "Worker.Binding.DurableObjectNamespaceDesignator.className",
    "Worker.Binding.DurableObjectNamespaceDesignator.serviceName",
};

bool isImplemented(std::string_view key) {
  return std::find(std::begin(kImplemented), std::end(kImplemented), key) !=
         std::end(kImplemented);
}

// List elements identified by their `name` field, and what to call them in messages.
const std::map<std::string_view, std::string_view> kNamedElementKinds = {
    {"Service", "service"},         {"Socket", "socket"},
    {"Worker.Binding", "binding"},  {"Worker.Module", "module"},
    {"HttpOptions.Header", "header"},
};

// Union members of these structs are kinds of the thing ("kvNamespace bindings").
const std::map<std::string_view, std::string_view> kKindNouns = {
    {"Service", "services"},
    {"Socket", "sockets"},
    {"Worker.Binding", "bindings"},
    {"Worker.Module", "modules"},
};

// "workerd.capnp:Worker.Binding" -> "Worker.Binding"
std::string structKey(capnp::StructSchema schema) {
  std::string name = schema.getProto().getDisplayName().cStr();
  auto colon = name.find(':');
  return colon == std::string::npos ? name : name.substr(colon + 1);
}

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

// ---------------------------------------------------------------------------------------------
// Locating problems in the source text.

struct Step {
  std::string kind;  // "service", "binding", ...
  std::string name;
};
using Where = std::vector<Step>;

class SourceLocator {
 public:
  explicit SourceLocator(const std::vector<ConfigSourceFile>& sources) : sources(sources) {
    for (const auto& source : sources) cleaned.push_back(withoutComments(source.text));
  }

  // Position of `anchorField` within the elements of `where`, as well as can be found.
  std::optional<std::pair<size_t, size_t>> locate(const Where& where,
                                                  const std::string& anchorField) const {
    if (sources.empty()) return std::nullopt;
    std::optional<std::pair<size_t, size_t>> found;  // (file index, offset)
    size_t file = 0, pos = 0;
    auto search = [&](const std::regex& pattern) {
      if (auto offset = find(cleaned[file], pattern, pos)) return std::make_pair(file, *offset);
      if (auto offset = find(cleaned[file], pattern, 0)) return std::make_pair(file, *offset);
      for (size_t i = 0; i < cleaned.size(); ++i) {
        if (auto offset = find(cleaned[i], pattern, 0)) return std::make_pair(i, *offset);
      }
      return std::make_pair(size_t(-1), size_t(0));
    };
    for (const Step& step : where) {
      auto [f, offset] = search(std::regex("\\bname\\s*=\\s*\"" + escape(step.name) + "\""));
      if (f == size_t(-1)) continue;
      file = f;
      pos = offset;
      found = std::make_pair(f, offset);
    }
    if (!anchorField.empty()) {
      auto [f, offset] = search(std::regex("\\b" + escape(anchorField) + "\\s*="));
      if (f != size_t(-1) && (!found || f == found->first)) found = std::make_pair(f, offset);
    }
    return found;
  }

  ConfigProblem problem(const Where& where, const std::string& anchorField,
                        std::string message, const std::string& fallbackFile) const {
    auto position = locate(where, anchorField);
    if (!position) {
      return {sources.empty() ? fallbackFile : sources[0].displayName, 0, 0, kj::mv(message)};
    }
    const std::string& text = sources[position->first].text;
    ConfigProblem result{sources[position->first].displayName, 1, 1, kj::mv(message)};
    for (size_t i = 0; i < position->second && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++result.line;
        result.column = 1;
      } else {
        ++result.column;
      }
    }
    return result;
  }

 private:
  static std::string withoutComments(const std::string& text) {
    std::string out = text;
    bool inString = false;
    for (size_t i = 0; i < out.size(); ++i) {
      char c = out[i];
      if (inString) {
        if (c == '\\') ++i;
        else if (c == '"' || c == '\n') inString = false;
      } else if (c == '"') {
        inString = true;
      } else if (c == '#') {
        while (i < out.size() && out[i] != '\n') out[i++] = ' ';
      }
    }
    return out;
  }

  static std::string escape(const std::string& text) {
    static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
    return std::regex_replace(text, special, R"(\$&)");
  }

  static std::optional<size_t> find(const std::string& text, const std::regex& pattern,
                                    size_t from) {
    std::smatch match;
    if (from > text.size()) return std::nullopt;
    if (std::regex_search(text.begin() + from, text.end(), match, pattern)) {
      return from + match.position(0);
    }
    return std::nullopt;
  }

  const std::vector<ConfigSourceFile>& sources;
  std::vector<std::string> cleaned;
};

// Collects problems, prefixing each with where it is in config terms.
class Problems {
 public:
  Problems(const SourceLocator& locator, const std::string& fallbackFile)
      : locator(locator), fallbackFile(fallbackFile) {}

  void add(const Where& where, const std::string& anchorField, const std::string& message) {
    std::string text;
    for (const Step& step : where) text += step.kind + " " + quoted(step.name) + ": ";
    list.push_back(locator.problem(where, anchorField, text + message, fallbackFile));
  }

  std::vector<ConfigProblem> take() { return kj::mv(list); }

 private:
  const SourceLocator& locator;
  const std::string& fallbackFile;
  std::vector<ConfigProblem> list;
};

// ---------------------------------------------------------------------------------------------
// Generic walk: refuse every set field that is not implemented.

bool isSet(const capnp::DynamicStruct::Reader& parent, capnp::StructSchema::Field field);

bool anySet(const capnp::DynamicStruct::Reader& value) {
  for (auto field : value.getSchema().getFields()) {
    if (isSet(value, field)) return true;
  }
  return false;
}

bool isSet(const capnp::DynamicStruct::Reader& parent, capnp::StructSchema::Field field) {
  auto proto = field.getProto();
  if (proto.getDiscriminantValue() != capnp::schema::Field::NO_DISCRIMINANT) {
    KJ_IF_MAYBE(active, parent.which()) {
      if (*active != field) return false;
    } else {
      return false;
    }
    if (proto.getDiscriminantValue() != 0) return true;  // a member other than the default one
  }
  if (proto.isGroup()) return anySet(parent.get(field).as<capnp::DynamicStruct>());
  return parent.has(field, capnp::HasMode::NON_DEFAULT);
}

void refuseUnimplemented(const capnp::DynamicStruct::Reader& value, Where& where,
                         const std::string& fieldPath, Problems& problems);

void walkValue(const capnp::DynamicValue::Reader& value, capnp::Type type,
               const std::string& fieldName, Where& where, const std::string& fieldPath,
               Problems& problems) {
  if (type.isStruct()) {
    refuseUnimplemented(value.as<capnp::DynamicStruct>(), where, fieldPath, problems);
    return;
  }
  if (!type.isList() || !type.asList().getElementType().isStruct()) return;
  auto elementSchema = type.asList().getElementType().asStruct();
  auto kind = kNamedElementKinds.find(structKey(elementSchema));
  auto list = value.as<capnp::DynamicList>();
  for (uint i = 0; i < list.size(); ++i) {
    auto element = list[i].as<capnp::DynamicStruct>();
    if (kind != kNamedElementKinds.end()) {
      where.push_back({std::string(kind->second), element.get("name").as<capnp::Text>().cStr()});
      refuseUnimplemented(element, where, "", problems);
      where.pop_back();
    } else {
      refuseUnimplemented(element, where, fieldPath + "[" + std::to_string(i) + "]", problems);
    }
  }
}

void refuseUnimplemented(const capnp::DynamicStruct::Reader& value, Where& where,
                         const std::string& fieldPath, Problems& problems) {
  auto schema = value.getSchema();
  std::string key = structKey(schema);
  for (auto field : schema.getFields()) {
    if (!isSet(value, field)) continue;
    std::string name = field.getProto().getName().cStr();
    std::string path = fieldPath.empty() ? name : fieldPath + "." + name;
    if (!isImplemented(key + "." + name)) {
      auto noun = kKindNouns.find(key);
      bool isKind = fieldPath.empty() && noun != kKindNouns.end() &&
                    field.getProto().getDiscriminantValue() !=
                        capnp::schema::Field::NO_DISCRIMINANT;
      problems.add(where, name,
                   isKind ? name + " " + std::string(noun->second) + " are not supported yet"
                          : path + " is not supported yet");
      continue;
    }
    if (field.getProto().isGroup()) {
      refuseUnimplemented(value.get(field).as<capnp::DynamicStruct>(), where, path, problems);
    } else {
      walkValue(value.get(field), field.getType(), name, where, path, problems);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Checks of meaning.

bool isValidPort(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  return std::stoi(std::string(port)) <= 65535;
}

bool isHostName(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
  });
}

bool isIpv6(std::string_view text) {
  in6_addr address;
  return inet_pton(AF_INET6, std::string(text).c_str(), &address) == 1;
}

bool isIpv4(std::string_view text) {
  in_addr address;
  return inet_pton(AF_INET, std::string(text).c_str(), &address) == 1;
}

bool isCidrOrAddress(std::string_view text) {
  auto slash = text.find('/');
  std::string_view address = text.substr(0, slash);
  bool v6 = isIpv6(address);
  if (!v6 && !isIpv4(address)) return false;
  if (slash == std::string_view::npos) return true;
  std::string_view bits = text.substr(slash + 1);
  if (bits.empty() || bits.size() > 3 ||
      !std::all_of(bits.begin(), bits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  return std::stoi(std::string(bits)) <= (v6 ? 128 : 32);
}

struct ServiceInfo {
  Service::Which kind;
};

class MeaningChecks {
 public:
  MeaningChecks(Config::Reader config, const ValidationOptions& options, Problems& problems)
      : config(config), options(options), problems(problems),
        today(options.today.empty() ? todayUtc() : options.today) {}

  void run() {
    collectServices();
    checkSockets();
    for (auto service : config.getServices()) {
      Where where{{"service", service.getName().cStr()}};
      switch (service.which()) {
        case Service::WORKER:
          checkWorker(service.getWorker(), where);
          break;
        case Service::EXTERNAL:
          checkExternal(service.getExternal(), where);
          break;
        case Service::DISK:
          if (service.getDisk().getPath().size() == 0) {
            problems.add(where, "disk",
                         "disk service has no path; set disk.path or pass -d " +
                             std::string(service.getName().cStr()) + "=PATH");
          }
          break;
        case Service::NETWORK:
          checkNetwork(service.getNetwork(), where);
          break;
        default:
          break;
      }
    }
  }

 private:
  void collectServices() {
    for (auto service : config.getServices()) {
      std::string name = service.getName().cStr();
      if (name.empty()) {
        problems.add({}, "services", "a service has no name");
        continue;
      }
      if (!services.emplace(name, ServiceInfo{service.which()}).second) {
        problems.add({{"service", name}}, "", "service name is used more than once");
      }
      if (service.which() == Service::UNSPECIFIED) {
        problems.add({{"service", name}}, "",
                     "service does not say what it is; set worker, network, external or disk");
      }
    }
    if (services.count("internet") == 0) services.emplace("internet", ServiceInfo{Service::NETWORK});
  }

  void checkDesignator(ServiceDesignator::Reader designator, const Where& where,
                       const std::string& field) {
    std::string name = designator.getName().cStr();
    if (name.empty()) {
      problems.add(where, field, field + " does not name a service");
      return;
    }
    auto found = services.find(name);
    if (found == services.end()) {
      problems.add(where, field, field + " names service " + quoted(name) +
                                     ", which is not defined in services");
      return;
    }
    if (designator.hasEntrypoint() && found->second.kind != Service::WORKER) {
      problems.add(where, field, field + " names entrypoint " +
                                     quoted(designator.getEntrypoint().cStr()) + " but service " +
                                     quoted(name) + " is not a worker");
    }
  }

  void checkSockets() {
    std::set<std::string> names;
    for (auto socket : config.getSockets()) {
      std::string name = socket.getName().cStr();
      if (name.empty()) {
        problems.add({}, "sockets", "a socket has no name");
        continue;
      }
      Where where{{"socket", name}};
      if (!names.insert(name).second) problems.add(where, "", "socket name is used more than once");
      if (options.socketsGivenByFd.count(name) == 0) {
        std::string address = socket.getAddress().cStr();
        if (address.empty()) {
          problems.add(where, "address",
                       "socket has no address; set address or pass -s " + name + "=ADDRESS");
        } else if (auto why = checkSocketAddress(address); !why.empty()) {
          problems.add(where, "address", "address " + quoted(address) + " is not valid: " + why);
        }
      }
      bool tlsSocket = socket.isHttps() || (socket.isTcp() && socket.getTcp().hasTlsOptions());
      if (tlsSocket) {
        auto tls = socket.isHttps() ? socket.getHttps().getTlsOptions()
                                    : socket.getTcp().getTlsOptions();
        if (!tls.hasKeypair() || !tls.getKeypair().hasPrivateKey() ||
            !tls.getKeypair().hasCertificateChain()) {
          problems.add(where, "keypair",
                       std::string(socket.isHttps() ? "https" : "tcp") +
                           " socket needs tlsOptions.keypair with privateKey and "
                           "certificateChain (PEM)");
        }
      }
      if (!socket.hasService()) {
        problems.add(where, "", "socket does not name a service; set service = \"NAME\"");
      } else {
        checkDesignator(socket.getService(), where, "service");
      }
    }
  }

  void checkWorker(Worker::Reader worker, const Where& where) {
    if (worker.isModules()) {
      auto modules = worker.getModules();
      if (modules.size() == 0) {
        problems.add(where, "modules", "worker has no modules; the first module is its entry point");
      } else if (!modules[0].isEsModule() && !modules[0].isCommonJsModule()) {
        problems.add(where, "modules",
                     "the first module (" + quoted(modules[0].getName().cStr()) +
                         ") is the entry point and must be an esModule or commonJsModule");
      }
      std::set<std::string> names;
      for (auto module : modules) {
        std::string name = module.getName().cStr();
        if (name.empty()) {
          problems.add(where, "modules", "a module has no name");
        } else if (!names.insert(name).second) {
          problems.add(where, "modules", "module name " + quoted(name) + " is used more than once");
        }
      }
    }
    if (!worker.isInherit()) checkCompatibility(worker, where);  // (inherit is refused anyway)

    std::set<std::string> bindingNames;
    for (auto binding : worker.getBindings()) {
      std::string name = binding.getName().cStr();
      if (name.empty()) {
        problems.add(where, "bindings", "a binding has no name");
        continue;
      }
      Where bindingWhere = where;
      bindingWhere.push_back({"binding", name});
      if (!bindingNames.insert(name).second) {
        problems.add(bindingWhere, "", "binding name is used more than once");
      }
      if (binding.isUnspecified()) {
        problems.add(bindingWhere, "",
                     "binding does not say what it binds; set one of text, data, json, "
                     "wasmModule, fromEnvironment, service");
      } else if (binding.isDurableObjectNamespace()) {
        checkDurableObjectBinding(binding.getDurableObjectNamespace(), worker, bindingWhere);
      } else if (binding.isService()) {
        checkDesignator(binding.getService(), bindingWhere, "service");
      } else if (binding.isMemoryCache() && !options.allowExperimental) {
        problems.add(bindingWhere, "memoryCache",
                     "memoryCache bindings are an experimental feature (as in workerd); run with "
                     "--experimental to use them");
      } else if (binding.isKvNamespace()) {
        checkDesignator(binding.getKvNamespace(), bindingWhere, "kvNamespace");
      } else if (binding.isR2Bucket()) {
        // A disk service is Colony's local backend; any other gets workerd's R2 protocol.
        checkDesignator(binding.getR2Bucket(), bindingWhere, "r2Bucket");
      } else if (binding.isQueue()) {
        checkDesignator(binding.getQueue(), bindingWhere, "queue");
      } else if (binding.isWasmModule() && worker.isModules()) {
        problems.add(bindingWhere, "wasmModule",
                     "wasmModule bindings exist only in service-worker syntax; in a modules "
                     "worker add the .wasm file as a module (wasm = embed \"...\") and import it");
      }
    }
    checkDesignator(worker.getGlobalOutbound(), where, "globalOutbound");
    if (worker.hasCacheApiOutbound()) {
      checkDesignator(worker.getCacheApiOutbound(), where, "cacheApiOutbound");
    }
    for (auto trigger : worker.getCronTriggers()) {
      try {
        CronExpression::parse(trigger.cStr());
      } catch (std::invalid_argument& e) {
        problems.add(where, "cronTriggers", std::string("cronTriggers: ") + e.what());
      }
    }
    checkDurableObjectNamespaces(worker, where);
  }

  // durableObjectNamespaces: class names and unique keys, and storage for them.
  void checkDurableObjectNamespaces(Worker::Reader worker, const Where& where) {
    std::set<std::string> classes;
    bool needsStorage = false;
    for (auto ns : worker.getDurableObjectNamespaces()) {
      std::string className = ns.getClassName().cStr();
      if (className.empty()) {
        problems.add(where, "durableObjectNamespaces",
                     "a Durable Object namespace has no className");
        continue;
      }
      if (!classes.insert(className).second) {
        problems.add(where, "durableObjectNamespaces",
                     "Durable Object class " + quoted(className) + " is listed more than once");
      }
      if (ns.isUniqueKey()) {
        needsStorage = true;
        if (ns.getUniqueKey().size() == 0) {
          problems.add(where, "uniqueKey",
                       "Durable Object namespace " + quoted(className) + " has an empty uniqueKey");
        } else if (!durableObjectKeys.emplace(ns.getUniqueKey().cStr()).second) {
          problems.add(where, "uniqueKey",
                       "Durable Object namespace " + quoted(className) + ": uniqueKey " +
                           quoted(ns.getUniqueKey().cStr()) + " is used by another namespace");
        }
      } else if (!ns.isEphemeralLocal()) {
        problems.add(where, "durableObjectNamespaces",
                     "Durable Object namespace " + quoted(className) +
                         " needs uniqueKey = \"...\" or ephemeralLocal = void");
      }
    }
    auto storage = worker.getDurableObjectStorage();
    if (storage.isLocalDisk()) {
      std::string disk = storage.getLocalDisk().cStr();
      auto found = services.find(disk);
      if (found == services.end() || found->second.kind != Service::DISK) {
        problems.add(where, "localDisk",
                     "durableObjectStorage.localDisk names " + quoted(disk) +
                         ", which is not a disk service in services");
      } else {
        for (auto service : config.getServices()) {
          if (service.getName() == disk && !service.getDisk().getWritable()) {
            problems.add(where, "localDisk",
                         "durableObjectStorage.localDisk names disk service " + quoted(disk) +
                             ", which is not writable; set writable = true on it");
          }
        }
      }
    } else if (needsStorage && !storage.isInMemory()) {
      problems.add(where, "durableObjectNamespaces",
                   "worker has Durable Object namespaces with a uniqueKey but no "
                   "durableObjectStorage; set durableObjectStorage = (inMemory = void) or "
                   "(localDisk = \"DISK_SERVICE\")");
    }
  }

  // A durableObjectNamespace binding names a class listed in durableObjectNamespaces of this
  // worker or of the worker named by serviceName.
  void checkDurableObjectBinding(Worker::Binding::DurableObjectNamespaceDesignator::Reader designator,
                                 Worker::Reader self, const Where& where) {
    std::string className = designator.getClassName().cStr();
    std::string serviceName = designator.getServiceName().cStr();
    Worker::Reader owner = self;
    if (!serviceName.empty()) {
      bool found = false;
      for (auto service : config.getServices()) {
        if (service.getName() == serviceName.c_str() && service.isWorker()) {
          owner = service.getWorker();
          found = true;
        }
      }
      if (!found) {
        problems.add(where, "durableObjectNamespace",
                     "durableObjectNamespace names service " + quoted(serviceName) +
                         ", which is not a worker in services");
        return;
      }
    }
    for (auto ns : owner.getDurableObjectNamespaces()) {
      if (ns.getClassName() == className.c_str()) return;
    }
    problems.add(where, "durableObjectNamespace",
                 "durableObjectNamespace names class " + quoted(className) + ", which is not in " +
                     (serviceName.empty() ? std::string("this worker's")
                                          : "service " + quoted(serviceName) + "'s") +
                     " durableObjectNamespaces");
  }

  void checkCompatibility(Worker::Reader worker, const Where& where) {
    std::string date;
    if (!options.compatDateOverride.empty()) {
      if (worker.hasCompatibilityDate()) {
        problems.add(where, "compatibilityDate",
                     "worker sets compatibilityDate while --compat-date sets it for all "
                     "workers; remove one of them");
      }
      date = options.compatDateOverride;
      if (date == "0000-00-00" || date == "9999-12-31") {
        checkFlags(worker, date, where);
        return;
      }
    } else {
      date = worker.getCompatibilityDate().cStr();
      if (date.empty()) {
        problems.add(where, "",
                     "worker has no compatibilityDate; set compatibilityDate = \"" + today +
                         "\" (the date you last checked it against the Workers changelog)");
        return;
      }
    }
    if (!isWellFormedCompatDate(date)) {
      problems.add(where, "compatibilityDate",
                   "compatibilityDate " + quoted(date) + " is not a date of the form YYYY-MM-DD");
      return;
    }
    if (date > today) {
      problems.add(where, "compatibilityDate",
                   "compatibilityDate " + quoted(date) + " is in the future (today is " + today +
                       ", UTC)");
      return;
    }
    checkFlags(worker, date, where);
  }

  void checkFlags(Worker::Reader worker, const std::string& date, const Where& where) {
    std::vector<std::string> flags;
    for (auto flag : worker.getCompatibilityFlags()) flags.emplace_back(flag.cStr());
    std::vector<std::string> errors;
    resolveCompatFlags(date, flags, errors, options.allowExperimental);
    for (auto& error : errors) problems.add(where, "compatibilityFlags", error);
  }

  // Outbound TLS: a keypair is the client certificate (whose PEM the runtime checks at start).
  void checkOutboundTls(TlsOptions::Reader tls, const Where& where) {
    if (tls.hasKeypair() &&
        (!tls.getKeypair().hasPrivateKey() || !tls.getKeypair().hasCertificateChain())) {
      problems.add(where, "keypair",
                   "tlsOptions.keypair (a client certificate for outbound TLS) needs both "
                   "privateKey and certificateChain");
    }
    if (tls.getRequireClientCerts()) {
      problems.add(where, "requireClientCerts",
                   "tlsOptions.requireClientCerts only applies to https sockets");
    }
  }

  void checkExternal(ExternalServer::Reader external, const Where& where) {
    if (external.isHttps() && external.getHttps().hasTlsOptions()) {
      checkOutboundTls(external.getHttps().getTlsOptions(), where);
    }
    std::string address = external.getAddress().cStr();
    std::string serviceName = where.empty() ? "" : where.back().name;
    if (address.empty()) {
      problems.add(where, "external",
                   "external service has no address; set external.address or pass -e " +
                       serviceName + "=ADDRESS");
    } else if (auto why = checkSocketAddress(address); !why.empty() || address[0] == '*') {
      problems.add(where, "address",
                   "external address " + quoted(address) + " is not valid: " +
                       (why.empty() ? "\"*\" cannot be connected to" : why));
    }
  }

  void checkNetwork(Network::Reader network, const Where& where) {
    static const std::set<std::string_view> kClasses = {"public", "private", "local",
                                                        "network", "unix", "unix-abstract"};
    if (network.hasTlsOptions()) checkOutboundTls(network.getTlsOptions(), where);
    for (auto list : {std::make_pair("allow", network.getAllow()),
                      std::make_pair("deny", network.getDeny())}) {
      for (auto entry : list.second) {
        std::string_view text = entry.cStr();
        if (kClasses.count(text) == 0 && !isCidrOrAddress(text)) {
          problems.add(where, list.first,
                       std::string("network.") + list.first + " entry " + quoted(text) +
                           " is neither an address class (public, private, local, network, unix, "
                           "unix-abstract) nor an IP address or CIDR range");
        }
      }
    }
  }

  Config::Reader config;
  const ValidationOptions& options;
  Problems& problems;
  std::string today;
  std::map<std::string, ServiceInfo> services;
  std::set<std::string> durableObjectKeys;  // uniqueKeys of every worker's namespaces
};

}  // namespace

std::string checkSocketAddress(std::string_view address) {
  if (address.starts_with("unix:")) {
    return address.size() > 5 ? "" : "unix: needs a path after it";
  }
  if (address.starts_with("unix-abstract:")) {
    return address.size() > 14 ? "" : "unix-abstract: needs a name after it";
  }
  std::string_view host, port;
  if (address.starts_with("[")) {
    auto close = address.find(']');
    if (close == std::string_view::npos) return "missing ']' after the IPv6 address";
    host = address.substr(1, close - 1);
    std::string_view rest = address.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return "expected ':PORT' after ']'";
      port = rest.substr(1);
      if (!isValidPort(port)) return "port must be a number from 0 to 65535";
    }
    return isIpv6(host) ? "" : "\"" + std::string(host) + "\" is not an IPv6 address";
  }
  if (std::count(address.begin(), address.end(), ':') > 1) {
    return isIpv6(address) ? ""
                           : "not an IPv6 address (write [ADDRESS]:PORT to give a port)";
  }
  auto colon = address.find(':');
  host = address.substr(0, colon);
  if (colon != std::string_view::npos) {
    port = address.substr(colon + 1);
    if (!isValidPort(port)) return "port must be a number from 0 to 65535";
  }
  if (host.empty()) return "missing host before the port (use *:PORT for every interface)";
  if (host == "*" || isIpv4(host) || isHostName(host)) return "";
  return "\"" + std::string(host) + "\" is not a host name or IP address";
}

std::vector<ConfigProblem> validateConfig(Config::Reader config, const ValidationOptions& options,
                                          const std::vector<ConfigSourceFile>& sources,
                                          const std::string& fallbackFile) {
  SourceLocator locator(sources);
  Problems problems(locator, fallbackFile);
  Where where;
  refuseUnimplemented(capnp::DynamicStruct::Reader(config), where, "", problems);
  MeaningChecks(config, options, problems).run();
  return problems.take();
}

}  // namespace colony::config
