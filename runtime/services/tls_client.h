// TLS for outbound connections (https external services, https fetch() through network services,
// TLS sockets from connect()): building a kj::TlsContext from a service's tlsOptions (trusted
// certificates, minimum version, cipher list, a client certificate), wrapping a
// resolved address so its connections are TLS, and turning handshake failures into messages that
// name the host and the reason.
#pragma once

#include <string>
#include <vector>

#include <kj/async-io.h>
#include <kj/compat/tls.h>

namespace colony {

struct TlsClientOptions {
  // PEM certificates trusted in addition to the system trust store.
  std::vector<std::string> trustedCertificates;
  // Lowest protocol version accepted; kj-tls's default when unset.
  kj::Maybe<kj::TlsVersion> minVersion;
  // OpenSSL cipher list; kj-tls's default when empty.
  std::string cipherList;
  // A client certificate presented to servers that ask for one (PEM; both or neither).
  std::string privateKey;
  std::string certificateChain;
};

// An outbound TLS context, made on first use: loading the system trust store costs tens of
// milliseconds of CPU, which a runtime that never opens a TLS connection should not pay at start-up.
// The options are checked when this is constructed, so a bad tlsOptions still fails the start.
class TlsClientContext {
 public:
  // `what` names the owner in errors about bad options ("service \"api\"").
  TlsClientContext(kj::StringPtr what, TlsClientOptions options);
  ~TlsClientContext() noexcept(false);
  KJ_DISALLOW_COPY(TlsClientContext);

  // The context, trusting the system trust store and the configured certificates.
  kj::TlsContext& get();

 private:
  kj::String what_;
  TlsClientOptions options_;
  kj::Own<kj::TlsContext> context_;
};

// A network whose connections are TLS through `tls` (as TlsContext::wrapNetwork), the context being
// made on the first address asked for.
kj::Own<kj::Network> newTlsNetwork(TlsClientContext& tls, kj::Network& inner);

// A failed TLS connection to `host` described for users: "TLS connection to HOST failed: REASON".
// Exceptions that do not come from TLS are returned unchanged.
kj::Exception describeTlsFailure(kj::StringPtr host, kj::Exception&& e);

// An address whose connections are wrapped in TLS, verified against `hostname`.
kj::Own<kj::NetworkAddress> newTlsAddress(kj::TlsContext& tls, kj::Own<kj::NetworkAddress> inner,
                                          kj::StringPtr hostname);

}  // namespace colony
