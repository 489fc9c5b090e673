#include "runtime/services/http_client_service.h"

#include <openssl/rand.h>
#include <string.h>

#include <kj/compat/url.h>
#include <kj/debug.h>

namespace colony {

namespace {

void requireDefaultEntrypoint(kj::StringPtr service, kj::StringPtr entrypoint) {
  KJ_REQUIRE(entrypoint.size() == 0, kj::str("service \"", service,
                                              "\" has no named entrypoints; asked for \"",
                                              entrypoint, "\""));
}

// Masks for the frames of WebSocket upgrades made through these clients (RFC 6455 wants them
// unpredictable).
class RandomBytes final : public kj::EntropySource {
 public:
  void generate(kj::ArrayPtr<kj::byte> buffer) override {
    KJ_ASSERT(RAND_bytes(buffer.begin(), static_cast<int>(buffer.size())) == 1);
  }
};

kj::HttpClientSettings clientSettings() {
  static RandomBytes random;
  kj::HttpClientSettings settings;
  settings.entropySource = random;
  return settings;
}

}  // namespace

// --- external --------------------------------------------------------------------------------

namespace {

// "host:port", "[v6]:port" or "host" -> host
kj::String hostOf(kj::StringPtr address) {
  if (address.startsWith("[")) {
    KJ_IF_MAYBE(end, address.findFirst(']')) { return kj::str(address.slice(1, *end)); }
  }
  KJ_IF_MAYBE(colon, address.findLast(':')) {
    if (address.findFirst(':') == *colon) return kj::str(address.slice(0, *colon));
  }
  return kj::str(address);
}

}  // namespace

ExternalHttpService::ExternalHttpService(kj::StringPtr name, kj::StringPtr address, UvAsyncIo& io,
                                         kj::HttpHeaderTable& table, std::optional<ExternalTls> tls)
    : name_(kj::str(name)), address_(kj::str(address)), io_(io), table_(table) {
  if (tls) {
    tls_ = kj::heap<TlsClientContext>(kj::str("external service \"", name, "\""), tls->options);
    certificateHost_ = tls->certificateHost.empty() ? hostOf(address_)
                                                    : kj::str(tls->certificateHost.c_str());
  }
}

kj::HttpService& ExternalHttpService::entrypoint(kj::StringPtr entrypointName) {
  requireDefaultEntrypoint(name_, entrypointName);
  return *this;
}

kj::Promise<kj::HttpClient*> ExternalHttpService::client() {
  if (client_.get() != nullptr) return client_.get();
  if (resolving_ == nullptr) {
    resolving_ = io_.network()
                     .parseAddress(address_, tls_.get() != nullptr ? 443 : 80)
                     .then([this](kj::Own<kj::NetworkAddress> addr) {
                       if (tls_.get() != nullptr) addr = newTlsAddress(tls_->get(), kj::mv(addr), certificateHost_);
                       resolved_ = kj::mv(addr);
                       client_ = kj::newHttpClient(io_.timer(), table_, *resolved_, clientSettings());
                     })
                     .eagerlyEvaluate([this](kj::Exception&& e) -> kj::Promise<void> {
                       resolving_ = nullptr;
                       return kj::Exception(e.getType(), __FILE__, __LINE__,
                                            kj::str("external service \"", name_, "\" (",
                                                    address_, "): ", e.getDescription()));
                     })
                     .fork();
  }
  KJ_IF_MAYBE(r, resolving_) {
    return r->addBranch().then([this]() { return client_.get(); });
  }
  KJ_UNREACHABLE;
}

kj::Promise<void> ExternalHttpService::request(kj::HttpMethod method, kj::StringPtr url,
                                               const kj::HttpHeaders& headers,
                                               kj::AsyncInputStream& requestBody,
                                               Response& response) {
  // The peer sees an ordinary request: the URL's path and query on the request line, its host in
  // the Host header.
  auto parsed = kj::Url::parse(url, kj::Url::HTTP_PROXY_REQUEST);
  auto path = parsed.toString(kj::Url::HTTP_REQUEST);
  auto outHeaders = kj::heap(headers.clone());
  outHeaders->set(kj::HttpHeaderId::HOST, kj::str(parsed.host));
  return client().then([method, path = kj::mv(path), outHeaders = kj::mv(outHeaders), &requestBody,
                        &response](kj::HttpClient* client) mutable {
    auto service = kj::newHttpService(*client);
    auto promise = service->request(method, path, *outHeaders, requestBody, response);
    return promise.attach(kj::mv(service), kj::mv(path), kj::mv(outHeaders));
  });
}

// --- network ---------------------------------------------------------------------------------

NetworkHttpService::NetworkHttpService(kj::StringPtr name, std::vector<std::string> allow,
                                       std::vector<std::string> deny, UvAsyncIo& io,
                                       kj::HttpHeaderTable& table, const TlsClientOptions& tls)
    : name_(kj::str(name)) {
  auto list = [](const std::vector<std::string>& items) {
    std::string out = "[";
    for (auto& item : items) out += (out.size() > 1 ? ", \"" : "\"") + item + "\"";
    return out + "]";
  };
  rules_ = kj::str("allow = ", list(allow).c_str(), ", deny = ", list(deny).c_str());
  auto allowPtrs = KJ_MAP(a, allow) { return kj::StringPtr(a.c_str()); };
  auto denyPtrs = KJ_MAP(d, deny) { return kj::StringPtr(d.c_str()); };
  network_ = io.network().restrictPeers(allowPtrs, denyPtrs);
  tls_ = kj::heap<TlsClientContext>(kj::str("network service \"", name, "\""), tls);
  tlsNetwork_ = newTlsNetwork(*tls_, *network_);
  client_ = kj::newHttpClient(io.timer(), table, *network_, *tlsNetwork_, clientSettings());
  service_ = kj::newHttpService(*client_);
}

kj::HttpService& NetworkHttpService::entrypoint(kj::StringPtr entrypointName) {
  requireDefaultEntrypoint(name_, entrypointName);
  return *this;
}

kj::Promise<void> NetworkHttpService::request(kj::HttpMethod method, kj::StringPtr url,
                                              const kj::HttpHeaders& headers,
                                              kj::AsyncInputStream& requestBody,
                                              Response& response) {
  KJ_IF_MAYBE(parsed, kj::Url::tryParse(url, kj::Url::HTTP_PROXY_REQUEST)) {
    if (parsed->scheme != "http" && parsed->scheme != "https") {
      return KJ_EXCEPTION(FAILED, kj::str("network service \"", name_, "\" cannot reach ", url,
                                          ": only http:// and https:// URLs are supported"));
    }
    bool secure = parsed->scheme == "https";
    auto host = kj::str(parsed->host);
    return service_->request(method, url, headers, requestBody, response)
        .catch_([this, secure, host = kj::mv(host)](kj::Exception&& e) -> kj::Promise<void> {
          if (strstr(e.getDescription().cStr(), "restrictPeers") != nullptr) {
            return KJ_EXCEPTION(FAILED, refusal(host));
          }
          if (secure) return describeTlsFailure(host, kj::mv(e));
          return kj::mv(e);
        });
  } else {
    return KJ_EXCEPTION(FAILED, kj::str("network service \"", name_, "\": not a valid URL: ", url));
  }
}

kj::String NetworkHttpService::refusal(kj::StringPtr host) const {
  return kj::str("network service \"", name_, "\" does not allow connecting to ", host, " (", rules_,
                 ")");
}

}  // namespace colony
