#include "runtime/services/tls_client.h"

#include <string.h>

#include <openssl/ssl.h>

#include <memory>

#include <kj/debug.h>
#include <kj/vector.h>

#include "runtime/http/tls_server.h"

namespace colony {

namespace {

kj::Own<kj::TlsContext> newTlsClientContext(kj::StringPtr what, const TlsClientOptions& options,
                                            bool systemTrustStore) {
  kj::Vector<kj::TlsCertificate> trusted;
  for (size_t i = 0; i < options.trustedCertificates.size(); ++i) {
    KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() {
                  trusted.add(kj::TlsCertificate(kj::StringPtr(options.trustedCertificates[i].c_str())));
                })) {
      KJ_FAIL_REQUIRE(kj::str(what, ": tlsOptions.trustedCertificates[", i,
                              "] is not a PEM certificate (", e->getDescription(), ")"));
    }
  }
  kj::Own<kj::TlsKeypair> keypair;
  if (!options.privateKey.empty()) {
    // Checked with OpenSSL first, for messages naming the field at fault.
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> check(SSL_CTX_new(TLS_client_method()),
                                                            &SSL_CTX_free);
    KJ_REQUIRE(check != nullptr, kj::str(what, ": cannot create a TLS context"));
    try {
      http::useKeypair(check.get(), options.privateKey, options.certificateChain);
    } catch (http::TlsSettingsError& e) {
      KJ_FAIL_REQUIRE(kj::str(what, ": ", e.what()));
    }
    keypair = kj::heap<kj::TlsKeypair>(
        kj::TlsKeypair{kj::TlsPrivateKey(kj::StringPtr(options.privateKey.c_str())),
                       kj::TlsCertificate(kj::StringPtr(options.certificateChain.c_str()))});
  }
  kj::TlsContext::Options tlsOptions;
  tlsOptions.useSystemTrustStore = systemTrustStore;
  if (keypair.get() != nullptr) tlsOptions.defaultKeypair = *keypair;
  tlsOptions.trustedCertificates = trusted.asPtr();
  KJ_IF_MAYBE(v, options.minVersion) { tlsOptions.minVersion = *v; }
  if (!options.cipherList.empty()) tlsOptions.cipherList = options.cipherList.c_str();
  kj::Own<kj::TlsContext> context;
  KJ_IF_MAYBE(e, kj::runCatchingExceptions(
                     [&]() { context = kj::heap<kj::TlsContext>(kj::mv(tlsOptions)); })) {
    KJ_FAIL_REQUIRE(kj::str(what, ": invalid tlsOptions (", e->getDescription(), ")"));
  }
  return context.attach(kj::mv(keypair));
}

bool isDefault(const TlsClientOptions& options) {
  return options.trustedCertificates.empty() && options.minVersion == nullptr &&
         options.cipherList.empty() && options.privateKey.empty();
}

// Connections through `inner` wrapped in TLS, with the context made when the first one is asked for.
class TlsNetwork final : public kj::Network {
 public:
  TlsNetwork(TlsClientContext& tls, kj::Network& inner) : tls_(tls), inner_(inner) {}

  kj::Promise<kj::Own<kj::NetworkAddress>> parseAddress(kj::StringPtr addr, uint portHint) override {
    // A context that cannot be made fails the returned promise, not the caller.
    return kj::evalNow([&]() { return wrapped().parseAddress(addr, portHint); });
  }
  kj::Own<kj::NetworkAddress> getSockaddr(const void* sockaddr, uint len) override {
    return wrapped().getSockaddr(sockaddr, len);
  }
  kj::Own<kj::Network> restrictPeers(kj::ArrayPtr<const kj::StringPtr> allow,
                                     kj::ArrayPtr<const kj::StringPtr> deny) override {
    return wrapped().restrictPeers(allow, deny);
  }

 private:
  kj::Network& wrapped() {
    if (network_.get() == nullptr) network_ = tls_.get().wrapNetwork(inner_);
    return *network_;
  }

  TlsClientContext& tls_;
  kj::Network& inner_;
  kj::Own<kj::Network> network_;
};

}  // namespace

TlsClientContext::TlsClientContext(kj::StringPtr what, TlsClientOptions options)
    : what_(kj::str(what)), options_(std::move(options)) {
  // Mistakes in the options show without the trust store, which is what takes the time.
  if (!isDefault(options_)) newTlsClientContext(what_, options_, false);
}

TlsClientContext::~TlsClientContext() noexcept(false) {}

kj::TlsContext& TlsClientContext::get() {
  if (context_.get() == nullptr) context_ = newTlsClientContext(what_, options_, true);
  return *context_;
}

kj::Own<kj::Network> newTlsNetwork(TlsClientContext& tls, kj::Network& inner) {
  return kj::heap<TlsNetwork>(tls, inner);
}

namespace {

bool contains(kj::StringPtr text, const char* part) { return strstr(text.cStr(), part) != nullptr; }

}  // namespace

kj::Exception describeTlsFailure(kj::StringPtr host, kj::Exception&& e) {
  auto text = e.getDescription();
  if (contains(text, "TLS connection to ")) return kj::mv(e);
  const char* reason = nullptr;
  kj::String detail;
  if (contains(text, "certificate verify failed") || contains(text, "not trusted")) {
    // kj-tls appends OpenSSL's verification result as "reason = ...".
    const char* why = strstr(text.cStr(), "reason = ");
    detail = kj::str("the server's certificate is not trusted (",
                     why != nullptr ? why + strlen("reason = ")
                                    : "not signed by a trusted authority, expired, or not issued "
                                      "for this host name",
                     "); a private CA belongs in tlsOptions.trustedCertificates");
    reason = detail.cStr();
  } else if (contains(text, "wrong version number") || contains(text, "packet length too long") ||
             contains(text, "record layer failure")) {
    reason = "the peer does not speak TLS on this port";
  } else if (contains(text, "OpenSSL") || contains(text, "SSL routines") || contains(text, "TLS")) {
    reason = "handshake failed";
  }
  if (reason == nullptr) return kj::mv(e);
  return kj::Exception(e.getType(), __FILE__, __LINE__,
                       detail == nullptr
                           ? kj::str("TLS connection to ", host, " failed: ", reason, " (", text, ")")
                           : kj::str("TLS connection to ", host, " failed: ", reason));
}

namespace {

class TlsAddress final : public kj::NetworkAddress {
 public:
  TlsAddress(kj::TlsContext& tls, kj::Own<kj::NetworkAddress> inner, kj::StringPtr hostname)
      : tls_(tls), inner_(kj::mv(inner)), hostname_(kj::str(hostname)) {}

  kj::Promise<kj::Own<kj::AsyncIoStream>> connect() override {
    return inner_->connect().then([this](kj::Own<kj::AsyncIoStream> stream) {
      return tls_.wrapClient(kj::mv(stream), hostname_)
          .catch_([this](kj::Exception&& e) -> kj::Promise<kj::Own<kj::AsyncIoStream>> {
            return describeTlsFailure(hostname_, kj::mv(e));
          });
    });
  }
  kj::Own<kj::ConnectionReceiver> listen() override {
    KJ_FAIL_REQUIRE("outbound TLS addresses cannot listen");
  }
  kj::Own<kj::NetworkAddress> clone() override {
    return kj::heap<TlsAddress>(tls_, inner_->clone(), hostname_);
  }
  kj::String toString() override { return kj::str(hostname_, " (", inner_->toString(), ")"); }

 private:
  kj::TlsContext& tls_;
  kj::Own<kj::NetworkAddress> inner_;
  kj::String hostname_;
};

}  // namespace

kj::Own<kj::NetworkAddress> newTlsAddress(kj::TlsContext& tls, kj::Own<kj::NetworkAddress> inner,
                                          kj::StringPtr hostname) {
  return kj::heap<TlsAddress>(tls, kj::mv(inner), hostname);
}

}  // namespace colony
