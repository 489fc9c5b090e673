// TLS for inbound connections (https sockets): an OpenSSL server context built from a socket's
// tlsOptions, and one TLS session per connection running over memory BIOs, so the HTTP server
// keeps reading and writing its libuv stream itself and only hands bytes through OpenSSL.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <kj/array.h>
#include <kj/async-io.h>

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

class TlsServerContext {
 public:
  // Throws TlsSettingsError.
  explicit TlsServerContext(const TlsServerSettings& settings);
  ~TlsServerContext();
  TlsServerContext(const TlsServerContext&) = delete;
  TlsServerContext& operator=(const TlsServerContext&) = delete;

  SSL_CTX* get() const { return ctx_; }

 private:
  SSL_CTX* ctx_;
};

// One server-side TLS session with memory BIOs: ciphertext from the socket goes in with
// inputSpace()/commitInput(), plaintext comes out of read(); plaintext to send goes in with
// encrypt() and the ciphertext to write comes out of takeOutput().
class TlsSession {
 public:
  explicit TlsSession(std::shared_ptr<TlsServerContext> context);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Where the next ciphertext read from the socket may go, and how much was put there.
  kj::ArrayPtr<char> inputSpace();
  void commitInput(size_t bytes);

  enum class Status { kData, kWantInput, kClosed, kFailed };
  struct ReadResult {
    Status status;
    size_t bytes;
  };
  // Runs the handshake as needed, then decrypts up to `max` bytes into `out`. kClosed: the peer
  // sent close_notify. kFailed: the handshake or a record failed (error() says why).
  ReadResult read(char* out, size_t max);
  // True when read() may produce something without new input.
  bool hasBufferedInput() const;

  // Encrypts every byte of the pieces (the handshake must be done).
  void encrypt(const kj::ArrayPtr<const kj::byte>* pieces, size_t count);
  void encrypt(const void* data, size_t size);
  // Queues close_notify.
  void shutdown();
  bool hasOutput() const;
  // Ciphertext produced so far (handshake records, alerts, encrypted data), in order.
  kj::Array<kj::byte> takeOutput();

  bool handshakeDone() const { return SSL_is_init_finished(ssl_) == 1; }
  bool failed() const { return failed_; }
  const std::string& error() const { return error_; }

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

// A KJ stream over a raw stream and a TLS session already in use (an upgraded https connection):
// `prefix` is plaintext already decrypted and not consumed.
kj::Own<kj::AsyncIoStream> newTlsSessionStream(kj::Own<kj::AsyncIoStream> raw,
                                               std::unique_ptr<TlsSession> session,
                                               kj::Array<kj::byte> prefix);

// Runs the server side of a TLS handshake on an accepted connection, then returns the TLS
// stream. Rejects (DISCONNECTED) when the handshake fails or the peer goes away first.
kj::Promise<kj::Own<kj::AsyncIoStream>> acceptTls(kj::Own<kj::AsyncIoStream> raw,
                                                  std::shared_ptr<TlsServerContext> context);

}  // namespace colony::http
