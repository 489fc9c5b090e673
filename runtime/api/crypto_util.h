// Shared pieces of the WebCrypto native ops (crypto_symmetric.cc, crypto_asymmetric.cc): byte
// arguments, OpenSSL error reporting, RAII wrappers. Ops throw a plain Error on failure; the
// built-in JS (subtle.js) turns it into the DOMException the WebCrypto spec names for that step.
#pragma once

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <v8.h>

#include <memory>
#include <string>
#include <string_view>

#include "runtime/js_util.h"

namespace colony {
class Worker;
}

namespace colony::api::crypto {

// An argument's bytes (an ArrayBuffer or a view). Never a null pointer, so that OpenSSL calls that
// reject NULL even for zero lengths accept empty input.
struct Bytes {
  const unsigned char* data;
  size_t size;
};
inline Bytes bytesArg(v8::Local<v8::Value> value) {
  static const unsigned char kEmpty[1] = {0};
  auto b = js::bytesOf(value);
  if (b.size() == 0) return {kEmpty, 0};
  return {b.begin(), b.size()};
}

// Throws an Error whose message is `what` plus OpenSSL's first queued error, if any.
inline void throwCryptoError(v8::Isolate* isolate, std::string_view what) {
  std::string message(what);
  unsigned long code = ERR_get_error();
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    message += " (";
    message += buf;
    message += ")";
  }
  ERR_clear_error();
  js::throwError(isolate, message);
}

// The message digest for a WebCrypto hash name ("SHA-256"), or nullptr.
inline const EVP_MD* digestByName(std::string_view name) {
  if (name == "SHA-1") return EVP_sha1();
  if (name == "SHA-256") return EVP_sha256();
  if (name == "SHA-384") return EVP_sha384();
  if (name == "SHA-512") return EVP_sha512();
  if (name == "MD5") return EVP_md5();
  return nullptr;
}

struct PkeyFree { void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); } };
struct PkeyCtxFree { void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); } };
struct MdCtxFree { void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); } };
struct CipherCtxFree { void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); } };
struct BnFree { void operator()(BIGNUM* p) const { BN_clear_free(p); } };
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;
using Bn = std::unique_ptr<BIGNUM, BnFree>;

// Registers the ops of crypto_asymmetric.cc (called by installCryptoOps).
void installAsymmetricOps(Worker& worker, v8::Local<v8::Object> ops);

}  // namespace colony::api::crypto
