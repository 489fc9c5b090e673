// TLS for outbound connections (https external services, https fetch() through network services,
// TLS sockets from connect()): building a kj::TlsContext from a service's tlsOptions, wrapping a
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
};

// `what` names the owner in errors about bad options ("service \"api\"").
kj::Own<kj::TlsContext> newTlsClientContext(kj::StringPtr what, const TlsClientOptions& options);

// A failed TLS connection to `host` described for users: "TLS connection to HOST failed: REASON".
// Exceptions that do not come from TLS are returned unchanged.
kj::Exception describeTlsFailure(kj::StringPtr host, kj::Exception&& e);

// An address whose connections are wrapped in TLS, verified against `hostname`.
kj::Own<kj::NetworkAddress> newTlsAddress(kj::TlsContext& tls, kj::Own<kj::NetworkAddress> inner,
                                          kj::StringPtr hostname);

}  // namespace colony
