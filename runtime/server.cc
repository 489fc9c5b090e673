#include "runtime/server.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <string.h>
#include <unistd.h>

#include <kj/debug.h>

#include "ipc/control_fd.h"
#include "runtime/api/websocket.h"
#include "runtime/durable_objects/object_host.h"
#include "runtime/http/listen_socket.h"
#include "runtime/http/tls_server.h"
#include "runtime/queue_consumer.h"
#include "runtime/services/disk_service.h"
#include "runtime/services/http_client_service.h"
#include "runtime/services/worker_service.h"

namespace colony {

namespace {

using WorkerConfig = config::Worker;

kj::ArrayPtr<const kj::byte> bytesOf(capnp::Text::Reader text) {
  return kj::arrayPtr(reinterpret_cast<const kj::byte*>(text.begin()), text.size());
}

std::string s(capnp::Text::Reader text) { return std::string(text.begin(), text.size()); }

// A service's tlsOptions as options for outbound TLS.
TlsClientOptions tlsClientOptions(kj::StringPtr service, config::TlsOptions::Reader tls) {
  TlsClientOptions out;
  for (auto cert : tls.getTrustedCertificates()) out.trustedCertificates.push_back(s(cert));
  switch (tls.getMinVersion()) {
    case config::TlsOptions::Version::GOOD_DEFAULT: break;
    case config::TlsOptions::Version::SSL3: out.minVersion = kj::TlsVersion::SSL_3; break;
    case config::TlsOptions::Version::TLS1_DOT0: out.minVersion = kj::TlsVersion::TLS_1_0; break;
    case config::TlsOptions::Version::TLS1_DOT1: out.minVersion = kj::TlsVersion::TLS_1_1; break;
    case config::TlsOptions::Version::TLS1_DOT2: out.minVersion = kj::TlsVersion::TLS_1_2; break;
    default:
      KJ_FAIL_REQUIRE(kj::str("service \"", service,
                              "\": tlsOptions.minVersion tls1Dot3 is not supported yet; use tls1Dot2"));
  }
  if (tls.hasCipherList()) out.cipherList = s(tls.getCipherList());
  if (tls.hasKeypair()) {
    out.privateKey = s(tls.getKeypair().getPrivateKey());
    out.certificateChain = s(tls.getKeypair().getCertificateChain());
  }
  return out;
}

// Durable Object namespaces and their storage (runtime/durable_objects); for localDisk,
// durableObjectDirectory holds the disk service's name until Server::start resolves its path.
void addDurableObjectConfig(WorkerSource& source, WorkerConfig::Reader worker) {
  for (auto ns : worker.getDurableObjectNamespaces()) {
    WorkerSource::DurableObjectNamespace n;
    n.className = s(ns.getClassName());
    n.ephemeralLocal = ns.isEphemeralLocal();
    if (ns.isUniqueKey()) n.uniqueKey = s(ns.getUniqueKey());
    n.enableSql = ns.getEnableSql();
    n.preventEviction = ns.getPreventEviction();
    source.durableObjectNamespaces.push_back(std::move(n));
  }
  source.durableObjectUniqueKeyModifier = s(worker.getDurableObjectUniqueKeyModifier());
  auto storage = worker.getDurableObjectStorage();
  if (storage.isInMemory()) {
    source.durableObjectStorage = WorkerSource::DurableObjectStorage::IN_MEMORY;
  } else if (storage.isLocalDisk()) {
    source.durableObjectStorage = WorkerSource::DurableObjectStorage::LOCAL_DISK;
    source.durableObjectDirectory = s(storage.getLocalDisk());
  }
}

// An https socket's tlsOptions as a server TLS context; errors name the socket and the field.
std::shared_ptr<http::TlsServerContext> tlsServerContext(const std::string& socket,
                                                         config::TlsOptions::Reader tls) {
  http::TlsServerSettings settings;
  if (tls.hasKeypair()) {
    settings.privateKeyPem = s(tls.getKeypair().getPrivateKey());
    settings.certificateChainPem = s(tls.getKeypair().getCertificateChain());
  }
  settings.requireClientCerts = tls.getRequireClientCerts();
  settings.trustBrowserCas = tls.getTrustBrowserCas();
  for (auto cert : tls.getTrustedCertificates()) settings.trustedCertificates.push_back(s(cert));
  switch (tls.getMinVersion()) {
    case config::TlsOptions::Version::GOOD_DEFAULT: break;
    case config::TlsOptions::Version::SSL3: settings.minVersion = SSL3_VERSION; break;
    case config::TlsOptions::Version::TLS1_DOT0: settings.minVersion = TLS1_VERSION; break;
    case config::TlsOptions::Version::TLS1_DOT1: settings.minVersion = TLS1_1_VERSION; break;
    case config::TlsOptions::Version::TLS1_DOT2: settings.minVersion = TLS1_2_VERSION; break;
    case config::TlsOptions::Version::TLS1_DOT3: settings.minVersion = TLS1_3_VERSION; break;
  }
  if (tls.hasCipherList()) settings.cipherList = s(tls.getCipherList());
  try {
    return std::make_shared<http::TlsServerContext>(settings);
  } catch (http::TlsSettingsError& e) {
    throw std::runtime_error("socket \"" + socket + "\": " + e.what());
  }
}

WorkerSource workerSource(kj::StringPtr name, WorkerConfig::Reader worker,
                          const std::string& compatDateOverride) {
  WorkerSource source;
  source.serviceName = name.cStr();
  switch (worker.which()) {
    case WorkerConfig::MODULES:
      source.syntax = WorkerSource::Syntax::MODULES;
      for (auto module : worker.getModules()) {
        WorkerSource::Module m{s(module.getName()), WorkerSource::ModuleType::ES, {}};
        switch (module.which()) {
          case WorkerConfig::Module::ES_MODULE:
            m.type = WorkerSource::ModuleType::ES;
            m.content = bytesOf(module.getEsModule());
            break;
          case WorkerConfig::Module::COMMON_JS_MODULE:
            m.type = WorkerSource::ModuleType::COMMON_JS;
            m.content = bytesOf(module.getCommonJsModule());
            break;
          case WorkerConfig::Module::TEXT:
            m.type = WorkerSource::ModuleType::TEXT;
            m.content = bytesOf(module.getText());
            break;
          case WorkerConfig::Module::DATA:
            m.type = WorkerSource::ModuleType::DATA;
            m.content = module.getData();
            break;
          case WorkerConfig::Module::WASM:
            m.type = WorkerSource::ModuleType::WASM;
            m.content = module.getWasm();
            break;
          case WorkerConfig::Module::JSON:
            m.type = WorkerSource::ModuleType::JSON;
            m.content = bytesOf(module.getJson());
            break;
          default:
            // The config validator refuses the other module types before we get here.
            KJ_FAIL_REQUIRE("unsupported module type", module.getName());
        }
        source.modules.push_back(std::move(m));
      }
      break;
    case WorkerConfig::SERVICE_WORKER_SCRIPT:
      source.syntax = WorkerSource::Syntax::SERVICE_WORKER;
      source.serviceWorkerScript = s(worker.getServiceWorkerScript());
      break;
    default:
      KJ_FAIL_REQUIRE("unsupported worker code kind", name);
  }
  for (auto binding : worker.getBindings()) {
    WorkerSource::Binding b{s(binding.getName()), WorkerSource::BindingType::TEXT, {}, {}, {}};
    switch (binding.which()) {
      case WorkerConfig::Binding::TEXT:
        b.content = bytesOf(binding.getText());
        break;
      case WorkerConfig::Binding::DATA:
        b.type = WorkerSource::BindingType::DATA;
        b.content = binding.getData();
        break;
      case WorkerConfig::Binding::JSON:
        b.type = WorkerSource::BindingType::JSON;
        b.content = bytesOf(binding.getJson());
        break;
      case WorkerConfig::Binding::WASM_MODULE:
        b.type = WorkerSource::BindingType::WASM_MODULE;
        b.content = binding.getWasmModule();
        break;
      case WorkerConfig::Binding::FROM_ENVIRONMENT:
        b.type = WorkerSource::BindingType::FROM_ENVIRONMENT;
        b.content = bytesOf(binding.getFromEnvironment());
        break;
      case WorkerConfig::Binding::SERVICE:
        b.type = WorkerSource::BindingType::SERVICE;
        b.serviceName = s(binding.getService().getName());
        b.entrypoint = s(binding.getService().getEntrypoint());
        break;
      case WorkerConfig::Binding::DURABLE_OBJECT_NAMESPACE:
        b.type = WorkerSource::BindingType::DURABLE_OBJECT_NAMESPACE;
        b.className = s(binding.getDurableObjectNamespace().getClassName());
        b.serviceName = s(binding.getDurableObjectNamespace().getServiceName());
        break;
      case WorkerConfig::Binding::CRYPTO_KEY: {
        auto key = binding.getCryptoKey();
        b.type = WorkerSource::BindingType::CRYPTO_KEY;
        switch (key.which()) {
          case WorkerConfig::Binding::CryptoKey::RAW: b.keyFormat = "raw"; b.content = key.getRaw(); break;
          case WorkerConfig::Binding::CryptoKey::HEX: b.keyFormat = "hex"; b.content = bytesOf(key.getHex()); break;
          case WorkerConfig::Binding::CryptoKey::BASE64: b.keyFormat = "base64"; b.content = bytesOf(key.getBase64()); break;
          case WorkerConfig::Binding::CryptoKey::PKCS8: b.keyFormat = "pkcs8"; b.content = bytesOf(key.getPkcs8()); break;
          case WorkerConfig::Binding::CryptoKey::SPKI: b.keyFormat = "spki"; b.content = bytesOf(key.getSpki()); break;
          case WorkerConfig::Binding::CryptoKey::JWK: b.keyFormat = "jwk"; b.content = bytesOf(key.getJwk()); break;
        }
        auto algorithm = key.getAlgorithm();
        b.keyAlgorithmIsJson = algorithm.isJson();
        b.keyAlgorithm = s(b.keyAlgorithmIsJson ? algorithm.getJson() : algorithm.getName());
        b.keyExtractable = key.getExtractable();
        static const char* const kUsages[] = {"encrypt", "decrypt", "sign", "verify",
                                              "deriveKey", "deriveBits", "wrapKey", "unwrapKey"};
        for (auto usage : key.getUsages()) {
          auto index = static_cast<size_t>(usage);
          KJ_REQUIRE(index < 8, "unknown CryptoKey usage", binding.getName());
          b.keyUsages.push_back(kUsages[index]);
        }
        break;
      }
      // Storage bindings (runtime/api/storage_bindings.cc).
      case WorkerConfig::Binding::KV_NAMESPACE:
        b.type = WorkerSource::BindingType::KV_NAMESPACE;
        b.serviceName = s(binding.getKvNamespace().getName());
        b.entrypoint = s(binding.getKvNamespace().getEntrypoint());
        break;
      case WorkerConfig::Binding::R2_BUCKET:
        b.type = WorkerSource::BindingType::R2_BUCKET;
        b.serviceName = s(binding.getR2Bucket().getName());
        b.entrypoint = s(binding.getR2Bucket().getEntrypoint());
        break;
      case WorkerConfig::Binding::QUEUE:
        b.type = WorkerSource::BindingType::QUEUE;
        b.serviceName = s(binding.getQueue().getName());
        b.entrypoint = s(binding.getQueue().getEntrypoint());
        break;
      case WorkerConfig::Binding::MEMORY_CACHE: {
        auto cache = binding.getMemoryCache();
        b.type = WorkerSource::BindingType::MEMORY_CACHE;
        b.memoryCacheId = s(cache.getId());
        b.memoryCacheMaxKeys = cache.getLimits().getMaxKeys();
        b.memoryCacheMaxValueSize = cache.getLimits().getMaxValueSize();
        b.memoryCacheMaxTotalValueSize = cache.getLimits().getMaxTotalValueSize();
        break;
      }
      default:
        KJ_FAIL_REQUIRE("unsupported binding type", binding.getName());
    }
    source.bindings.push_back(std::move(b));
  }
  source.compatibilityDate =
      compatDateOverride.empty() ? s(worker.getCompatibilityDate()) : compatDateOverride;
  for (auto flag : worker.getCompatibilityFlags()) source.compatibilityFlags.push_back(s(flag));
  source.globalOutbound = s(worker.getGlobalOutbound().getName());
  source.globalOutboundEntrypoint = s(worker.getGlobalOutbound().getEntrypoint());
  if (worker.hasCacheApiOutbound()) {
    source.cacheApiOutbound = s(worker.getCacheApiOutbound().getName());
    source.cacheApiOutboundEntrypoint = s(worker.getCacheApiOutbound().getEntrypoint());
  }
  addDurableObjectConfig(source, worker);
  return source;
}

http::ServerOptions httpOptions(config::HttpOptions::Reader options) {
  http::ServerOptions out;
  out.proxyStyle = options.getStyle() == config::HttpOptions::Style::PROXY;
  if (options.hasForwardedProtoHeader()) out.forwardedProtoHeader = s(options.getForwardedProtoHeader());
  for (auto h : options.getInjectRequestHeaders()) {
    out.injectRequestHeaders.emplace_back(s(h.getName()), s(h.getValue()));
  }
  for (auto h : options.getInjectResponseHeaders()) {
    out.injectResponseHeaders.emplace_back(s(h.getName()), s(h.getValue()));
  }
  return out;
}

}  // namespace

Server::Server(config::Config::Reader config, UvAsyncIo& io, ServerOptions options)
    : config_(config),
      io_(io),
      options_(std::move(options)),
      headerTable_(kj::heap<kj::HttpHeaderTable>()),
      host_{io.port(), *headerTable_, [this](const std::string& name) -> Service& {
              return findService(name);
            }} {}

Server::~Server() noexcept(false) {
  queueConsumers_.reset();
  httpServers_.clear();
  tcpServers_.clear();
  for (int fd : listenFds_) ::close(fd);
  listenFds_.clear();
  services_.clear();
}

Service& Server::findService(const std::string& name) {
  auto it = servicesByName_.find(name);
  if (it == servicesByName_.end()) {
    KJ_FAIL_REQUIRE(kj::str("no service named \"", name.c_str(), "\" in the config"));
  }
  return *it->second;
}

std::string Server::diskServicePath(const std::string& serviceName) {
  for (auto service : config_.getServices()) {
    if (s(service.getName()) == serviceName && service.isDisk()) return s(service.getDisk().getPath());
  }
  // The config validator refuses a localDisk that names no disk service.
  KJ_FAIL_REQUIRE(kj::str("durableObjectStorage.localDisk: no disk service named \"",
                          serviceName.c_str(), "\""));
}

void Server::start() {
  for (auto service : config_.getServices()) {
    auto name = service.getName();
    std::unique_ptr<Service> built;
    switch (service.which()) {
      case config::Service::WORKER: {
        auto source = workerSource(name, service.getWorker(), options_.compatDateOverride);
        if (source.durableObjectStorage == WorkerSource::DurableObjectStorage::LOCAL_DISK) {
          source.durableObjectDirectory = diskServicePath(source.durableObjectDirectory);
        }
        built = std::make_unique<WorkerService>(host_, std::move(source));
        break;
      }
      case config::Service::NETWORK: {
        auto network = service.getNetwork();
        std::vector<std::string> allow, deny;
        for (auto a : network.getAllow()) allow.push_back(s(a));
        for (auto d : network.getDeny()) deny.push_back(s(d));
        TlsClientOptions tls;
        if (network.hasTlsOptions()) tls = tlsClientOptions(name, network.getTlsOptions());
        built = std::make_unique<NetworkHttpService>(name, std::move(allow), std::move(deny), io_,
                                                     *headerTable_, tls);
        break;
      }
      case config::Service::EXTERNAL: {
        auto external = service.getExternal();
        std::optional<ExternalTls> tls;
        if (external.isHttps()) {
          auto https = external.getHttps();
          tls.emplace();
          if (https.hasTlsOptions()) tls->options = tlsClientOptions(name, https.getTlsOptions());
          if (https.hasCertificateHost()) tls->certificateHost = s(https.getCertificateHost());
        }
        built = std::make_unique<ExternalHttpService>(name, external.getAddress(), io_,
                                                      *headerTable_, std::move(tls));
        break;
      }
      case config::Service::DISK: {
        auto disk = service.getDisk();
        built = std::make_unique<DiskService>(name, disk.getPath(), disk.getWritable(),
                                              disk.getAllowDotfiles(), *headerTable_);
        break;
      }
      default:
        KJ_FAIL_REQUIRE(kj::str("service \"", name, "\" has no supported kind"));
    }
    servicesByName_[s(name)] = built.get();
    services_.push_back(std::move(built));
  }
  // Workers reach the Internet through "internet" unless told otherwise; a config that does not
  // define it gets a network service limited to public addresses.
  if (servicesByName_.find("internet") == servicesByName_.end()) {
    auto internet = std::make_unique<NetworkHttpService>("internet", std::vector<std::string>{"public"},
                                                         std::vector<std::string>{}, io_,
                                                         *headerTable_);
    servicesByName_["internet"] = internet.get();
    services_.push_back(std::move(internet));
  }

  std::string failures;
  for (auto& service : services_) {
    auto* ws = dynamic_cast<WorkerService*>(service.get());
    if (ws == nullptr) continue;
    try {
      ws->worker().start();
    } catch (WorkerStartError& e) {
      if (!failures.empty()) failures += "\n";
      failures += e.what();
    }
  }
  // Service bindings name their target's entrypoint; now that every worker's exports are known,
  // check that each exists.
  for (auto* worker : workers()) {
    for (auto& binding : worker->source().bindings) {
      if (binding.type != WorkerSource::BindingType::SERVICE) continue;
      KJ_IF_MAYBE(e, kj::runCatchingExceptions([&] {
                    findService(binding.serviceName).entrypoint(binding.entrypoint.c_str());
                  })) {
        if (!failures.empty()) failures += "\n";
        failures += "service \"" + worker->serviceName() + "\": binding \"" + binding.name +
                    "\": " + e->getDescription().cStr();
      }
    }
  }
  // Each Durable Object namespace's class must be one of its worker's exports.
  for (auto* worker : workers()) {
    if (worker->source().durableObjectNamespaces.empty()) continue;
    auto problems = worker->durableObjects().checkExports();
    if (problems.empty()) continue;
    if (!failures.empty()) failures += "\n";
    failures += problems;
  }
  if (!failures.empty()) throw WorkerStartError(failures);
  queueConsumers_ = std::make_unique<QueueConsumers>(*this, io_.timer(), io_.uvLoop());
}

void Server::consumeQueues() {
  if (queueConsumers_) queueConsumers_->start();
}

std::vector<Worker*> Server::workers() {
  std::vector<Worker*> out;
  for (auto& service : services_) {
    if (auto* ws = dynamic_cast<WorkerService*>(service.get())) out.push_back(&ws->worker());
  }
  return out;
}

void Server::listen() {
  for (auto socket : config_.getSockets()) {
    auto name = s(socket.getName());
    auto designator = socket.getService();
    auto serviceName = s(designator.getName());
    kj::HttpService* service = nullptr;
    KJ_IF_MAYBE(e, kj::runCatchingExceptions([&] {
                  service = &findService(serviceName).entrypoint(designator.getEntrypoint());
                })) {
      throw std::runtime_error("socket \"" + name + "\": " + e->getDescription().cStr());
    }
    http::ServerOptions options;
    std::shared_ptr<http::TlsServerContext> tcpTls;
    bool rawTcp = false;
    switch (socket.which()) {
      case config::Socket::HTTP:
        options = httpOptions(socket.getHttp());
        break;
      case config::Socket::HTTPS: {
        auto https = socket.getHttps();
        options = httpOptions(https.getOptions());
        options.scheme = "https";
        options.tls = tlsServerContext(name, https.getTlsOptions());
        break;
      }
      case config::Socket::TCP:
        rawTcp = true;
        if (socket.getTcp().hasTlsOptions()) {
          tcpTls = tlsServerContext(name, socket.getTcp().getTlsOptions());
        }
        break;
      default:
        throw std::runtime_error("socket \"" + name + "\": only http sockets are supported yet");
    }
    int fd;
    auto fdIt = options_.socketFds.find(name);
    if (fdIt != options_.socketFds.end()) {
      fd = fdIt->second;
    } else {
      fd = http::openNamedListenSocket(name, s(socket.getAddress()));
    }
    if (rawTcp) {
      listenTcp(name, serviceName, s(designator.getEntrypoint()), fd, tcpTls);
      continue;
    }
    auto server = std::make_unique<http::HttpServer>(io_.port(), *headerTable_, *service,
                                                     std::move(options));
    int acceptFd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (acceptFd < 0) {
      throw std::runtime_error("socket \"" + name + "\": cannot duplicate its descriptor " +
                               std::to_string(fd) + ": " + strerror(errno));
    }
    listenFds_.push_back(fd);
    server->listen(acceptFd);
    if (acceptHook_) server->setAcceptHook(acceptHook_);
    reportListening(name, fd);
    httpServers_.push_back(std::move(server));
  }
  accepting_ = true;
}

void Server::listenTcp(const std::string& name, const std::string& serviceName,
                       const std::string& entrypoint, int fd,
                       std::shared_ptr<http::TlsServerContext> tls) {
  auto* worker = dynamic_cast<WorkerService*>(&findService(serviceName));
  if (worker == nullptr) {
    ::close(fd);
    throw std::runtime_error("socket \"" + name + "\": a tcp socket's connections go to a " +
                             "worker's connect() handler, and service \"" + serviceName +
                             "\" is not a worker");
  }
  reportListening(name, fd);
  // The server owns the descriptor from here on.
  tcpServers_.push_back(
      std::make_unique<TcpSocketServer>(io_, worker->worker(), entrypoint, name, fd, tls));
}

void Server::setAccepting(bool accepting) {
  if (accepting == accepting_ || (accepting && draining_)) return;
  if (!accepting) {
    for (auto& server : httpServers_) server->stopAccepting();
    accepting_ = false;
    return;
  }
  for (size_t i = 0; i < httpServers_.size(); ++i) {
    int acceptFd = fcntl(listenFds_[i], F_DUPFD_CLOEXEC, 3);
    if (acceptFd < 0) {
      spdlog::error("cannot resume accepting: duplicating listening descriptor {} failed: {}",
                    listenFds_[i], strerror(errno));
      continue;
    }
    try {
      httpServers_[i]->listen(acceptFd);
    } catch (std::exception& e) {
      spdlog::error("cannot resume accepting: {}", e.what());
    }
  }
  accepting_ = true;
}

void Server::setAcceptHook(std::function<void()> hook) {
  acceptHook_ = std::move(hook);
  for (auto& server : httpServers_) server->setAcceptHook(acceptHook_);
}

http::ServerStats Server::stats() const {
  http::ServerStats total;
  for (auto& server : httpServers_) {
    auto s = server->stats();
    total.connections += s.connections;
    total.inFlight += s.inFlight;
    total.requestsServed += s.requestsServed;
  }
  return total;
}

void Server::reportListening(const std::string& socketName, int fd) {
  uint16_t port = 0;
  try {
    port = http::boundPort(fd);
  } catch (std::exception&) {
    // Unix sockets have no port.
  }
  auto level = options_.logListening ? spdlog::level::info : spdlog::level::debug;
  if (port != 0) {
    spdlog::log(level, "socket \"{}\" listening on port {}", socketName, port);
  } else {
    spdlog::log(level, "socket \"{}\" listening", socketName);
  }
  if (options_.controlFd) writeListenEvent(*options_.controlFd, socketName, port);
}

kj::Promise<void> Server::drain() {
  draining_ = true;
  accepting_ = false;
  auto promises = kj::heapArrayBuilder<kj::Promise<void>>(
      httpServers_.size() + tcpServers_.size() + services_.size());
  for (auto& server : httpServers_) promises.add(server->drain());
  for (auto& server : tcpServers_) promises.add(server->drain());
  for (auto* worker : workers()) api::closeWebSocketsGoingAway(*worker);
  for (auto* worker : workers()) promises.add(worker->whenWaitUntilDone());
  auto done = kj::joinPromises(promises.finish());
  if (!queueConsumers_) return done;
  return queueConsumers_->drain().then([done = kj::mv(done)]() mutable { return kj::mv(done); });
}

}  // namespace colony
