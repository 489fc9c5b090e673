// An inbound TLS session as the HTTP server drives it, and what makes the sessions of a socket.
// OpenSSL implements both (tls_server.h); the HTTP server names only these, so a server without
// TLS sockets (the supervisor's admin server) is linked without OpenSSL.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include <kj/array.h>
#include <kj/async-io.h>

namespace colony::http {

// A server-side session over memory: ciphertext from the socket goes in with
// inputSpace()/commitInput(), plaintext comes out of read(); plaintext to send goes in with
// encrypt() and the ciphertext to write comes out of takeOutput().
class TlsSession {
 public:
  virtual ~TlsSession() = default;

  // Where the next ciphertext read from the socket may go, and how much was put there.
  virtual kj::ArrayPtr<char> inputSpace() = 0;
  virtual void commitInput(size_t bytes) = 0;

  enum class Status { kData, kWantInput, kClosed, kFailed };
  struct ReadResult {
    Status status;
    size_t bytes;
  };
  // Runs the handshake as needed, then decrypts up to `max` bytes into `out`. kClosed: the peer
  // sent close_notify. kFailed: the handshake or a record failed (error() says why).
  virtual ReadResult read(char* out, size_t max) = 0;
  // True when read() may produce something without new input.
  virtual bool hasBufferedInput() const = 0;

  // Encrypts every byte (the handshake must be done).
  virtual void encrypt(const void* data, size_t size) = 0;
  // Queues close_notify.
  virtual void shutdown() = 0;
  virtual bool hasOutput() const = 0;
  // Ciphertext produced so far (handshake records, alerts, encrypted data), in order.
  virtual kj::Array<kj::byte> takeOutput() = 0;

  virtual bool failed() const = 0;
  virtual const std::string& error() const = 0;
};

class TlsSessionFactory {
 public:
  virtual ~TlsSessionFactory() = default;
  virtual std::unique_ptr<TlsSession> newSession() = 0;
  // A KJ stream over a raw stream and one of this factory's sessions already in use (an upgraded
  // connection): `prefix` is plaintext already decrypted and not consumed.
  virtual kj::Own<kj::AsyncIoStream> sessionStream(kj::Own<kj::AsyncIoStream> raw,
                                                   std::unique_ptr<TlsSession> session,
                                                   kj::Array<kj::byte> prefix) = 0;
};

}  // namespace colony::http
