// Native side of node:crypto (runtime/js/node_crypto.js) on OpenSSL 3: hashes and HMACs that can
// be fed piecewise (and copied), ciphers by OpenSSL name, PBKDF2/HKDF/scrypt with any digest, and
// asymmetric keys in every encoding Node accepts (PEM/DER; PKCS#1, SPKI, PKCS#8, SEC1; encrypted
// PEM and PKCS#8). Keys cross into JS as canonical DER: PKCS#8 for private, SPKI for public keys.
//
//   ops.nodeHashNew(name, xofLength) / nodeHashUpdate(h, bytes) / nodeHashDigest(h) / nodeHashCopy(h)
//   ops.nodeHmacNew(name, key) / nodeHmacUpdate(h, bytes) / nodeHmacDigest(h)
//   ops.nodeCipherNew(name, key, iv, encrypt, authTagLength) -> handle | throws
//   ops.nodeCipherUpdate(h, bytes) / nodeCipherFinal(h) / nodeCipherSetAAD(h, bytes, plaintextLength)
//   ops.nodeCipherSetAuthTag(h, bytes) / nodeCipherGetAuthTag(h) / nodeCipherSetAutoPadding(h, on)
//   ops.nodeCipherInfo(name) -> {keyLength, ivLength, blockSize, mode} | undefined
//   ops.nodePbkdf2(password, salt, iterations, keylen, digest)
//   ops.nodeHkdf(digest, ikm, salt, info, keylen)   ops.nodeScrypt(password, salt, N, r, p, maxmem, keylen)
//   ops.nodeKeyParse(bytes, format, type, wantPrivate, passphrase) -> {der, isPrivate, kind, ...}
//   ops.nodeKeyExport(der, isPrivate, format, type, cipher, passphrase) -> bytes
//   ops.nodeKeyGenerate(kind, modulusLength, publicExponent, namedCurve) -> [pkcs8, spki]
//   ops.nodeSign(digest, pkcs8, data, padding, saltLength, p1363) / nodeVerify(..., spki, data, sig)
//   ops.nodeKeyEquals(derA, derB, isPrivate) -> bool
//   ops.nodeEcdhGenerate(curve) -> [private, uncompressedPublic]
//   ops.nodeEcdhPublic(curve, private) -> uncompressedPublic | throws for a key outside the curve
//   ops.nodeEcdhCompute(curve, private, peerPoint) -> shared secret (the x coordinate)
//   ops.nodeDhGroup(name) -> the group's prime | undefined; ops.nodeDhPrime(bits) -> a safe prime
//   ops.nodeDhKeys(prime, generator, private | undefined) -> [private, public]
//   ops.nodeDhCompute(prime, private, peerPublic) -> shared secret, as long as the prime
//   ops.nodeEcPointConvert(curve, point, form) -> the point re-encoded (POINT_CONVERSION_*)
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include "runtime/api/crypto_util.h"
#include "runtime/api/native_handle.h"
#include "runtime/api/ops.h"
#include "runtime/js_util.h"
#include "runtime/worker.h"

namespace colony::api {

namespace {

using Info = v8::FunctionCallbackInfo<v8::Value>;
using crypto::Bytes;
using crypto::bytesArg;
using crypto::set;
using crypto::throwCryptoError;

std::string text(const Info& info, int i) { return js::toStdString(info.GetIsolate(), info[i]); }
double num(const Info& info, int i) {
  return info[i]->NumberValue(info.GetIsolate()->GetCurrentContext()).FromMaybe(0);
}
void returnBytes(const Info& info, const unsigned char* data, size_t size) {
  info.GetReturnValue().Set(js::newBytes(info.GetIsolate(), kj::arrayPtr(data, size)));
}
void returnBytes(const Info& info, const std::vector<unsigned char>& v) { returnBytes(info, v.data(), v.size()); }

const EVP_MD* mdByName(const std::string& name) {
  if (name.empty()) return nullptr;
  return EVP_get_digestbyname(name.c_str());
}

// ---- hashes --------------------------------------------------------------------------------------

const HandleKind kHashHandle{"node hash"};
struct HashState {
  crypto::MdCtx ctx;
  size_t xofLength = 0;  // requested output length of an XOF (shake), 0 for the default
};

void hashNew(const Info& info) {
  auto* isolate = info.GetIsolate();
  const EVP_MD* md = mdByName(text(info, 0));
  if (md == nullptr) return js::throwError(isolate, "Digest method not supported");
  HashState state;
  state.ctx.reset(EVP_MD_CTX_new());
  if (!state.ctx || EVP_DigestInit_ex(state.ctx.get(), md, nullptr) != 1) {
    return throwCryptoError(isolate, "Digest method not supported");
  }
  if (info[1]->IsNumber()) {
    size_t len = static_cast<size_t>(num(info, 1));
    bool xof = (EVP_MD_get_flags(md) & EVP_MD_FLAG_XOF) != 0;
    if (!xof && len != static_cast<size_t>(EVP_MD_get_size(md))) {
      return js::throwError(isolate, "Invalid XOF digest length");
    }
    if (xof) state.xofLength = len;
  }
  info.GetReturnValue().Set(wrapHandle(Worker::from(isolate), kHashHandle, std::move(state)));
}

// The state behind the handle in info[0] while its OpenSSL context is live; otherwise throws
// `finished` (the context is released once the digest or final block was taken) and answers null.
template <typename State>
State* liveState(const Info& info, const HandleKind& kind, const char* finished) {
  auto* state = unwrapHandle<State>(info[0], kind);
  if (state == nullptr || !state->ctx) {
    js::throwError(info.GetIsolate(), finished);
    return nullptr;
  }
  return state;
}

HashState* hashArg(const Info& info) {
  return liveState<HashState>(info, kHashHandle, "Digest already called");
}

void hashUpdate(const Info& info) {
  auto* h = hashArg(info);
  if (h == nullptr) return;
  auto data = bytesArg(info[1]);
  if (EVP_DigestUpdate(h->ctx.get(), data.data, data.size) != 1) throwCryptoError(info.GetIsolate(), "Hash update failed");
}

void hashDigest(const Info& info) {
  auto* h = hashArg(info);
  if (h == nullptr) return;
  const EVP_MD* md = EVP_MD_CTX_get0_md(h->ctx.get());
  bool xof = (EVP_MD_get_flags(md) & EVP_MD_FLAG_XOF) != 0;
  std::vector<unsigned char> out;
  if (xof) {
    size_t len = h->xofLength != 0 ? h->xofLength : static_cast<size_t>(EVP_MD_get_size(md));
    out.resize(len);
    if (len > 0 && EVP_DigestFinalXOF(h->ctx.get(), out.data(), len) != 1) {
      return throwCryptoError(info.GetIsolate(), "Hash digest failed");
    }
  } else {
    unsigned int len = 0;
    out.resize(EVP_MAX_MD_SIZE);
    if (EVP_DigestFinal_ex(h->ctx.get(), out.data(), &len) != 1) return throwCryptoError(info.GetIsolate(), "Hash digest failed");
    out.resize(len);
  }
  h->ctx.reset();
  returnBytes(info, out);
}

void hashCopy(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto* h = hashArg(info);
  if (h == nullptr) return;
  HashState copy;
  copy.ctx.reset(EVP_MD_CTX_new());
  copy.xofLength = info[1]->IsNumber() ? static_cast<size_t>(num(info, 1)) : h->xofLength;
  if (!copy.ctx || EVP_MD_CTX_copy_ex(copy.ctx.get(), h->ctx.get()) != 1) return throwCryptoError(isolate, "Hash copy failed");
  info.GetReturnValue().Set(wrapHandle(Worker::from(isolate), kHashHandle, std::move(copy)));
}

// ---- HMAC ----------------------------------------------------------------------------------------

struct MacCtxFree { void operator()(EVP_MAC_CTX* p) const { EVP_MAC_CTX_free(p); } };
const HandleKind kHmacHandle{"node hmac"};
struct HmacState { std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx; };

void hmacNew(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto name = text(info, 0);
  const EVP_MD* md = mdByName(name);
  if (md == nullptr) return js::throwError(isolate, "Invalid digest: " + name);
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  HmacState state;
  state.ctx.reset(mac != nullptr ? EVP_MAC_CTX_new(mac) : nullptr);
  EVP_MAC_free(mac);
  std::string mdName = EVP_MD_get0_name(md);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, mdName.data(), 0),
      OSSL_PARAM_construct_end(),
  };
  auto key = bytesArg(info[1]);
  if (!state.ctx || EVP_MAC_init(state.ctx.get(), key.data, key.size, params) != 1) {
    return throwCryptoError(isolate, "HMAC initialisation failed");
  }
  info.GetReturnValue().Set(wrapHandle(Worker::from(isolate), kHmacHandle, std::move(state)));
}

HmacState* hmacArg(const Info& info) {
  return liveState<HmacState>(info, kHmacHandle, "Digest already called");
}

void hmacUpdate(const Info& info) {
  auto* h = hmacArg(info);
  if (h == nullptr) return;
  auto data = bytesArg(info[1]);
  if (EVP_MAC_update(h->ctx.get(), data.data, data.size) != 1) throwCryptoError(info.GetIsolate(), "HMAC update failed");
}

void hmacDigest(const Info& info) {
  auto* h = hmacArg(info);
  if (h == nullptr) return;
  std::vector<unsigned char> out(EVP_MAX_MD_SIZE);
  size_t len = 0;
  if (EVP_MAC_final(h->ctx.get(), out.data(), &len, out.size()) != 1) return throwCryptoError(info.GetIsolate(), "HMAC failed");
  out.resize(len);
  h->ctx.reset();
  returnBytes(info, out);
}

// ---- ciphers -------------------------------------------------------------------------------------

const HandleKind kCipherHandle{"node cipher"};
struct CipherState {
  crypto::CipherCtx ctx;
  bool encrypt = true;
  bool aead = false;
  int mode = 0;
  int authTagLength = 16;
  std::vector<unsigned char> tag;
  bool finalized = false;
};

void cipherInfo(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto name = text(info, 0);
  const EVP_CIPHER* c = EVP_get_cipherbyname(name.c_str());
  if (c == nullptr) return;
  auto obj = v8::Object::New(isolate);
  set(isolate, obj, "keyLength", v8::Integer::New(isolate, EVP_CIPHER_get_key_length(c)));
  set(isolate, obj, "ivLength", v8::Integer::New(isolate, EVP_CIPHER_get_iv_length(c)));
  set(isolate, obj, "blockSize", v8::Integer::New(isolate, EVP_CIPHER_get_block_size(c)));
  const char* mode = "";
  switch (EVP_CIPHER_get_mode(c)) {
    case EVP_CIPH_CBC_MODE: mode = "cbc"; break;
    case EVP_CIPH_ECB_MODE: mode = "ecb"; break;
    case EVP_CIPH_CTR_MODE: mode = "ctr"; break;
    case EVP_CIPH_GCM_MODE: mode = "gcm"; break;
    case EVP_CIPH_CCM_MODE: mode = "ccm"; break;
    case EVP_CIPH_OCB_MODE: mode = "ocb"; break;
    case EVP_CIPH_CFB_MODE: mode = "cfb"; break;
    case EVP_CIPH_OFB_MODE: mode = "ofb"; break;
    case EVP_CIPH_XTS_MODE: mode = "xts"; break;
    case EVP_CIPH_WRAP_MODE: mode = "wrap"; break;
    default: mode = "stream"; break;
  }
  set(isolate, obj, "mode", js::str(isolate, mode));
  set(isolate, obj, "name", js::str(isolate, EVP_CIPHER_get0_name(c)));
  set(isolate, obj, "nid", v8::Integer::New(isolate, EVP_CIPHER_get_nid(c)));
  info.GetReturnValue().Set(obj);
}

void cipherNew(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto name = text(info, 0);
  const EVP_CIPHER* c = EVP_get_cipherbyname(name.c_str());
  if (c == nullptr) return js::throwError(isolate, "Unknown cipher");
  auto key = bytesArg(info[1]);
  bool hasIv = !info[2]->IsNull() && !info[2]->IsUndefined();
  auto iv = bytesArg(info[2]);
  CipherState state;
  state.encrypt = info[3]->BooleanValue(isolate);
  state.mode = EVP_CIPHER_get_mode(c);
  state.aead = (EVP_CIPHER_get_flags(c) & EVP_CIPH_FLAG_AEAD_CIPHER) != 0;
  if (info[4]->IsNumber()) state.authTagLength = static_cast<int>(num(info, 4));
  if (static_cast<int>(key.size) != EVP_CIPHER_get_key_length(c)) return js::throwError(isolate, "Invalid key length");
  int expectIv = EVP_CIPHER_get_iv_length(c);
  if (!state.aead && ((expectIv == 0 && hasIv && iv.size != 0) || (expectIv != 0 && static_cast<int>(iv.size) != expectIv))) {
    return js::throwError(isolate, "Invalid initialization vector");
  }
  if (state.aead && iv.size == 0) return js::throwError(isolate, "Invalid initialization vector");
  state.ctx.reset(EVP_CIPHER_CTX_new());
  if (!state.ctx || EVP_CipherInit_ex(state.ctx.get(), c, nullptr, nullptr, nullptr, state.encrypt ? 1 : 0) != 1) {
    return throwCryptoError(isolate, "Cipher initialisation failed");
  }
  if (state.aead && static_cast<int>(iv.size) != expectIv) {
    if (EVP_CIPHER_CTX_ctrl(state.ctx.get(), EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(iv.size), nullptr) != 1) {
      return js::throwError(isolate, "Invalid initialization vector");
    }
  }
  if (state.mode == EVP_CIPH_CCM_MODE || state.mode == EVP_CIPH_OCB_MODE) {
    EVP_CIPHER_CTX_ctrl(state.ctx.get(), EVP_CTRL_AEAD_SET_TAG, state.authTagLength, nullptr);
  }
  if (EVP_CipherInit_ex(state.ctx.get(), nullptr, nullptr, key.data, expectIv || state.aead ? iv.data : nullptr,
                        state.encrypt ? 1 : 0) != 1) {
    return throwCryptoError(isolate, "Cipher initialisation failed");
  }
  info.GetReturnValue().Set(wrapHandle(Worker::from(isolate), kCipherHandle, std::move(state)));
}

CipherState* cipherArg(const Info& info) {
  return liveState<CipherState>(info, kCipherHandle, "Unsupported state");
}

void cipherUpdate(const Info& info) {
  auto* c = cipherArg(info);
  if (c == nullptr) return;
  auto data = bytesArg(info[1]);
  std::vector<unsigned char> out(data.size + EVP_MAX_BLOCK_LENGTH);
  int len = 0;
  if (EVP_CipherUpdate(c->ctx.get(), out.data(), &len, data.data, static_cast<int>(data.size)) != 1) {
    return throwCryptoError(info.GetIsolate(), "Trying to add data in unsupported state");
  }
  out.resize(len);
  returnBytes(info, out);
}

void cipherFinal(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto* c = cipherArg(info);
  if (c == nullptr) return;
  if (c->aead && !c->encrypt && c->mode != EVP_CIPH_CCM_MODE) {
    if (c->tag.empty()) {
      c->ctx.reset();
      return js::throwError(isolate, "Unsupported state or unable to authenticate data");
    }
  }
  std::vector<unsigned char> out(EVP_MAX_BLOCK_LENGTH);
  int len = 0;
  int ok = EVP_CipherFinal_ex(c->ctx.get(), out.data(), &len);
  if (ok != 1) {
    bool auth = c->aead && !c->encrypt;
    ERR_clear_error();
    c->ctx.reset();
    if (auth) return js::throwError(isolate, "Unsupported state or unable to authenticate data");
    return js::throwError(isolate, c->encrypt ? "wrong final block length" : "bad decrypt");
  }
  out.resize(len);
  if (c->aead && c->encrypt) {
    c->tag.resize(c->authTagLength);
    if (EVP_CIPHER_CTX_ctrl(c->ctx.get(), EVP_CTRL_AEAD_GET_TAG, c->authTagLength, c->tag.data()) != 1) {
      c->tag.clear();
    }
  }
  c->finalized = true;
  c->ctx.reset();
  returnBytes(info, out);
}

void cipherSetAAD(const Info& info) {
  auto* c = cipherArg(info);
  if (c == nullptr) return;
  auto data = bytesArg(info[1]);
  int len = 0;
  if (c->mode == EVP_CIPH_CCM_MODE && info[2]->IsNumber()) {
    if (EVP_CipherUpdate(c->ctx.get(), nullptr, &len, nullptr, static_cast<int>(num(info, 2))) != 1) {
      return throwCryptoError(info.GetIsolate(), "Invalid message length");
    }
  }
  if (!c->aead || EVP_CipherUpdate(c->ctx.get(), nullptr, &len, data.data, static_cast<int>(data.size)) != 1) {
    return throwCryptoError(info.GetIsolate(), "Attempting to set AAD in unsupported state");
  }
  info.GetReturnValue().Set(true);
}

void cipherSetAuthTag(const Info& info) {
  auto* c = cipherArg(info);
  if (c == nullptr) return;
  auto tag = bytesArg(info[1]);
  if (!c->aead || c->encrypt || !c->tag.empty()) return js::throwError(info.GetIsolate(), "Invalid state for operation setAuthTag");
  c->tag.assign(tag.data, tag.data + tag.size);
  if (EVP_CIPHER_CTX_ctrl(c->ctx.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(tag.size), c->tag.data()) != 1) {
    return throwCryptoError(info.GetIsolate(), "Invalid authentication tag");
  }
  info.GetReturnValue().Set(true);
}

void cipherGetAuthTag(const Info& info) {
  auto* c = unwrapHandle<CipherState>(info[0], kCipherHandle);
  if (c == nullptr || !c->encrypt || !c->finalized || c->tag.empty()) {
    return js::throwError(info.GetIsolate(), "Invalid state for operation getAuthTag");
  }
  returnBytes(info, c->tag);
}

void cipherSetAutoPadding(const Info& info) {
  auto* c = cipherArg(info);
  if (c == nullptr) return;
  EVP_CIPHER_CTX_set_padding(c->ctx.get(), info[1]->BooleanValue(info.GetIsolate()) ? 1 : 0);
}

// ---- key derivation ------------------------------------------------------------------------------

void pbkdf2(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto password = bytesArg(info[0]);
  auto salt = bytesArg(info[1]);
  int iterations = static_cast<int>(num(info, 2));
  size_t keylen = static_cast<size_t>(num(info, 3));
  auto name = text(info, 4);
  const EVP_MD* md = mdByName(name);
  if (md == nullptr) return js::throwError(isolate, "Invalid digest: " + name);
  std::vector<unsigned char> out(keylen);
  if (PKCS5_PBKDF2_HMAC(reinterpret_cast<const char*>(password.data), static_cast<int>(password.size), salt.data,
                        static_cast<int>(salt.size), iterations, md, static_cast<int>(keylen), out.data()) != 1) {
    return throwCryptoError(isolate, "PBKDF2 failed");
  }
  returnBytes(info, out);
}

void hkdf(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto name = text(info, 0);
  const EVP_MD* md = mdByName(name);
  if (md == nullptr) return js::throwError(isolate, "Invalid digest: " + name);
  auto ikm = bytesArg(info[1]);
  auto salt = bytesArg(info[2]);
  auto infoBytes = bytesArg(info[3]);
  size_t keylen = static_cast<size_t>(num(info, 4));
  std::vector<unsigned char> out(keylen);
  crypto::PkeyCtx ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) <= 0 || EVP_PKEY_CTX_set_hkdf_md(ctx.get(), md) <= 0 ||
      EVP_PKEY_CTX_set1_hkdf_salt(ctx.get(), salt.data, static_cast<int>(salt.size)) <= 0 ||
      EVP_PKEY_CTX_set1_hkdf_key(ctx.get(), ikm.data, static_cast<int>(ikm.size)) <= 0 ||
      EVP_PKEY_CTX_add1_hkdf_info(ctx.get(), infoBytes.data, static_cast<int>(infoBytes.size)) <= 0 ||
      EVP_PKEY_derive(ctx.get(), out.data(), &keylen) <= 0) {
    return throwCryptoError(isolate, "HKDF failed");
  }
  returnBytes(info, out);
}

void scrypt(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto password = bytesArg(info[0]);
  auto salt = bytesArg(info[1]);
  uint64_t n = static_cast<uint64_t>(num(info, 2));
  uint64_t r = static_cast<uint64_t>(num(info, 3));
  uint64_t p = static_cast<uint64_t>(num(info, 4));
  uint64_t maxmem = static_cast<uint64_t>(num(info, 5));
  size_t keylen = static_cast<size_t>(num(info, 6));
  std::vector<unsigned char> out(keylen);
  if (EVP_PBE_scrypt(reinterpret_cast<const char*>(password.data), password.size, salt.data, salt.size, n, r, p,
                     maxmem, out.data(), keylen) != 1) {
    return throwCryptoError(isolate, "Invalid scrypt params");
  }
  returnBytes(info, out);
}

// ---- asymmetric keys -----------------------------------------------------------------------------

std::vector<unsigned char> derOf(EVP_PKEY* pkey, bool isPrivate) {
  std::vector<unsigned char> out;
  unsigned char* buf = nullptr;
  int len;
  if (isPrivate) {
    PKCS8_PRIV_KEY_INFO* p8 = EVP_PKEY2PKCS8(pkey);
    if (p8 == nullptr) return out;
    len = i2d_PKCS8_PRIV_KEY_INFO(p8, &buf);
    PKCS8_PRIV_KEY_INFO_free(p8);
  } else {
    len = i2d_PUBKEY(pkey, &buf);
  }
  if (len > 0) out.assign(buf, buf + len);
  OPENSSL_clear_free(buf, len > 0 ? len : 0);
  return out;
}

crypto::Pkey fromDer(Bytes der, bool isPrivate) {
  const unsigned char* p = der.data;
  if (isPrivate) {
    PKCS8_PRIV_KEY_INFO* p8 = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size));
    if (p8 == nullptr) return nullptr;
    crypto::Pkey pkey(EVP_PKCS82PKEY(p8));
    PKCS8_PRIV_KEY_INFO_free(p8);
    return pkey;
  }
  return crypto::Pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size)));
}

const char* kindName(EVP_PKEY* pkey) {
  switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_RSA: return "rsa";
    case EVP_PKEY_RSA_PSS: return "rsa-pss";
    case EVP_PKEY_EC: return "ec";
    case EVP_PKEY_ED25519: return "ed25519";
    case EVP_PKEY_ED448: return "ed448";
    case EVP_PKEY_X25519: return "x25519";
    case EVP_PKEY_X448: return "x448";
    case EVP_PKEY_DSA: return "dsa";
    case EVP_PKEY_DH: return "dh";
    default: return "";
  }
}

// Details Node reports in asymmetricKeyDetails.
void describe(v8::Isolate* isolate, v8::Local<v8::Object> obj, EVP_PKEY* pkey) {
  set(isolate, obj, "kind", js::str(isolate, kindName(pkey)));
  int id = EVP_PKEY_get_base_id(pkey);
  if (id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS) {
    set(isolate, obj, "modulusLength", v8::Integer::New(isolate, EVP_PKEY_get_bits(pkey)));
    BIGNUM* e = nullptr;
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) == 1) {
      std::vector<unsigned char> eb(BN_num_bytes(e));
      BN_bn2bin(e, eb.data());
      BN_free(e);
      set(isolate, obj, "publicExponent", js::newBytes(isolate, kj::arrayPtr(eb.data(), eb.size())));
    }
  } else if (id == EVP_PKEY_EC) {
    char curve[64] = {0};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof(curve), &len) == 1) {
      int nid = OBJ_sn2nid(curve);
      const char* name = nid != NID_undef ? OBJ_nid2sn(nid) : curve;
      // Node names NIST P-256 "prime256v1" (its OpenSSL short name).
      set(isolate, obj, "namedCurve", js::str(isolate, name));
    }
  }
}

void keyParse(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto data = bytesArg(info[0]);
  auto format = text(info, 1);      // "pem" | "der"
  auto type = text(info, 2);        // "pkcs1" | "spki" | "pkcs8" | "sec1" | ""
  bool wantPrivate = info[3]->BooleanValue(isolate);
  bool hasPass = info[4]->IsArrayBufferView() || info[4]->IsArrayBuffer();
  auto pass = bytesArg(info[4]);

  // OpenSSL's decoders recognise the structure (PKCS#1, SPKI, PKCS#8, SEC1) by themselves. A
  // public-key request also accepts a private key and keeps its public half, as Node does.
  (void)type;
  EVP_PKEY* pkey = nullptr;
  bool isPrivate = wantPrivate;
  const int privateOnly[] = {EVP_PKEY_KEYPAIR};
  const int publicFirst[] = {EVP_PKEY_PUBLIC_KEY, EVP_PKEY_KEYPAIR};
  auto selections = wantPrivate ? kj::arrayPtr(privateOnly, 1) : kj::arrayPtr(publicFirst, 2);
  for (int sel : selections) {
    OSSL_DECODER_CTX* dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, format == "pem" ? "PEM" : "DER", nullptr,
                                                           nullptr, sel, nullptr, nullptr);
    if (dctx == nullptr) continue;
    if (hasPass) OSSL_DECODER_CTX_set_passphrase(dctx, pass.data, pass.size);
    const unsigned char* p = data.data;
    size_t left = data.size;
    int ok = OSSL_DECODER_from_data(dctx, &p, &left);
    OSSL_DECODER_CTX_free(dctx);
    if (ok == 1 && pkey != nullptr) break;
  }
  ERR_clear_error();
  if (pkey == nullptr) {
    if (!hasPass && format == "pem") {
      std::string s(reinterpret_cast<const char*>(data.data), data.size);
      if (s.find("ENCRYPTED") != std::string::npos) {
        return js::throwTypeError(isolate, "Passphrase required for encrypted key");
      }
    }
    return js::throwError(isolate, "error:1E08010C:DECODER routines::unsupported");
  }
  crypto::Pkey owned(pkey);
  auto der = derOf(pkey, isPrivate);
  auto obj = v8::Object::New(isolate);
  set(isolate, obj, "der", js::newBytes(isolate, kj::arrayPtr(der.data(), der.size())));
  set(isolate, obj, "isPrivate", v8::Boolean::New(isolate, isPrivate));
  if (isPrivate) {
    auto pub = derOf(pkey, false);
    set(isolate, obj, "publicDer", js::newBytes(isolate, kj::arrayPtr(pub.data(), pub.size())));
  }
  describe(isolate, obj, pkey);
  info.GetReturnValue().Set(obj);
}

// Public details of canonical DER (the JS side keeps them with its KeyObject).
void keyDetails(const Info& info) {
  auto* isolate = info.GetIsolate();
  bool isPrivate = info[1]->BooleanValue(isolate);
  auto pkey = fromDer(bytesArg(info[0]), isPrivate);
  if (!pkey) return throwCryptoError(isolate, "invalid key data");
  auto obj = v8::Object::New(isolate);
  if (isPrivate) {
    auto pub = derOf(pkey.get(), false);
    set(isolate, obj, "publicDer", js::newBytes(isolate, kj::arrayPtr(pub.data(), pub.size())));
  }
  describe(isolate, obj, pkey.get());
  info.GetReturnValue().Set(obj);
}

void keyExport(const Info& info) {
  auto* isolate = info.GetIsolate();
  bool isPrivate = info[1]->BooleanValue(isolate);
  auto pkey = fromDer(bytesArg(info[0]), isPrivate);
  if (!pkey) return throwCryptoError(isolate, "invalid key data");
  auto format = text(info, 2);
  auto type = text(info, 3);
  std::string cipher = info[4]->IsString() ? text(info, 4) : "";
  bool hasPass = info[5]->IsArrayBufferView() || info[5]->IsArrayBuffer();
  auto pass = bytesArg(info[5]);

  const char* structure = type == "pkcs8" ? (cipher.empty() ? "PrivateKeyInfo" : "EncryptedPrivateKeyInfo")
                        : type == "spki" ? "SubjectPublicKeyInfo" : "type-specific";
  int selection = isPrivate ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
  OSSL_ENCODER_CTX* ectx = OSSL_ENCODER_CTX_new_for_pkey(pkey.get(), selection, format == "pem" ? "PEM" : "DER",
                                                         structure, nullptr);
  if (ectx == nullptr || OSSL_ENCODER_CTX_get_num_encoders(ectx) == 0) {
    OSSL_ENCODER_CTX_free(ectx);
    return js::throwError(isolate, "Unsupported key encoding");
  }
  if (!cipher.empty()) {
    if (OSSL_ENCODER_CTX_set_cipher(ectx, cipher.c_str(), nullptr) != 1 ||
        OSSL_ENCODER_CTX_set_passphrase(ectx, hasPass ? pass.data : nullptr, hasPass ? pass.size : 0) != 1) {
      OSSL_ENCODER_CTX_free(ectx);
      return throwCryptoError(isolate, "Unknown cipher");
    }
  }
  unsigned char* out = nullptr;
  size_t len = 0;
  int ok = OSSL_ENCODER_to_data(ectx, &out, &len);
  OSSL_ENCODER_CTX_free(ectx);
  if (ok != 1) return throwCryptoError(isolate, "Key export failed");
  returnBytes(info, out, len);
  OPENSSL_clear_free(out, len);
}

void keyGenerate(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto kind = text(info, 0);
  EVP_PKEY* pkey = nullptr;
  if (kind == "rsa" || kind == "rsa-pss") {
    crypto::PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, kind == "rsa" ? "RSA" : "RSA-PSS", nullptr));
    unsigned int bits = static_cast<unsigned int>(num(info, 1));
    crypto::Bn e(BN_new());
    BN_set_word(e.get(), static_cast<BN_ULONG>(num(info, 2)));
    if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 || EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), static_cast<int>(bits)) <= 0 ||
        EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx.get(), e.get()) <= 0 || EVP_PKEY_keygen(ctx.get(), &pkey) <= 0) {
      return throwCryptoError(isolate, "RSA key generation failed");
    }
  } else if (kind == "ec") {
    auto curve = text(info, 3);
    int nid = OBJ_sn2nid(curve.c_str());
    if (nid == NID_undef) nid = EC_curve_nist2nid(curve.c_str());
    if (nid == NID_undef) return js::throwTypeError(isolate, "Invalid EC curve name");
    crypto::PkeyCtx ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nullptr));
    if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 || EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx.get(), nid) <= 0 ||
        EVP_PKEY_CTX_set_ec_param_enc(ctx.get(), OPENSSL_EC_NAMED_CURVE) <= 0 || EVP_PKEY_keygen(ctx.get(), &pkey) <= 0) {
      return throwCryptoError(isolate, "EC key generation failed");
    }
  } else if (kind == "ed25519" || kind == "x25519" || kind == "ed448" || kind == "x448") {
    const char* name = kind == "ed25519" ? "ED25519" : kind == "x25519" ? "X25519" : kind == "ed448" ? "ED448" : "X448";
    pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, name);
    if (pkey == nullptr) return throwCryptoError(isolate, "key generation failed");
  } else {
    return js::throwError(isolate, "Unsupported key type");
  }
  crypto::Pkey owned(pkey);
  auto priv = derOf(pkey, true);
  auto pub = derOf(pkey, false);
  v8::Local<v8::Value> parts[] = {js::newBytes(isolate, kj::arrayPtr(priv.data(), priv.size())),
                                  js::newBytes(isolate, kj::arrayPtr(pub.data(), pub.size()))};
  info.GetReturnValue().Set(v8::Array::New(isolate, parts, 2));
}

// ECDSA signatures as r||s (IEEE P1363) to and from DER.
std::vector<unsigned char> derToP1363(const std::vector<unsigned char>& der, size_t n) {
  const unsigned char* p = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  std::vector<unsigned char> out;
  if (sig == nullptr) return out;
  out.resize(2 * n);
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), out.data(), static_cast<int>(n));
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), out.data() + n, static_cast<int>(n));
  ECDSA_SIG_free(sig);
  return out;
}
std::vector<unsigned char> p1363ToDer(Bytes raw) {
  std::vector<unsigned char> out;
  if (raw.size == 0 || raw.size % 2 != 0) return out;
  size_t n = raw.size / 2;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(raw.data, static_cast<int>(n), nullptr), BN_bin2bn(raw.data + n, static_cast<int>(n), nullptr));
  unsigned char* buf = nullptr;
  int len = i2d_ECDSA_SIG(sig, &buf);
  if (len > 0) out.assign(buf, buf + len);
  OPENSSL_free(buf);
  ECDSA_SIG_free(sig);
  return out;
}
size_t ecOrderBytes(EVP_PKEY* pkey) { return static_cast<size_t>((EVP_PKEY_get_bits(pkey) + 7) / 8); }

bool setupPadding(EVP_PKEY_CTX* pctx, EVP_PKEY* pkey, const Info& info, int paddingArg) {
  int id = EVP_PKEY_get_base_id(pkey);
  if (id != EVP_PKEY_RSA && id != EVP_PKEY_RSA_PSS) return true;
  if (info[paddingArg]->IsNumber()) {
    int padding = static_cast<int>(num(info, paddingArg));
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, padding) <= 0) return false;
    if (padding == RSA_PKCS1_PSS_PADDING && info[paddingArg + 1]->IsNumber()) {
      if (EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, static_cast<int>(num(info, paddingArg + 1))) <= 0) return false;
    }
  } else if (id == EVP_PKEY_RSA_PSS && info[paddingArg + 1]->IsNumber()) {
    if (EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, static_cast<int>(num(info, paddingArg + 1))) <= 0) return false;
  }
  return true;
}

// nodeSign(digest, pkcs8, data, padding, saltLength, p1363)
void sign(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto digestName = info[0]->IsString() ? text(info, 0) : "";
  auto pkey = fromDer(bytesArg(info[1]), true);
  if (!pkey) return throwCryptoError(isolate, "invalid private key");
  const EVP_MD* md = nullptr;
  if (!digestName.empty()) {
    md = mdByName(digestName);
    if (md == nullptr) return js::throwError(isolate, "Invalid digest: " + digestName);
  }
  auto data = bytesArg(info[2]);
  crypto::MdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, pkey.get()) != 1 || !setupPadding(pctx, pkey.get(), info, 3)) {
    return throwCryptoError(isolate, "Signing failed");
  }
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, data.data, data.size) != 1) return throwCryptoError(isolate, "Signing failed");
  std::vector<unsigned char> sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, data.data, data.size) != 1) return throwCryptoError(isolate, "Signing failed");
  sig.resize(len);
  if (info[5]->BooleanValue(isolate) && EVP_PKEY_get_base_id(pkey.get()) == EVP_PKEY_EC) {
    sig = derToP1363(sig, ecOrderBytes(pkey.get()));
  }
  returnBytes(info, sig);
}

// nodeVerify(digest, spki, data, padding, saltLength, p1363, signature)
void verify(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto digestName = info[0]->IsString() ? text(info, 0) : "";
  auto pkey = fromDer(bytesArg(info[1]), false);
  if (!pkey) return throwCryptoError(isolate, "invalid public key");
  const EVP_MD* md = nullptr;
  if (!digestName.empty()) {
    md = mdByName(digestName);
    if (md == nullptr) return js::throwError(isolate, "Invalid digest: " + digestName);
  }
  auto data = bytesArg(info[2]);
  auto sigArg = bytesArg(info[6]);
  std::vector<unsigned char> sig(sigArg.data, sigArg.data + sigArg.size);
  if (info[5]->BooleanValue(isolate) && EVP_PKEY_get_base_id(pkey.get()) == EVP_PKEY_EC) {
    if (sigArg.size != 2 * ecOrderBytes(pkey.get())) {
      info.GetReturnValue().Set(false);
      return;
    }
    sig = p1363ToDer(sigArg);
  }
  crypto::MdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, pkey.get()) != 1 || !setupPadding(pctx, pkey.get(), info, 3)) {
    return throwCryptoError(isolate, "Verification failed");
  }
  int ok = EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), data.data, data.size);
  ERR_clear_error();
  info.GetReturnValue().Set(ok == 1);
}

// nodeRsaCrypt(der, isPrivate, encrypt, padding, oaepHash, label, data)
void rsaCrypt(const Info& info) {
  auto* isolate = info.GetIsolate();
  bool isPrivate = info[1]->BooleanValue(isolate);
  bool encrypt = info[2]->BooleanValue(isolate);
  auto pkey = fromDer(bytesArg(info[0]), isPrivate);
  if (!pkey) return throwCryptoError(isolate, "invalid key");
  int padding = static_cast<int>(num(info, 3));
  auto data = bytesArg(info[6]);
  crypto::PkeyCtx ctx(EVP_PKEY_CTX_new(pkey.get(), nullptr));
  bool useSign = isPrivate && encrypt;      // privateEncrypt
  bool useRecover = !isPrivate && !encrypt;  // publicDecrypt
  int rc = useSign ? EVP_PKEY_sign_init(ctx.get()) : useRecover ? EVP_PKEY_verify_recover_init(ctx.get())
         : encrypt ? EVP_PKEY_encrypt_init(ctx.get()) : EVP_PKEY_decrypt_init(ctx.get());
  if (rc <= 0 || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), padding) <= 0) return throwCryptoError(isolate, "RSA setup failed");
  if (padding == RSA_PKCS1_OAEP_PADDING) {
    const EVP_MD* md = mdByName(info[4]->IsString() ? text(info, 4) : "sha1");
    if (md == nullptr || EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), md) <= 0) return throwCryptoError(isolate, "Invalid OAEP hash");
    if (info[5]->IsArrayBufferView()) {
      auto label = bytesArg(info[5]);
      if (label.size > 0) {
        auto* copy = static_cast<unsigned char*>(OPENSSL_memdup(label.data, label.size));
        if (EVP_PKEY_CTX_set0_rsa_oaep_label(ctx.get(), copy, static_cast<int>(label.size)) <= 0) {
          OPENSSL_free(copy);
          return throwCryptoError(isolate, "Invalid OAEP label");
        }
      }
    }
  }
  size_t len = 0;
  auto run = [&](unsigned char* out) {
    if (useSign) return EVP_PKEY_sign(ctx.get(), out, &len, data.data, data.size);
    if (useRecover) return EVP_PKEY_verify_recover(ctx.get(), out, &len, data.data, data.size);
    return encrypt ? EVP_PKEY_encrypt(ctx.get(), out, &len, data.data, data.size)
                   : EVP_PKEY_decrypt(ctx.get(), out, &len, data.data, data.size);
  };
  if (run(nullptr) <= 0) return throwCryptoError(isolate, encrypt ? "RSA encryption failed" : "RSA decryption failed");
  std::vector<unsigned char> out(len);
  if (run(out.data()) <= 0) return throwCryptoError(isolate, encrypt ? "RSA encryption failed" : "RSA decryption failed");
  out.resize(len);
  returnBytes(info, out);
}

// ---- ECDH ----------------------------------------------------------------------------------------
// Raw elliptic-curve Diffie-Hellman over EC_GROUP/EC_POINT: private keys are big-endian scalars,
// public keys SEC1 points (uncompressed or compressed).

struct GroupFree { void operator()(EC_GROUP* g) const { EC_GROUP_free(g); } };
struct PointFree { void operator()(EC_POINT* p) const { EC_POINT_free(p); } };
struct BnFree { void operator()(BIGNUM* b) const { BN_clear_free(b); } };
struct BnCtxFree { void operator()(BN_CTX* c) const { BN_CTX_free(c); } };
using Group = std::unique_ptr<EC_GROUP, GroupFree>;
using Point = std::unique_ptr<EC_POINT, PointFree>;
using Bn = std::unique_ptr<BIGNUM, BnFree>;
using BnCtx = std::unique_ptr<BN_CTX, BnCtxFree>;

Group groupArg(const Info& info, int i) {
  std::string name = text(info, i);
  int nid = OBJ_sn2nid(name.c_str());
  if (nid == NID_undef) nid = EC_curve_nist2nid(name.c_str());
  if (nid == NID_undef) return nullptr;
  return Group(EC_GROUP_new_by_curve_name(nid));
}

std::vector<unsigned char> encodePoint(const EC_GROUP* group, const EC_POINT* point,
                                       point_conversion_form_t form, BN_CTX* ctx) {
  size_t n = EC_POINT_point2oct(group, point, form, nullptr, 0, ctx);
  std::vector<unsigned char> out(n);
  if (n == 0 || EC_POINT_point2oct(group, point, form, out.data(), n, ctx) != n) out.clear();
  return out;
}

// The scalar in [1, order - 1], or null.
Bn privateScalar(const EC_GROUP* group, Bytes bytes) {
  Bn k(BN_bin2bn(bytes.data, static_cast<int>(bytes.size), nullptr));
  if (!k || BN_is_zero(k.get()) || BN_cmp(k.get(), EC_GROUP_get0_order(group)) >= 0) return nullptr;
  return k;
}

// Answers [privateKeyBytes, publicKeyBytes].
void returnKeyPair(const Info& info, const std::vector<unsigned char>& priv,
                   const std::vector<unsigned char>& pub) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  auto result = v8::Array::New(isolate, 2);
  (void)result->Set(context, 0, js::newBytes(isolate, kj::arrayPtr(priv.data(), priv.size())));
  (void)result->Set(context, 1, js::newBytes(isolate, kj::arrayPtr(pub.data(), pub.size())));
  info.GetReturnValue().Set(result);
}

Point publicPoint(const EC_GROUP* group, const BIGNUM* k, BN_CTX* ctx) {
  Point p(EC_POINT_new(group));
  if (!p || EC_POINT_mul(group, p.get(), k, nullptr, nullptr, ctx) != 1) return nullptr;
  return p;
}

Point parsePoint(const EC_GROUP* group, Bytes bytes, BN_CTX* ctx) {
  Point p(EC_POINT_new(group));
  if (!p || EC_POINT_oct2point(group, p.get(), bytes.data, bytes.size, ctx) != 1 ||
      EC_POINT_is_at_infinity(group, p.get()) || EC_POINT_is_on_curve(group, p.get(), ctx) != 1) {
    return nullptr;
  }
  return p;
}

void ecdhGenerate(const Info& info) {
  auto* isolate = info.GetIsolate();
  Group group = groupArg(info, 0);
  if (!group) return js::throwTypeError(isolate, "Invalid EC curve name");
  BnCtx ctx(BN_CTX_new());
  Bn k(BN_new());
  do {
    if (BN_priv_rand_range(k.get(), EC_GROUP_get0_order(group.get())) != 1) {
      return throwCryptoError(isolate, "ECDH key generation failed");
    }
  } while (BN_is_zero(k.get()));
  Point pub = publicPoint(group.get(), k.get(), ctx.get());
  if (!pub) return throwCryptoError(isolate, "ECDH key generation failed");
  std::vector<unsigned char> priv((EC_GROUP_order_bits(group.get()) + 7) / 8);
  BN_bn2binpad(k.get(), priv.data(), static_cast<int>(priv.size()));
  auto pubBytes = encodePoint(group.get(), pub.get(), POINT_CONVERSION_UNCOMPRESSED, ctx.get());
  returnKeyPair(info, priv, pubBytes);
}

void ecdhPublic(const Info& info) {
  auto* isolate = info.GetIsolate();
  Group group = groupArg(info, 0);
  if (!group) return js::throwTypeError(isolate, "Invalid EC curve name");
  BnCtx ctx(BN_CTX_new());
  Bn k = privateScalar(group.get(), bytesArg(info[1]));
  if (!k) return js::throwError(isolate, "Private key is not valid for specified curve.");
  Point pub = publicPoint(group.get(), k.get(), ctx.get());
  if (!pub) return throwCryptoError(isolate, "Failed to derive the public key");
  returnBytes(info, encodePoint(group.get(), pub.get(), POINT_CONVERSION_UNCOMPRESSED, ctx.get()));
}

void ecdhCompute(const Info& info) {
  auto* isolate = info.GetIsolate();
  Group group = groupArg(info, 0);
  if (!group) return js::throwTypeError(isolate, "Invalid EC curve name");
  BnCtx ctx(BN_CTX_new());
  Bn k = privateScalar(group.get(), bytesArg(info[1]));
  if (!k) return js::throwError(isolate, "Private key is not valid for specified curve.");
  Point peer = parsePoint(group.get(), bytesArg(info[2]), ctx.get());
  if (!peer) return js::throwError(isolate, "Public key is not valid for specified curve");
  Point shared(EC_POINT_new(group.get()));
  Bn x(BN_new());
  if (!shared || EC_POINT_mul(group.get(), shared.get(), nullptr, peer.get(), k.get(), ctx.get()) != 1 ||
      EC_POINT_get_affine_coordinates(group.get(), shared.get(), x.get(), nullptr, ctx.get()) != 1) {
    return throwCryptoError(isolate, "Failed to compute ECDH key");
  }
  std::vector<unsigned char> out((EC_GROUP_get_degree(group.get()) + 7) / 8);
  BN_bn2binpad(x.get(), out.data(), static_cast<int>(out.size()));
  returnBytes(info, out);
}

void ecPointConvert(const Info& info) {
  auto* isolate = info.GetIsolate();
  Group group = groupArg(info, 0);
  if (!group) return js::throwTypeError(isolate, "Invalid EC curve name");
  BnCtx ctx(BN_CTX_new());
  Point p = parsePoint(group.get(), bytesArg(info[1]), ctx.get());
  if (!p) return js::throwError(isolate, "Public key is not valid for specified curve");
  int form = static_cast<int>(num(info, 2));
  if (form != POINT_CONVERSION_COMPRESSED && form != POINT_CONVERSION_UNCOMPRESSED &&
      form != POINT_CONVERSION_HYBRID) {
    return js::throwTypeError(isolate, "Invalid ECDH format");
  }
  returnBytes(info, encodePoint(group.get(), p.get(), static_cast<point_conversion_form_t>(form),
                                ctx.get()));
}

// ---- finite-field Diffie-Hellman ---------------------------------------------------------------
// Big-endian integers throughout: prime, generator, keys.

Bn bnOf(Bytes bytes) { return Bn(BN_bin2bn(bytes.data, static_cast<int>(bytes.size), nullptr)); }

void returnBn(const Info& info, const BIGNUM* bn, size_t width = 0) {
  std::vector<unsigned char> out(width != 0 ? width : static_cast<size_t>(BN_num_bytes(bn)));
  BN_bn2binpad(bn, out.data(), static_cast<int>(out.size()));
  returnBytes(info, out);
}

void dhGroup(const Info& info) {
  std::string name = text(info, 0);
  BIGNUM* (*get)(BIGNUM*) = nullptr;
  // The groups workerd offers (RFC 3526, 2048 bits and up).
  if (name == "modp14") get = BN_get_rfc3526_prime_2048;
  else if (name == "modp15") get = BN_get_rfc3526_prime_3072;
  else if (name == "modp16") get = BN_get_rfc3526_prime_4096;
  else if (name == "modp17") get = BN_get_rfc3526_prime_6144;
  else if (name == "modp18") get = BN_get_rfc3526_prime_8192;
  if (get == nullptr) return;
  Bn p(get(nullptr));
  if (!p) return throwCryptoError(info.GetIsolate(), "DH group failed");
  returnBn(info, p.get());
}

void dhPrime(const Info& info) {
  int bits = static_cast<int>(num(info, 0));
  if (bits < 2 || bits > 10000) return js::throwError(info.GetIsolate(), "Invalid prime length");
  Bn p(BN_new());
  BnCtx ctx(BN_CTX_new());
  if (BN_generate_prime_ex2(p.get(), bits, 1, nullptr, nullptr, nullptr, ctx.get()) != 1) {
    return throwCryptoError(info.GetIsolate(), "Prime generation failed");
  }
  returnBn(info, p.get());
}

void dhKeys(const Info& info) {
  auto* isolate = info.GetIsolate();
  Bn p = bnOf(bytesArg(info[0]));
  Bn g = bnOf(bytesArg(info[1]));
  BnCtx ctx(BN_CTX_new());
  if (!p || !g || BN_num_bits(p.get()) < 2) return js::throwError(isolate, "Invalid DH prime");
  Bn x;
  if (info[2]->IsUndefined()) {
    // A private exponent in [1, p - 2].
    Bn range(BN_dup(p.get()));
    BN_sub_word(range.get(), 2);
    x.reset(BN_new());
    if (BN_is_zero(range.get()) || BN_priv_rand_range(x.get(), range.get()) != 1) {
      return throwCryptoError(isolate, "DH key generation failed");
    }
    BN_add_word(x.get(), 1);
  } else {
    x = bnOf(bytesArg(info[2]));
  }
  Bn y(BN_new());
  if (!x || BN_mod_exp(y.get(), g.get(), x.get(), p.get(), ctx.get()) != 1) {
    return throwCryptoError(isolate, "DH key generation failed");
  }
  std::vector<unsigned char> priv(static_cast<size_t>(BN_num_bytes(x.get())));
  BN_bn2bin(x.get(), priv.data());
  std::vector<unsigned char> pub(static_cast<size_t>(BN_num_bytes(y.get())));
  BN_bn2bin(y.get(), pub.data());
  returnKeyPair(info, priv, pub);
}

void dhCompute(const Info& info) {
  auto* isolate = info.GetIsolate();
  Bn p = bnOf(bytesArg(info[0]));
  Bn x = bnOf(bytesArg(info[1]));
  Bn peer = bnOf(bytesArg(info[2]));
  BnCtx ctx(BN_CTX_new());
  if (!p || !x || !peer) return throwCryptoError(isolate, "DH compute failed");
  // The peer's key must be in [2, p - 2].
  Bn limit(BN_dup(p.get()));
  BN_sub_word(limit.get(), 1);
  if (BN_cmp(peer.get(), BN_value_one()) <= 0) return js::throwError(isolate, "Supplied key is too small");
  if (BN_cmp(peer.get(), limit.get()) >= 0) return js::throwError(isolate, "Supplied key is too large");
  Bn z(BN_new());
  if (BN_mod_exp(z.get(), peer.get(), x.get(), p.get(), ctx.get()) != 1) {
    return throwCryptoError(isolate, "DH compute failed");
  }
  returnBn(info, z.get(), static_cast<size_t>(BN_num_bytes(p.get())));
}

}  // namespace

void installNodeCryptoOps(Worker& worker, v8::Local<v8::Object> ops) {
  setOp(worker, ops, "nodeHashNew", &hashNew);
  setOp(worker, ops, "nodeHashUpdate", &hashUpdate);
  setOp(worker, ops, "nodeHashDigest", &hashDigest);
  setOp(worker, ops, "nodeHashCopy", &hashCopy);
  setOp(worker, ops, "nodeHmacNew", &hmacNew);
  setOp(worker, ops, "nodeHmacUpdate", &hmacUpdate);
  setOp(worker, ops, "nodeHmacDigest", &hmacDigest);
  setOp(worker, ops, "nodeCipherInfo", &cipherInfo);
  setOp(worker, ops, "nodeCipherNew", &cipherNew);
  setOp(worker, ops, "nodeCipherUpdate", &cipherUpdate);
  setOp(worker, ops, "nodeCipherFinal", &cipherFinal);
  setOp(worker, ops, "nodeCipherSetAAD", &cipherSetAAD);
  setOp(worker, ops, "nodeCipherSetAuthTag", &cipherSetAuthTag);
  setOp(worker, ops, "nodeCipherGetAuthTag", &cipherGetAuthTag);
  setOp(worker, ops, "nodeCipherSetAutoPadding", &cipherSetAutoPadding);
  setOp(worker, ops, "nodePbkdf2", &pbkdf2);
  setOp(worker, ops, "nodeHkdf", &hkdf);
  setOp(worker, ops, "nodeScrypt", &scrypt);
  setOp(worker, ops, "nodeKeyParse", &keyParse);
  setOp(worker, ops, "nodeKeyDetails", &keyDetails);
  setOp(worker, ops, "nodeKeyExport", &keyExport);
  setOp(worker, ops, "nodeKeyGenerate", &keyGenerate);
  setOp(worker, ops, "nodeSign", &sign);
  setOp(worker, ops, "nodeVerify", &verify);
  setOp(worker, ops, "nodeRsaCrypt", &rsaCrypt);
  setOp(worker, ops, "nodeEcdhGenerate", &ecdhGenerate);
  setOp(worker, ops, "nodeEcdhPublic", &ecdhPublic);
  setOp(worker, ops, "nodeEcdhCompute", &ecdhCompute);
  setOp(worker, ops, "nodeEcPointConvert", &ecPointConvert);
  setOp(worker, ops, "nodeDhGroup", &dhGroup);
  setOp(worker, ops, "nodeDhPrime", &dhPrime);
  setOp(worker, ops, "nodeDhKeys", &dhKeys);
  setOp(worker, ops, "nodeDhCompute", &dhCompute);
  installX509Ops(worker, ops);
}

}  // namespace colony::api
