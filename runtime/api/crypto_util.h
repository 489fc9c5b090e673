// Shared pieces of the WebCrypto and node:crypto native ops (crypto_symmetric.cc,
// crypto_asymmetric.cc, node_crypto.cc, node_x509.cc): byte arguments, result objects, OpenSSL
// error reporting, RAII wrappers. Ops throw a plain Error on failure; the
// built-in JS (subtle.js) turns it into the DOMException the WebCrypto spec names for that step.
#pragma once

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <v8.h>

#include <iterator>
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

// obj[name] = value, for the plain objects ops return.
inline void set(v8::Isolate* isolate, v8::Local<v8::Object> obj, const char* name,
                v8::Local<v8::Value> value) {
  (void)obj->Set(isolate->GetCurrentContext(), js::str(isolate, name), value);
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
// Each digest is fetched from OpenSSL's providers once per process, on first use: one named by
// EVP_sha256() and friends is looked up again (under a lock) whenever a context starts with it.
inline const EVP_MD* digestByName(std::string_view name) {
  struct Known {
    std::string_view webName;
    const char* providerName;
    const EVP_MD* (*builtIn)();
  };
  static constexpr Known kKnown[] = {
      {"SHA-256", "SHA2-256", EVP_sha256}, {"SHA-1", "SHA1", EVP_sha1},
      {"SHA-384", "SHA2-384", EVP_sha384}, {"SHA-512", "SHA2-512", EVP_sha512},
      {"MD5", "MD5", EVP_md5},
  };
  static const EVP_MD* fetched[std::size(kKnown)] = {};
  for (size_t i = 0; i < std::size(kKnown); i++) {
    if (name != kKnown[i].webName) continue;
    if (fetched[i] == nullptr) {
      const EVP_MD* md = EVP_MD_fetch(nullptr, kKnown[i].providerName, nullptr);
      fetched[i] = md != nullptr ? md : kKnown[i].builtIn();
    }
    return fetched[i];
  }
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
