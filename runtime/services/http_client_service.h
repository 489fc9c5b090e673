// `external` and `network` services: outbound HTTP with kj-http clients on the runtime's loop.
//  - external: every request goes to one fixed address (the config's `address`), with the request's
//    Host header and path, as a reverse proxy would.
//  - network: each request goes to the host its URL names, if the network's allow/deny lists
//    permit that address (`public`, `private`, `local`, `network`, `unix`, CIDRs; deny wins).
// Both speak TLS where asked: an external service configured `https`, a network service for
// https:// URLs (verified against the system trust store plus the service's trusted certificates).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <kj/compat/http.h>

#include "ipc/uv_async_io.h"
#include "runtime/service.h"
#include "runtime/services/tls_client.h"

namespace colony {

// TLS settings of an `https` external service.
struct ExternalTls {
  TlsClientOptions options;
  // Name the certificate must carry; the address's host when empty.
  std::string certificateHost;
};

class ExternalHttpService final : public Service, private kj::HttpService {
 public:
  ExternalHttpService(kj::StringPtr name, kj::StringPtr address, UvAsyncIo& io,
                      kj::HttpHeaderTable& table, std::optional<ExternalTls> tls = std::nullopt);
  kj::StringPtr name() const override { return name_; }
  kj::HttpService& entrypoint(kj::StringPtr entrypointName) override;

 private:
  kj::Promise<void> request(kj::HttpMethod method, kj::StringPtr url, const kj::HttpHeaders& headers,
                            kj::AsyncInputStream& requestBody, Response& response) override;
  kj::Promise<kj::HttpClient*> client();

  kj::String name_;
  kj::String address_;
  UvAsyncIo& io_;
  kj::HttpHeaderTable& table_;
  kj::Own<TlsClientContext> tls_;  // null for plain HTTP
  kj::String certificateHost_;
  kj::Own<kj::NetworkAddress> resolved_;
  kj::Own<kj::HttpClient> client_;
  kj::Maybe<kj::ForkedPromise<void>> resolving_;
};

class NetworkHttpService final : public Service, private kj::HttpService {
 public:
  NetworkHttpService(kj::StringPtr name, std::vector<std::string> allow,
                     std::vector<std::string> deny, UvAsyncIo& io, kj::HttpHeaderTable& table,
                     const TlsClientOptions& tls = {});
  // The restricted network, for raw connections (connect() sockets) through this service.
  kj::Network& network() { return *network_; }
  TlsClientContext& tls() { return *tls_; }
  // The refusal message for a host these lists do not allow.
  kj::String refusal(kj::StringPtr host) const;
  kj::StringPtr name() const override { return name_; }
  kj::HttpService& entrypoint(kj::StringPtr entrypointName) override;

 private:
  // Forwards to the kj-http client; refusals by the allow/deny lists are reported naming the
  // service, the address and the lists.
  kj::Promise<void> request(kj::HttpMethod method, kj::StringPtr url, const kj::HttpHeaders& headers,
                            kj::AsyncInputStream& requestBody, Response& response) override;

  kj::String name_;
  kj::String rules_;
  kj::Own<kj::Network> network_;
  kj::Own<TlsClientContext> tls_;
  kj::Own<kj::Network> tlsNetwork_;
  kj::Own<kj::HttpClient> client_;
  kj::Own<kj::HttpService> service_;
};

}  // namespace colony
