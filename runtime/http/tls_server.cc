#include "runtime/http/tls_server.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <string.h>

#include <algorithm>

#include <kj/debug.h>

namespace colony::http {
namespace {

constexpr size_t kInputChunk = 16 * 1024 + 512;  // one full TLS record and its overhead

// The reasons OpenSSL queued, oldest first, then clears them.
std::string takeOpenSslErrors() {
  std::string out;
  while (unsigned long code = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(code, text, sizeof(text));
    const char* reason = ERR_reason_error_string(code);
    if (!out.empty()) out += "; ";
    out += reason != nullptr ? reason : text;
  }
  return out.empty() ? "unknown error" : out;
}

// Never prompts on a terminal for a passphrase: an encrypted key is an error.
int noPassphrase(char*, int, int, void*) { return -1; }

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

BioPtr memoryBio(const std::string& text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

}  // namespace

// --- keypair -----------------------------------------------------------------------------------

void useKeypair(SSL_CTX* ctx, const std::string& privateKeyPem,
                const std::string& certificateChainPem) {
  ERR_clear_error();
  auto keyBio = memoryBio(privateKeyPem);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(keyBio.get(), nullptr, &noPassphrase, nullptr);
  if (key == nullptr) {
    throw TlsSettingsError("tlsOptions.keypair.privateKey is not a PEM private key (" +
                           takeOpenSslErrors() + ")");
  }
  int ok = SSL_CTX_use_PrivateKey(ctx, key);
  EVP_PKEY_free(key);
  if (ok != 1) {
    throw TlsSettingsError("tlsOptions.keypair.privateKey cannot be used (" +
                           takeOpenSslErrors() + ")");
  }

  auto chainBio = memoryBio(certificateChainPem);
  X509* leaf = PEM_read_bio_X509(chainBio.get(), nullptr, &noPassphrase, nullptr);
  if (leaf == nullptr) {
    throw TlsSettingsError("tlsOptions.keypair.certificateChain is not a PEM certificate (" +
                           takeOpenSslErrors() + ")");
  }
  ok = SSL_CTX_use_certificate(ctx, leaf);
  X509_free(leaf);
  if (ok != 1) {
    throw TlsSettingsError("tlsOptions.keypair.certificateChain cannot be used (" +
                           takeOpenSslErrors() + ")");
  }
  for (size_t index = 1;; ++index) {
    X509* extra = PEM_read_bio_X509(chainBio.get(), nullptr, &noPassphrase, nullptr);
    if (extra == nullptr) {
      unsigned long code = ERR_peek_last_error();
      if (ERR_GET_LIB(code) == ERR_LIB_PEM && ERR_GET_REASON(code) == PEM_R_NO_START_LINE) {
        ERR_clear_error();  // the end of the chain
        break;
      }
      throw TlsSettingsError("tlsOptions.keypair.certificateChain: certificate " +
                             std::to_string(index + 1) + " is not valid PEM (" +
                             takeOpenSslErrors() + ")");
    }
    if (SSL_CTX_add0_chain_cert(ctx, extra) != 1) {
      X509_free(extra);
      throw TlsSettingsError("tlsOptions.keypair.certificateChain cannot be used (" +
                             takeOpenSslErrors() + ")");
    }
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    throw TlsSettingsError(
        "tlsOptions.keypair.privateKey does not match the first certificate of "
        "tlsOptions.keypair.certificateChain");
  }
}

// --- context -----------------------------------------------------------------------------------

TlsServerContext::TlsServerContext(const TlsServerSettings& settings)
    : ctx_(SSL_CTX_new(TLS_server_method())) {
  if (ctx_ == nullptr) throw TlsSettingsError("cannot create a TLS context: " + takeOpenSslErrors());
  try {
    ERR_clear_error();
    SSL_CTX_set_options(ctx_, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_mode(ctx_, SSL_MODE_RELEASE_BUFFERS);

    if (settings.privateKeyPem.empty() || settings.certificateChainPem.empty()) {
      throw TlsSettingsError(
          "tlsOptions.keypair is required for a TLS socket (privateKey and certificateChain, PEM)");
    }
    useKeypair(ctx_, settings.privateKeyPem, settings.certificateChainPem);

    X509_STORE* store = SSL_CTX_get_cert_store(ctx_);
    if (settings.trustBrowserCas && SSL_CTX_set_default_verify_paths(ctx_) != 1) {
      throw TlsSettingsError("tlsOptions.trustBrowserCas: the system certificate store cannot be "
                             "loaded (" + takeOpenSslErrors() + ")");
    }
    STACK_OF(X509_NAME)* clientCas = sk_X509_NAME_new_null();
    for (size_t i = 0; i < settings.trustedCertificates.size(); ++i) {
      auto bio = memoryBio(settings.trustedCertificates[i]);
      X509* cert = PEM_read_bio_X509(bio.get(), nullptr, &noPassphrase, nullptr);
      if (cert == nullptr) {
        sk_X509_NAME_pop_free(clientCas, X509_NAME_free);
        throw TlsSettingsError("tlsOptions.trustedCertificates[" + std::to_string(i) +
                               "] is not a PEM certificate (" + takeOpenSslErrors() + ")");
      }
      X509_STORE_add_cert(store, cert);
      sk_X509_NAME_push(clientCas, X509_NAME_dup(X509_get_subject_name(cert)));
      X509_free(cert);
    }
    ERR_clear_error();  // X509_STORE_add_cert reports duplicates
    // Clients are told which authorities are trusted, so they pick a matching certificate.
    SSL_CTX_set_client_CA_list(ctx_, clientCas);
    if (settings.requireClientCerts) {
      SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    }

    if (SSL_CTX_set_min_proto_version(ctx_, settings.minVersion != 0 ? settings.minVersion
                                                                     : TLS1_2_VERSION) != 1) {
      throw TlsSettingsError("tlsOptions.minVersion is not supported (" + takeOpenSslErrors() +
                             ")");
    }
    if (!settings.cipherList.empty() &&
        SSL_CTX_set_cipher_list(ctx_, settings.cipherList.c_str()) != 1) {
      throw TlsSettingsError("tlsOptions.cipherList \"" + settings.cipherList +
                             "\" names no usable cipher (" + takeOpenSslErrors() + ")");
    }
  } catch (...) {
    SSL_CTX_free(ctx_);
    throw;
  }
}

TlsServerContext::~TlsServerContext() { SSL_CTX_free(ctx_); }

// --- session -----------------------------------------------------------------------------------

OpenSslTlsSession::OpenSslTlsSession(std::shared_ptr<TlsServerContext> context)
    : context_(std::move(context)), ssl_(SSL_new(context_->get())) {
  KJ_ASSERT(ssl_ != nullptr, "SSL_new failed");
  in_ = BIO_new(BIO_s_mem());
  out_ = BIO_new(BIO_s_mem());
  KJ_ASSERT(in_ != nullptr && out_ != nullptr, "BIO_new failed");
  // An empty input BIO means "wait for more", not end of stream.
  BIO_set_mem_eof_return(in_, -1);
  SSL_set_bio(ssl_, in_, out_);  // the session owns both BIOs now
  SSL_set_accept_state(ssl_);
}

OpenSslTlsSession::~OpenSslTlsSession() { SSL_free(ssl_); }

kj::ArrayPtr<char> OpenSslTlsSession::inputSpace() {
  if (inputBuffer_.size() == 0) inputBuffer_ = kj::heapArray<char>(kInputChunk);
  return inputBuffer_;
}

void OpenSslTlsSession::commitInput(size_t bytes) {
  if (bytes == 0) return;
  int written = BIO_write(in_, inputBuffer_.begin(), static_cast<int>(bytes));
  KJ_ASSERT(written == static_cast<int>(bytes), "memory BIO refused input");
}

void OpenSslTlsSession::fail() {
  failed_ = true;
  error_ = takeOpenSslErrors();
}

OpenSslTlsSession::ReadResult OpenSslTlsSession::read(char* out, size_t max) {
  if (failed_) return {Status::kFailed, 0};
  if (closed_) return {Status::kClosed, 0};
  ERR_clear_error();
  if (!SSL_is_init_finished(ssl_)) {
    int rc = SSL_do_handshake(ssl_);
    if (rc != 1) {
      int error = SSL_get_error(ssl_, rc);
      if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
        return {Status::kWantInput, 0};
      }
      fail();
      return {Status::kFailed, 0};
    }
  }
  if (max == 0) return {Status::kWantInput, 0};
  size_t got = 0;
  int rc = SSL_read_ex(ssl_, out, max, &got);
  if (rc == 1) return {Status::kData, got};
  switch (SSL_get_error(ssl_, rc)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
      return {Status::kWantInput, 0};
    case SSL_ERROR_ZERO_RETURN:
      closed_ = true;
      return {Status::kClosed, 0};
    default:
      fail();
      return {Status::kFailed, 0};
  }
}

bool OpenSslTlsSession::hasBufferedInput() const {
  if (failed_ || closed_) return false;
  return SSL_pending(ssl_) > 0 || BIO_ctrl_pending(in_) > 0;
}

void OpenSslTlsSession::encrypt(const void* data, size_t size) {
  if (failed_ || size == 0) return;
  ERR_clear_error();
  size_t written = 0;
  int rc = SSL_write_ex(ssl_, data, size, &written);
  if (rc != 1 || written != size) fail();
}

void OpenSslTlsSession::encrypt(const kj::ArrayPtr<const kj::byte>* pieces, size_t count) {
  for (size_t i = 0; i < count; ++i) encrypt(pieces[i].begin(), pieces[i].size());
}

void OpenSslTlsSession::shutdown() {
  if (failed_ || !SSL_is_init_finished(ssl_)) return;
  ERR_clear_error();
  SSL_shutdown(ssl_);
  ERR_clear_error();
}

bool OpenSslTlsSession::hasOutput() const { return BIO_ctrl_pending(out_) > 0; }

kj::Array<kj::byte> OpenSslTlsSession::takeOutput() {
  size_t pending = BIO_ctrl_pending(out_);
  auto out = kj::heapArray<kj::byte>(pending);
  if (pending > 0) {
    int n = BIO_read(out_, out.begin(), static_cast<int>(pending));
    KJ_ASSERT(n == static_cast<int>(pending), "memory BIO returned less than pending");
  }
  return out;
}

// --- a session over a KJ stream ----------------------------------------------------------------

namespace {

class TlsSessionStream final : public kj::AsyncIoStream {
 public:
  TlsSessionStream(kj::Own<kj::AsyncIoStream> raw, std::unique_ptr<OpenSslTlsSession> session,
                   kj::Array<kj::byte> prefix)
      : raw_(kj::mv(raw)), session_(kj::mv(session)), prefix_(kj::mv(prefix)) {}

  kj::Promise<size_t> tryRead(void* buffer, size_t minBytes, size_t maxBytes) override {
    return readLoop(static_cast<kj::byte*>(buffer), minBytes, maxBytes, 0);
  }

  kj::Promise<void> write(const void* buffer, size_t size) override {
    session_->encrypt(buffer, size);
    return flush();
  }
  kj::Promise<void> write(kj::ArrayPtr<const kj::ArrayPtr<const kj::byte>> pieces) override {
    session_->encrypt(pieces.begin(), pieces.size());
    return flush();
  }
  kj::Promise<void> whenWriteDisconnected() override { return raw_->whenWriteDisconnected(); }
  void shutdownWrite() override {
    // close_notify goes out with the socket's shutdown when the write side is idle.
    session_->shutdown();
    auto bytes = session_->takeOutput();
    if (bytes.size() > 0) {
      auto promise = raw_->write(bytes.begin(), bytes.size()).attach(kj::mv(bytes));
      pendingShutdown_ = promise.then([this]() { raw_->shutdownWrite(); })
                             .catch_([](kj::Exception&&) {})
                             .eagerlyEvaluate(nullptr);
    } else {
      raw_->shutdownWrite();
    }
  }
  void abortRead() override { raw_->abortRead(); }
  void getsockname(struct sockaddr* addr, uint* length) override {
    raw_->getsockname(addr, length);
  }
  void getpeername(struct sockaddr* addr, uint* length) override {
    raw_->getpeername(addr, length);
  }

 private:
  kj::Promise<void> flush() {
    if (session_->failed()) {
      return KJ_EXCEPTION(DISCONNECTED, "TLS connection failed", session_->error().c_str());
    }
    if (!session_->hasOutput()) return kj::READY_NOW;
    auto bytes = session_->takeOutput();
    auto promise = raw_->write(bytes.begin(), bytes.size());
    return promise.attach(kj::mv(bytes));
  }

  kj::Promise<size_t> readLoop(kj::byte* buffer, size_t minBytes, size_t maxBytes, size_t got) {
    while (got < maxBytes) {
      size_t left = prefix_.size() - prefixOffset_;
      if (left > 0) {
        size_t n = std::min(left, maxBytes - got);
        memcpy(buffer + got, prefix_.begin() + prefixOffset_, n);
        prefixOffset_ += n;
        got += n;
        continue;
      }
      auto result = session_->read(reinterpret_cast<char*>(buffer + got), maxBytes - got);
      if (result.status == TlsSession::Status::kData) {
        got += result.bytes;
        continue;
      }
      if (result.status == TlsSession::Status::kClosed) return got;
      if (result.status == TlsSession::Status::kFailed) {
        return KJ_EXCEPTION(DISCONNECTED, "TLS connection failed", session_->error().c_str());
      }
      break;  // needs input
    }
    if (got >= minBytes) return got;
    // Whatever OpenSSL wants sent (e.g. a key update reply) goes out before waiting.
    kj::Promise<void> sent = session_->hasOutput() ? flush() : kj::READY_NOW;
    auto space = session_->inputSpace();
    return sent.then([this, space]() mutable {
                 return raw_->tryRead(space.begin(), 1, space.size());
               })
        .then([this, buffer, minBytes, maxBytes, got](size_t n) -> kj::Promise<size_t> {
          if (n == 0) return got;  // the peer closed without close_notify
          session_->commitInput(n);
          return readLoop(buffer, minBytes, maxBytes, got);
        });
  }

  kj::Own<kj::AsyncIoStream> raw_;
  std::unique_ptr<OpenSslTlsSession> session_;
  kj::Array<kj::byte> prefix_;
  size_t prefixOffset_ = 0;
  kj::Maybe<kj::Promise<void>> pendingShutdown_;
};

kj::Promise<kj::Own<kj::AsyncIoStream>> handshakeStep(kj::Own<kj::AsyncIoStream> raw,
                                                      std::unique_ptr<OpenSslTlsSession> session) {
  session->read(nullptr, 0);  // advances the handshake with what has arrived
  if (session->failed()) {
    return KJ_EXCEPTION(DISCONNECTED, "TLS handshake failed", session->error().c_str());
  }
  kj::Promise<void> sent = kj::READY_NOW;
  if (session->hasOutput()) {
    auto bytes = session->takeOutput();
    sent = raw->write(bytes.begin(), bytes.size()).attach(kj::mv(bytes));
  }
  if (session->handshakeDone()) {
    return sent.then([raw = kj::mv(raw), session = kj::mv(session)]() mutable {
      return kj::Own<kj::AsyncIoStream>(
          kj::heap<TlsSessionStream>(kj::mv(raw), kj::mv(session), nullptr));
    });
  }
  return sent.then([raw = kj::mv(raw), session = kj::mv(session)]() mutable {
    auto space = session->inputSpace();
    auto read = raw->tryRead(space.begin(), 1, space.size());
    return read.then([raw = kj::mv(raw), session = kj::mv(session)](
                         size_t n) mutable -> kj::Promise<kj::Own<kj::AsyncIoStream>> {
      if (n == 0) return KJ_EXCEPTION(DISCONNECTED, "the client left during the TLS handshake");
      session->commitInput(n);
      return handshakeStep(kj::mv(raw), kj::mv(session));
    });
  });
}

}  // namespace

kj::Promise<kj::Own<kj::AsyncIoStream>> acceptTls(kj::Own<kj::AsyncIoStream> raw,
                                                  std::shared_ptr<TlsServerContext> context) {
  return handshakeStep(kj::mv(raw), std::make_unique<OpenSslTlsSession>(kj::mv(context)));
}

std::unique_ptr<TlsSession> TlsServerContext::newSession() {
  return std::make_unique<OpenSslTlsSession>(shared_from_this());
}

kj::Own<kj::AsyncIoStream> TlsServerContext::sessionStream(kj::Own<kj::AsyncIoStream> raw,
                                                           std::unique_ptr<TlsSession> session,
                                                           kj::Array<kj::byte> prefix) {
  // Every session of this context is one newSession() made.
  std::unique_ptr<OpenSslTlsSession> own(static_cast<OpenSslTlsSession*>(session.release()));
  return kj::heap<TlsSessionStream>(kj::mv(raw), kj::mv(own), kj::mv(prefix));
}

}  // namespace colony::http
