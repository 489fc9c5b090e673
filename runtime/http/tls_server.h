// TLS for inbound connections (https sockets) with OpenSSL: a server context built from a
// socket's tlsOptions, and one TLS session (tls_session.h) per connection running over memory
// BIOs, so the HTTP server keeps reading and writing its libuv stream itself and only hands bytes
// through OpenSSL.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <kj/array.h>
#include <kj/async-io.h>

#include "runtime/http/tls_session.h"

namespace colony::http {

struct TlsServerSettings {
  std::string privateKeyPem;        // tlsOptions.keypair.privateKey
  std::string certificateChainPem;  // tlsOptions.keypair.certificateChain, leaf first
  bool requireClientCerts = false;
  bool trustBrowserCas = false;     // client certificates may chain to the system CAs
  std::vector<std::string> trustedCertificates;  // PEM; trusted for client certificates
  int minVersion = 0;               // an OpenSSL *_VERSION constant; 0 = TLS 1.2
  std::string cipherList;           // OpenSSL's default when empty
};

// A bad setting. The message names the tlsOptions field ("tlsOptions.keypair.privateKey is not
// a PEM private key: ..."); callers prefix the socket.
class TlsSettingsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Makes `ctx` present the keypair (PEM private key; PEM certificate chain, leaf first): an https
// socket's certificate, or a client certificate for outbound TLS. Throws TlsSettingsError naming
// the tlsOptions.keypair field at fault (not PEM, unusable, or a key that does not match the leaf).
void useKeypair(SSL_CTX* ctx, const std::string& privateKeyPem,
                const std::string& certificateChainPem);

class TlsServerContext final : public TlsSessionFactory,
                               public std::enable_shared_from_this<TlsServerContext> {
 public:
  // Throws TlsSettingsError.
  explicit TlsServerContext(const TlsServerSettings& settings);
  ~TlsServerContext();
  TlsServerContext(const TlsServerContext&) = delete;
  TlsServerContext& operator=(const TlsServerContext&) = delete;

  SSL_CTX* get() const { return ctx_; }

  // Made with std::make_shared: sessions hold the context.
  std::unique_ptr<TlsSession> newSession() override;
  kj::Own<kj::AsyncIoStream> sessionStream(kj::Own<kj::AsyncIoStream> raw,
                                           std::unique_ptr<TlsSession> session,
                                           kj::Array<kj::byte> prefix) override;

 private:
  SSL_CTX* ctx_;
};

// The OpenSSL session: an SSL with a memory BIO each way.
class OpenSslTlsSession final : public TlsSession {
 public:
  explicit OpenSslTlsSession(std::shared_ptr<TlsServerContext> context);
  ~OpenSslTlsSession();
  OpenSslTlsSession(const OpenSslTlsSession&) = delete;
  OpenSslTlsSession& operator=(const OpenSslTlsSession&) = delete;

  kj::ArrayPtr<char> inputSpace() override;
  void commitInput(size_t bytes) override;
  ReadResult read(char* out, size_t max) override;
  bool hasBufferedInput() const override;
  void encrypt(const void* data, size_t size) override;
  void encrypt(const kj::ArrayPtr<const kj::byte>* pieces, size_t count);
  void shutdown() override;
  bool hasOutput() const override;
  kj::Array<kj::byte> takeOutput() override;
  bool failed() const override { return failed_; }
  const std::string& error() const override { return error_; }

  bool handshakeDone() const { return SSL_is_init_finished(ssl_) == 1; }

 private:
  void fail();

  std::shared_ptr<TlsServerContext> context_;
  SSL* ssl_;
  BIO* in_;   // socket -> OpenSSL
  BIO* out_;  // OpenSSL -> socket
  kj::Array<char> inputBuffer_;
  bool failed_ = false;
  bool closed_ = false;
  std::string error_;
};

// Runs the server side of a TLS handshake on an accepted connection, then returns the TLS
// stream. Rejects (DISCONNECTED) when the handshake fails or the peer goes away first.
kj::Promise<kj::Own<kj::AsyncIoStream>> acceptTls(kj::Own<kj::AsyncIoStream> raw,
                                                  std::shared_ptr<TlsServerContext> context);

}  // namespace colony::http
