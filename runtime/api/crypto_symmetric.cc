// WebCrypto native ops that work on hashes and secret keys: digests (one-shot and incremental,
// for crypto.DigestStream), HMAC, AES in GCM/CBC/CTR/KW modes, PBKDF2, HKDF, and a constant-time
// comparison. The built-in JS (subtle.js) validates algorithms and parameters; these ops only run
// OpenSSL and report its failures as Errors.
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/core_names.h>

#include <vector>

#include "runtime/api/crypto_util.h"
#include "runtime/api/native_handle.h"
#include "runtime/api/ops.h"
#include "runtime/worker.h"

namespace colony::api {

namespace crypto {
namespace {

using Info = v8::FunctionCallbackInfo<v8::Value>;

double num(const Info& info, int i) {
  return info[i]->NumberValue(info.GetIsolate()->GetCurrentContext()).FromMaybe(0);
}
bool flag(const Info& info, int i) { return info[i]->BooleanValue(info.GetIsolate()); }
std::string text(const Info& info, int i) { return js::toStdString(info.GetIsolate(), info[i]); }

void returnBytes(const Info& info, const unsigned char* data, size_t size) {
  info.GetReturnValue().Set(js::newArrayBuffer(info.GetIsolate(), kj::arrayPtr(data, size)));
}

const EVP_MD* digestArg(const Info& info, int i) {
  auto md = digestByName(text(info, i));
  if (md == nullptr) js::throwError(info.GetIsolate(), "unrecognized hash algorithm");
  return md;
}

// ops.cryptoDigest(hash, data) -> ArrayBuffer
void digest(const Info& info) {
  auto md = digestArg(info, 0);
  if (md == nullptr) return;
  auto data = bytesArg(info[1]);
  // One context, initialised afresh for each digest, instead of one allocated per call.
  static thread_local MdCtx ctx(EVP_MD_CTX_new());
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data, data.size) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), out, &len) != 1) {
    return throwCryptoError(info.GetIsolate(), "digest failed");
  }
  returnBytes(info, out, len);
}

// An incremental digest: the context lives in a native handle until the digest is finished.
const HandleKind kDigestHandle{"digest"};

struct DigestHolder {
  MdCtx ctx;
};

DigestHolder* unwrapDigest(v8::Local<v8::Value> value) {
  return unwrapHandle<DigestHolder>(value, kDigestHandle);
}

// ops.cryptoDigestNew(hash) -> handle
void digestNew(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto md = digestArg(info, 0);
  if (md == nullptr) return;
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1) {
    return throwCryptoError(isolate, "digest initialisation failed");
  }
  auto& worker = Worker::from(isolate);
  info.GetReturnValue().Set(wrapHandle(worker, kDigestHandle, DigestHolder{std::move(ctx)}));
}

// ops.cryptoDigestUpdate(handle, data)
void digestUpdate(const Info& info) {
  auto* holder = unwrapDigest(info[0]);
  if (holder == nullptr || !holder->ctx) return js::throwTypeError(info.GetIsolate(), "not a digest handle");
  auto data = bytesArg(info[1]);
  if (EVP_DigestUpdate(holder->ctx.get(), data.data, data.size) != 1) {
    return throwCryptoError(info.GetIsolate(), "digest failed");
  }
}

// ops.cryptoDigestFinish(handle) -> ArrayBuffer (the handle is spent)
void digestFinish(const Info& info) {
  auto* holder = unwrapDigest(info[0]);
  if (holder == nullptr || !holder->ctx) return js::throwTypeError(info.GetIsolate(), "not a digest handle");
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  bool ok = EVP_DigestFinal_ex(holder->ctx.get(), out, &len) == 1;
  holder->ctx.reset();
  if (!ok) return throwCryptoError(info.GetIsolate(), "digest failed");
  returnBytes(info, out, len);
}

// ops.cryptoHmac(hash, key, data) -> ArrayBuffer
void hmac(const Info& info) {
  auto md = digestArg(info, 0);
  if (md == nullptr) return;
  auto key = bytesArg(info[1]);
  auto data = bytesArg(info[2]);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(md, key.data, static_cast<int>(key.size), data.data, data.size, out, &len) == nullptr) {
    return throwCryptoError(info.GetIsolate(), "HMAC failed");
  }
  returnBytes(info, out, len);
}

const EVP_CIPHER* aesCipher(size_t keyBytes, const char* mode) {
  std::string name = "AES-" + std::to_string(keyBytes * 8) + "-" + mode;
  return EVP_get_cipherbyname(name.c_str());
}

// Runs a cipher over `data` into `out` (appending), with the context already initialised.
bool cipherRun(EVP_CIPHER_CTX* ctx, Bytes data, std::vector<unsigned char>& out, bool final) {
  size_t start = out.size();
  out.resize(start + data.size + 2 * EVP_MAX_BLOCK_LENGTH);
  int len = 0;
  if (data.size > 0 &&
      EVP_CipherUpdate(ctx, out.data() + start, &len, data.data, static_cast<int>(data.size)) != 1) {
    return false;
  }
  int total = len;
  if (final) {
    if (EVP_CipherFinal_ex(ctx, out.data() + start + total, &len) != 1) return false;
    total += len;
  }
  out.resize(start + total);
  return true;
}

// ops.cryptoAesGcm(encrypt, key, iv, additionalData, tagBytes, data) -> ArrayBuffer
// Encryption returns ciphertext || tag; decryption takes the same and fails when the tag is wrong.
void aesGcm(const Info& info) {
  auto* isolate = info.GetIsolate();
  bool encrypt = flag(info, 0);
  auto key = bytesArg(info[1]);
  auto iv = bytesArg(info[2]);
  auto aad = bytesArg(info[3]);
  size_t tagBytes = static_cast<size_t>(num(info, 4));
  auto data = bytesArg(info[5]);
  auto cipher = aesCipher(key.size, "GCM");
  if (cipher == nullptr) return js::throwError(isolate, "invalid AES key length");
  if (iv.size == 0) return js::throwError(isolate, "the AES-GCM iv must not be empty");
  Bytes body = data;
  if (!encrypt) {
    if (data.size < tagBytes) return js::throwError(isolate, "the ciphertext is shorter than the tag");
    body.size -= tagBytes;
  }
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_CipherInit_ex(ctx.get(), cipher, nullptr, nullptr, nullptr, encrypt) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size), nullptr) != 1 ||
      EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, key.data, iv.data, encrypt) != 1) {
    return throwCryptoError(isolate, "AES-GCM initialisation failed");
  }
  int len = 0;
  if (aad.size > 0 &&
      EVP_CipherUpdate(ctx.get(), nullptr, &len, aad.data, static_cast<int>(aad.size)) != 1) {
    return throwCryptoError(isolate, "AES-GCM failed");
  }
  if (!encrypt) {
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tagBytes),
                            const_cast<unsigned char*>(data.data + body.size)) != 1) {
      return throwCryptoError(isolate, "AES-GCM failed");
    }
  }
  std::vector<unsigned char> out;
  if (!cipherRun(ctx.get(), body, out, true)) {
    ERR_clear_error();
    return js::throwError(isolate, encrypt ? "AES-GCM encryption failed" : "the data could not be decrypted (authentication failed)");
  }
  if (encrypt) {
    size_t n = out.size();
    out.resize(n + tagBytes);
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(tagBytes), out.data() + n) != 1) {
      return throwCryptoError(isolate, "AES-GCM failed");
    }
  }
  returnBytes(info, out.data(), out.size());
}

// ops.cryptoAesCbc(encrypt, key, iv, data) -> ArrayBuffer (PKCS#7 padding)
void aesCbc(const Info& info) {
  auto* isolate = info.GetIsolate();
  bool encrypt = flag(info, 0);
  auto key = bytesArg(info[1]);
  auto iv = bytesArg(info[2]);
  auto data = bytesArg(info[3]);
  auto cipher = aesCipher(key.size, "CBC");
  if (cipher == nullptr) return js::throwError(isolate, "invalid AES key length");
  if (iv.size != 16) return js::throwError(isolate, "the AES-CBC iv must be 16 bytes");
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_CipherInit_ex(ctx.get(), cipher, nullptr, key.data, iv.data, encrypt) != 1) {
    return throwCryptoError(isolate, "AES-CBC initialisation failed");
  }
  std::vector<unsigned char> out;
  if (!cipherRun(ctx.get(), data, out, true)) {
    ERR_clear_error();
    return js::throwError(isolate, encrypt ? "AES-CBC encryption failed" : "the data could not be decrypted (bad padding)");
  }
  returnBytes(info, out.data(), out.size());
}

// ops.cryptoAesCtr(key, counter, lengthBits, data) -> ArrayBuffer
// Only the low `lengthBits` bits of the counter block count; they wrap to zero without carrying
// into the nonce part. Running out of counter values is an error.
void aesCtr(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto key = bytesArg(info[0]);
  auto counter = bytesArg(info[1]);
  int lengthBits = static_cast<int>(num(info, 2));
  auto data = bytesArg(info[3]);
  auto cipher = aesCipher(key.size, "CTR");
  if (cipher == nullptr) return js::throwError(isolate, "invalid AES key length");
  if (counter.size != 16 || lengthBits < 1 || lengthBits > 128) {
    return js::throwError(isolate, "invalid AES-CTR counter");
  }
  // Blocks left before the counter part wraps, and the blocks the data needs.
  Bn low(BN_bin2bn(counter.data, 16, nullptr));
  Bn range(BN_new());
  Bn left(BN_new());
  Bn blocks(BN_new());
  if (!low || !range || !left || !blocks) return throwCryptoError(isolate, "AES-CTR failed");
  // Fails (leaving the number as it is) when it is already shorter than lengthBits.
  (void)BN_mask_bits(low.get(), lengthBits);
  BN_zero(range.get());
  BN_set_bit(range.get(), lengthBits);
  BN_sub(left.get(), range.get(), low.get());
  BN_set_word(blocks.get(), (data.size + 15) / 16);
  if (BN_cmp(blocks.get(), range.get()) > 0) {
    return js::throwError(isolate, "the data is too long for the AES-CTR counter length");
  }
  Bytes first = data, second{data.data, 0};
  if (BN_cmp(blocks.get(), left.get()) > 0) {
    size_t firstBytes = static_cast<size_t>(BN_get_word(left.get())) * 16;
    first.size = firstBytes;
    second = {data.data + firstBytes, data.size - firstBytes};
  }
  std::vector<unsigned char> out;
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, key.data, counter.data) != 1 ||
      !cipherRun(ctx.get(), first, out, true)) {
    return throwCryptoError(isolate, "AES-CTR failed");
  }
  if (second.size > 0) {
    // Continue from the counter block whose counter part is zero.
    unsigned char wrapped[16];
    for (int i = 0; i < 16; i++) {
      int bitsBelow = (15 - i) * 8;  // bits of the block to the right of byte i
      int bitsHere = lengthBits - bitsBelow;
      unsigned char mask = bitsHere >= 8 ? 0xff : bitsHere <= 0 ? 0 : static_cast<unsigned char>((1u << bitsHere) - 1);
      wrapped[i] = counter.data[i] & static_cast<unsigned char>(~mask);
    }
    CipherCtx ctx2(EVP_CIPHER_CTX_new());
    if (!ctx2 || EVP_EncryptInit_ex(ctx2.get(), cipher, nullptr, key.data, wrapped) != 1 ||
        !cipherRun(ctx2.get(), second, out, true)) {
      return throwCryptoError(isolate, "AES-CTR failed");
    }
  }
  returnBytes(info, out.data(), out.size());
}

// ops.cryptoAesKw(wrap, key, data) -> ArrayBuffer (RFC 3394)
void aesKw(const Info& info) {
  auto* isolate = info.GetIsolate();
  bool wrap = flag(info, 0);
  auto key = bytesArg(info[1]);
  auto data = bytesArg(info[2]);
  auto cipher = aesCipher(key.size, "WRAP");
  if (cipher == nullptr) return js::throwError(isolate, "invalid AES key length");
  if (data.size % 8 != 0 || data.size < (wrap ? 16u : 24u)) {
    return js::throwError(isolate, "AES-KW data must be a multiple of 8 bytes, at least 16");
  }
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return throwCryptoError(isolate, "AES-KW failed");
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  if (EVP_CipherInit_ex(ctx.get(), cipher, nullptr, key.data, nullptr, wrap) != 1) {
    return throwCryptoError(isolate, "AES-KW initialisation failed");
  }
  std::vector<unsigned char> out;
  if (!cipherRun(ctx.get(), data, out, true)) {
    ERR_clear_error();
    return js::throwError(isolate, wrap ? "AES-KW wrapping failed" : "the key could not be unwrapped (integrity check failed)");
  }
  returnBytes(info, out.data(), out.size());
}

// ops.cryptoPbkdf2(hash, password, salt, iterations, lengthBytes) -> ArrayBuffer
void pbkdf2(const Info& info) {
  auto md = digestArg(info, 0);
  if (md == nullptr) return;
  auto password = bytesArg(info[1]);
  auto salt = bytesArg(info[2]);
  double iterations = num(info, 3);
  double length = num(info, 4);
  if (iterations < 1 || iterations > 0x7fffffff || length < 0 || length > (1 << 30)) {
    return js::throwError(info.GetIsolate(), "invalid PBKDF2 parameters");
  }
  std::vector<unsigned char> out(static_cast<size_t>(length) + 1);
  if (length > 0 &&
      PKCS5_PBKDF2_HMAC(reinterpret_cast<const char*>(password.data), static_cast<int>(password.size),
                        salt.data, static_cast<int>(salt.size), static_cast<int>(iterations), md,
                        static_cast<int>(length), out.data()) != 1) {
    return throwCryptoError(info.GetIsolate(), "PBKDF2 failed");
  }
  returnBytes(info, out.data(), static_cast<size_t>(length));
}

// ops.cryptoHkdf(hash, key, salt, info, lengthBytes) -> ArrayBuffer
void hkdf(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto md = digestArg(info, 0);
  if (md == nullptr) return;
  auto key = bytesArg(info[1]);
  auto salt = bytesArg(info[2]);
  auto label = bytesArg(info[3]);
  double length = num(info, 4);
  if (length < 0 || length > 255.0 * EVP_MD_get_size(md)) {
    return js::throwError(isolate, "the HKDF output length is too large for the hash");
  }
  std::vector<unsigned char> out(static_cast<size_t>(length) + 1);
  if (length > 0) {
    EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
    EVP_KDF_CTX* kctx = kdf ? EVP_KDF_CTX_new(kdf) : nullptr;
    EVP_KDF_free(kdf);
    std::string mdName = EVP_MD_get0_name(md);
    OSSL_PARAM params[5];
    int n = 0;
    params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, mdName.data(), 0);
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<unsigned char*>(key.data), key.size);
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<unsigned char*>(salt.data), salt.size);
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<unsigned char*>(label.data), label.size);
    params[n] = OSSL_PARAM_construct_end();
    bool ok = kctx != nullptr && EVP_KDF_derive(kctx, out.data(), static_cast<size_t>(length), params) == 1;
    EVP_KDF_CTX_free(kctx);
    if (!ok) return throwCryptoError(isolate, "HKDF failed");
  }
  returnBytes(info, out.data(), static_cast<size_t>(length));
}

// ops.cryptoTimingSafeEqual(a, b) -> boolean (same lengths; compared in constant time)
void timingSafeEqual(const Info& info) {
  auto a = bytesArg(info[0]);
  auto b = bytesArg(info[1]);
  info.GetReturnValue().Set(a.size == b.size && CRYPTO_memcmp(a.data, b.data, a.size) == 0);
}

}  // namespace
}  // namespace crypto

void installCryptoOps(Worker& worker, v8::Local<v8::Object> ops) {
  using namespace crypto;
  setOp(worker, ops, "cryptoDigest", &digest);
  setOp(worker, ops, "cryptoDigestNew", &digestNew);
  setOp(worker, ops, "cryptoDigestUpdate", &digestUpdate);
  setOp(worker, ops, "cryptoDigestFinish", &digestFinish);
  setOp(worker, ops, "cryptoHmac", &hmac);
  setOp(worker, ops, "cryptoAesGcm", &aesGcm);
  setOp(worker, ops, "cryptoAesCbc", &aesCbc);
  setOp(worker, ops, "cryptoAesCtr", &aesCtr);
  setOp(worker, ops, "cryptoAesKw", &aesKw);
  setOp(worker, ops, "cryptoPbkdf2", &pbkdf2);
  setOp(worker, ops, "cryptoHkdf", &hkdf);
  setOp(worker, ops, "cryptoTimingSafeEqual", &timingSafeEqual);
  installAsymmetricOps(worker, ops);
}

}  // namespace colony::api
