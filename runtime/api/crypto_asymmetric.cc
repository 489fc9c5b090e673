// WebCrypto native ops for public-key algorithms: RSA (PKCS#1 v1.5 and PSS signatures, OAEP),
// elliptic curves P-256/384/521 (ECDSA, ECDH), Ed25519 and X25519. Keys cross into JS as DER:
// PKCS#8 for private keys, SubjectPublicKeyInfo for public keys; each op parses the DER it is given.
// JWK and raw forms are converted to and from DER here.
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <optional>
#include <vector>

#include "runtime/api/crypto_util.h"
#include "runtime/api/ops.h"
#include "runtime/worker.h"

namespace colony::api::crypto {

namespace {

using Info = v8::FunctionCallbackInfo<v8::Value>;

std::string text(const Info& info, int i) { return js::toStdString(info.GetIsolate(), info[i]); }
double num(const Info& info, int i) {
  return info[i]->NumberValue(info.GetIsolate()->GetCurrentContext()).FromMaybe(0);
}

v8::Local<v8::ArrayBuffer> buffer(v8::Isolate* isolate, const unsigned char* data, size_t size) {
  return js::newArrayBuffer(isolate, kj::arrayPtr(data, size));
}
v8::Local<v8::ArrayBuffer> buffer(v8::Isolate* isolate, const std::vector<unsigned char>& v) {
  return buffer(isolate, v.data(), v.size());
}

v8::Local<v8::Value> get(v8::Isolate* isolate, v8::Local<v8::Value> obj, const char* name) {
  if (!obj->IsObject()) return v8::Undefined(isolate);
  return obj.As<v8::Object>()->Get(isolate->GetCurrentContext(), js::str(isolate, name))
      .FromMaybe(v8::Local<v8::Value>(v8::Undefined(isolate)));
}

// ---- curves ------------------------------------------------------------------------------------

struct Curve {
  const char* webName;
  const char* sslName;
  size_t size;  // bytes of a coordinate, a private scalar and half an ECDSA signature
};
const Curve kCurves[] = {
    {"P-256", "prime256v1", 32},
    {"P-384", "secp384r1", 48},
    {"P-521", "secp521r1", 66},
};
const Curve* curveByWebName(std::string_view name) {
  for (auto& c : kCurves) if (name == c.webName) return &c;
  return nullptr;
}
const Curve* curveOf(EVP_PKEY* pkey) {
  char name[64];
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name), &len) != 1) {
    return nullptr;
  }
  std::string_view n(name, len);
  for (auto& c : kCurves) {
    if (n == c.sslName) return &c;
  }
  if (n == "P-256" || n == "secp256r1") return &kCurves[0];
  if (n == "P-384") return &kCurves[1];
  if (n == "P-521") return &kCurves[2];
  return nullptr;
}

// ---- DER in and out ----------------------------------------------------------------------------

Pkey parsePrivate(Bytes der) {
  const unsigned char* p = der.data;
  PKCS8_PRIV_KEY_INFO* p8 = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size));
  if (p8 == nullptr) return nullptr;
  bool whole = p == der.data + der.size;
  Pkey pkey(EVP_PKCS82PKEY(p8));
  PKCS8_PRIV_KEY_INFO_free(p8);
  if (!whole) return nullptr;
  return pkey;
}

Pkey parsePublic(Bytes der) {
  const unsigned char* p = der.data;
  Pkey pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size)));
  if (pkey && p != der.data + der.size) return nullptr;
  return pkey;
}

Pkey parseKey(Bytes der, bool isPrivate) { return isPrivate ? parsePrivate(der) : parsePublic(der); }

std::vector<unsigned char> toPkcs8(EVP_PKEY* pkey) {
  std::vector<unsigned char> out;
  PKCS8_PRIV_KEY_INFO* p8 = EVP_PKEY2PKCS8(pkey);
  if (p8 == nullptr) return out;
  unsigned char* buf = nullptr;
  int len = i2d_PKCS8_PRIV_KEY_INFO(p8, &buf);
  PKCS8_PRIV_KEY_INFO_free(p8);
  if (len > 0) out.assign(buf, buf + len);
  OPENSSL_clear_free(buf, len > 0 ? len : 0);
  return out;
}

std::vector<unsigned char> toSpki(EVP_PKEY* pkey) {
  std::vector<unsigned char> out;
  unsigned char* buf = nullptr;
  int len = i2d_PUBKEY(pkey, &buf);
  if (len > 0) out.assign(buf, buf + len);
  OPENSSL_free(buf);
  return out;
}

const char* kindOf(EVP_PKEY* pkey) {
  switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_RSA: return "RSA";
    case EVP_PKEY_EC: return "EC";
    case EVP_PKEY_ED25519: return "Ed25519";
    case EVP_PKEY_X25519: return "X25519";
    default: return "";
  }
}

std::vector<unsigned char> bnBytes(const BIGNUM* bn, size_t pad = 0) {
  size_t n = pad ? pad : static_cast<size_t>(BN_num_bytes(bn));
  std::vector<unsigned char> out(n);
  if (n > 0) BN_bn2binpad(bn, out.data(), static_cast<int>(n));
  return out;
}

Bn bnParam(EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) return nullptr;
  return Bn(bn);
}

// ops.cryptoKeyInfo(der, isPrivate) -> {kind, der, curve?, modulusLength?, publicExponent?}
// `der` is the key re-encoded by OpenSSL (an EC private key then always carries its public key).
void keyInfo(const Info& info) {
  auto* isolate = info.GetIsolate();
  bool isPrivate = info[1]->BooleanValue(isolate);
  auto pkey = parseKey(bytesArg(info[0]), isPrivate);
  // Data that is not a key, and keys of types WebCrypto has no algorithm for (among them RSA keys
  // whose AlgorithmIdentifier is id-RSASSA-PSS rather than rsaEncryption), are refused as workerd
  // refuses them.
  if (!pkey || *kindOf(pkey.get()) == '\0') {
    ERR_clear_error();
    return throwCryptoError(isolate, isPrivate ? "Invalid PKCS8 input." : "Invalid SPKI input.");
  }
  auto result = v8::Object::New(isolate);
  const char* kind = kindOf(pkey.get());
  set(isolate, result, "kind", js::str(isolate, kind));
  if (std::string_view(kind) == "EC") {
    auto curve = curveOf(pkey.get());
    set(isolate, result, "curve", js::str(isolate, curve ? curve->webName : ""));
    if (curve != nullptr) {
      PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
      bool valid = ctx && (isPrivate ? EVP_PKEY_check(ctx.get()) : EVP_PKEY_public_check(ctx.get())) == 1;
      if (!valid) return throwCryptoError(isolate, "invalid EC key");
    }
  } else if (std::string_view(kind) == "RSA") {
    auto n = bnParam(pkey.get(), OSSL_PKEY_PARAM_RSA_N);
    auto e = bnParam(pkey.get(), OSSL_PKEY_PARAM_RSA_E);
    if (!n || !e) return throwCryptoError(isolate, "invalid RSA key");
    set(isolate, result, "modulusLength", v8::Integer::New(isolate, BN_num_bits(n.get())));
    auto eb = bnBytes(e.get());
    set(isolate, result, "publicExponent", js::newBytes(isolate, kj::arrayPtr(eb.data(), eb.size())));
  }
  auto der = isPrivate ? toPkcs8(pkey.get()) : toSpki(pkey.get());
  if (der.empty()) return throwCryptoError(isolate, "the key could not be encoded");
  set(isolate, result, "der", buffer(isolate, der));
  info.GetReturnValue().Set(result);
}

void returnPair(const Info& info, EVP_PKEY* pkey) {
  auto* isolate = info.GetIsolate();
  auto priv = toPkcs8(pkey);
  auto pub = toSpki(pkey);
  if (priv.empty() || pub.empty()) return throwCryptoError(isolate, "the key could not be encoded");
  v8::Local<v8::Value> pair[] = {buffer(isolate, priv), buffer(isolate, pub)};
  info.GetReturnValue().Set(v8::Array::New(isolate, pair, 2));
}

// ops.cryptoGenerateKeyPair("RSA", modulusLength, publicExponent) / ("EC", curve) / ("Ed25519") /
// ("X25519") -> [pkcs8, spki]
void generateKeyPair(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto kind = text(info, 0);
  EVP_PKEY* raw = nullptr;
  if (kind == "RSA") {
    auto bits = static_cast<unsigned>(num(info, 1));
    auto exp = bytesArg(info[2]);
    Bn e(BN_bin2bn(exp.data, static_cast<int>(exp.size), nullptr));
    PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
    if (!e || !ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
        EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), static_cast<int>(bits)) != 1 ||
        EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx.get(), e.get()) != 1 ||
        EVP_PKEY_keygen(ctx.get(), &raw) != 1) {
      return throwCryptoError(isolate, "RSA key generation failed");
    }
  } else if (kind == "EC") {
    auto curve = curveByWebName(text(info, 1));
    if (curve == nullptr) return js::throwError(isolate, "unsupported curve");
    raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve->sslName);
  } else if (kind == "Ed25519") {
    raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  } else if (kind == "X25519") {
    raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
  } else {
    return js::throwError(isolate, "unsupported key type");
  }
  Pkey pkey(raw);
  if (!pkey) return throwCryptoError(isolate, "key generation failed");
  returnPair(info, pkey.get());
}

// ---- JWK and raw ------------------------------------------------------------------------------

struct ParamBld {
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  std::vector<Bn> bns;
  ~ParamBld() { OSSL_PARAM_BLD_free(bld); }
  bool pushBn(const char* name, Bytes b) {
    Bn bn(BN_bin2bn(b.data, static_cast<int>(b.size), nullptr));
    if (!bn || OSSL_PARAM_BLD_push_BN(bld, name, bn.get()) != 1) return false;
    bns.push_back(std::move(bn));
    return true;
  }
};

Pkey fromData(const char* type, ParamBld& b, bool isPrivate) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(b.bld);
  if (params == nullptr) return nullptr;
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  bool ok = ctx && EVP_PKEY_fromdata_init(ctx.get()) == 1 &&
            EVP_PKEY_fromdata(ctx.get(), &raw, isPrivate ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) == 1;
  OSSL_PARAM_free(params);
  if (!ok) return nullptr;
  return Pkey(raw);
}

bool checkKey(EVP_PKEY* pkey, bool isPrivate) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  return ctx && (isPrivate ? EVP_PKEY_check(ctx.get()) : EVP_PKEY_public_check(ctx.get())) == 1;
}

Pkey ecFromPoint(const Curve& curve, Bytes point, const Bytes* priv) {
  ParamBld b;
  if (b.bld == nullptr ||
      OSSL_PARAM_BLD_push_utf8_string(b.bld, OSSL_PKEY_PARAM_GROUP_NAME, curve.sslName, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(b.bld, OSSL_PKEY_PARAM_PUB_KEY, point.data, point.size) != 1 ||
      (priv != nullptr && !b.pushBn(OSSL_PKEY_PARAM_PRIV_KEY, *priv))) {
    return nullptr;
  }
  auto pkey = fromData("EC", b, priv != nullptr);
  if (!pkey || !checkKey(pkey.get(), priv != nullptr)) return nullptr;
  return pkey;
}

// ops.cryptoImportJwk(kind, curve, fields) -> {der, isPrivate}; fields hold the decoded members
// (n, e, d, p, q, dp, dq, qi for RSA; x, y, d for EC; x, d for OKP) as byte arrays.
void importJwk(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto kind = text(info, 0);
  auto fields = info[2];
  auto field = [&](const char* name) -> std::optional<Bytes> {
    auto v = get(isolate, fields, name);
    if (v->IsUndefined()) return std::nullopt;
    return bytesArg(v);
  };
  auto d = field("d");
  bool isPrivate = d.has_value();
  Pkey pkey;
  if (kind == "RSA") {
    auto n = field("n"), e = field("e");
    if (!n || !e) return js::throwError(isolate, "the RSA JWK lacks n or e");
    ParamBld b;
    bool ok = b.bld != nullptr && b.pushBn(OSSL_PKEY_PARAM_RSA_N, *n) && b.pushBn(OSSL_PKEY_PARAM_RSA_E, *e);
    if (isPrivate) {
      ok = ok && b.pushBn(OSSL_PKEY_PARAM_RSA_D, *d);
      const char* names[] = {"p", "q", "dp", "dq", "qi"};
      const char* params[] = {OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
                              OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
                              OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
      int present = 0;
      for (int i = 0; i < 5; i++) {
        if (auto v = field(names[i])) {
          ok = ok && b.pushBn(params[i], *v);
          present++;
        }
      }
      if (present != 0 && present != 5) return js::throwError(isolate, "the RSA JWK has only some of p, q, dp, dq, qi");
    }
    if (ok) pkey = fromData("RSA", b, isPrivate);
  } else if (kind == "EC") {
    auto curve = curveByWebName(text(info, 1));
    auto x = field("x"), y = field("y");
    if (curve == nullptr) return js::throwError(isolate, "unsupported curve");
    if (!x || !y || x->size != curve->size || y->size != curve->size || (d && d->size != curve->size)) {
      return js::throwError(isolate, "the EC JWK's coordinates have the wrong length for its curve");
    }
    std::vector<unsigned char> point(1 + 2 * curve->size);
    point[0] = 0x04;
    std::copy(x->data, x->data + x->size, point.begin() + 1);
    std::copy(y->data, y->data + y->size, point.begin() + 1 + curve->size);
    pkey = ecFromPoint(*curve, {point.data(), point.size()}, d ? &*d : nullptr);
  } else if (kind == "Ed25519" || kind == "X25519") {
    int id = kind == "Ed25519" ? EVP_PKEY_ED25519 : EVP_PKEY_X25519;
    auto x = field("x");
    if (!x || x->size != 32 || (d && d->size != 32)) return js::throwError(isolate, "the OKP JWK's x or d has the wrong length");
    if (d) {
      pkey.reset(EVP_PKEY_new_raw_private_key(id, nullptr, d->data, d->size));
      unsigned char pub[32];
      size_t len = sizeof(pub);
      if (pkey && (EVP_PKEY_get_raw_public_key(pkey.get(), pub, &len) != 1 || len != 32 ||
                   CRYPTO_memcmp(pub, x->data, 32) != 0)) {
        return js::throwError(isolate, "the OKP JWK's x does not match its d");
      }
    } else {
      pkey.reset(EVP_PKEY_new_raw_public_key(id, nullptr, x->data, x->size));
    }
  } else {
    return js::throwError(isolate, "unsupported key type");
  }
  if (!pkey) return throwCryptoError(isolate, "invalid JWK key data");
  auto der = isPrivate ? toPkcs8(pkey.get()) : toSpki(pkey.get());
  if (der.empty()) return throwCryptoError(isolate, "the key could not be encoded");
  auto result = v8::Object::New(isolate);
  set(isolate, result, "der", buffer(isolate, der));
  set(isolate, result, "isPrivate", v8::Boolean::New(isolate, isPrivate));
  info.GetReturnValue().Set(result);
}

// ops.cryptoExportJwk(der, isPrivate) -> {members as ArrayBuffers}
void exportJwk(const Info& info) {
  auto* isolate = info.GetIsolate();
  bool isPrivate = info[1]->BooleanValue(isolate);
  auto pkey = parseKey(bytesArg(info[0]), isPrivate);
  if (!pkey) return throwCryptoError(isolate, "invalid key data");
  auto result = v8::Object::New(isolate);
  auto put = [&](const char* name, const std::vector<unsigned char>& v) {
    set(isolate, result, name, buffer(isolate, v));
  };
  auto putBn = [&](const char* member, const char* param, size_t pad = 0) {
    auto bn = bnParam(pkey.get(), param);
    if (!bn) return false;
    put(member, bnBytes(bn.get(), pad));
    return true;
  };
  std::string_view kind = kindOf(pkey.get());
  bool ok = true;
  if (kind == "RSA") {
    ok = putBn("n", OSSL_PKEY_PARAM_RSA_N) && putBn("e", OSSL_PKEY_PARAM_RSA_E);
    if (ok && isPrivate) {
      ok = putBn("d", OSSL_PKEY_PARAM_RSA_D);
      // The CRT members are there unless the key was imported without them.
      if (ok && putBn("p", OSSL_PKEY_PARAM_RSA_FACTOR1)) {
        ok = putBn("q", OSSL_PKEY_PARAM_RSA_FACTOR2) && putBn("dp", OSSL_PKEY_PARAM_RSA_EXPONENT1) &&
             putBn("dq", OSSL_PKEY_PARAM_RSA_EXPONENT2) && putBn("qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
      }
    }
  } else if (kind == "EC") {
    auto curve = curveOf(pkey.get());
    ok = curve != nullptr && putBn("x", OSSL_PKEY_PARAM_EC_PUB_X, curve->size) &&
         putBn("y", OSSL_PKEY_PARAM_EC_PUB_Y, curve->size) &&
         (!isPrivate || putBn("d", OSSL_PKEY_PARAM_PRIV_KEY, curve->size));
  } else if (kind == "Ed25519" || kind == "X25519") {
    std::vector<unsigned char> x(32), d(32);
    size_t len = 32;
    ok = EVP_PKEY_get_raw_public_key(pkey.get(), x.data(), &len) == 1 && len == 32;
    if (ok) put("x", x);
    if (ok && isPrivate) {
      len = 32;
      ok = EVP_PKEY_get_raw_private_key(pkey.get(), d.data(), &len) == 1 && len == 32;
      if (ok) put("d", d);
    }
  } else {
    ok = false;
  }
  if (!ok) return throwCryptoError(isolate, "the key could not be exported as a JWK");
  info.GetReturnValue().Set(result);
}

// ops.cryptoImportRawPublic(kind, curve, bytes) -> spki
void importRawPublic(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto kind = text(info, 0);
  auto data = bytesArg(info[2]);
  Pkey pkey;
  if (kind == "EC") {
    auto curve = curveByWebName(text(info, 1));
    if (curve == nullptr) return js::throwError(isolate, "unsupported curve");
    bool uncompressed = data.size == 1 + 2 * curve->size && data.data[0] == 0x04;
    bool compressed = data.size == 1 + curve->size && (data.data[0] == 0x02 || data.data[0] == 0x03);
    if (!uncompressed && !compressed) return js::throwError(isolate, "invalid EC point for the curve");
    pkey = ecFromPoint(*curve, data, nullptr);
  } else if (kind == "Ed25519" || kind == "X25519") {
    if (data.size != 32) return js::throwError(isolate, "the raw key must be 32 bytes");
    pkey.reset(EVP_PKEY_new_raw_public_key(kind == "Ed25519" ? EVP_PKEY_ED25519 : EVP_PKEY_X25519,
                                           nullptr, data.data, data.size));
  } else {
    return js::throwError(isolate, "unsupported key type");
  }
  if (!pkey) return throwCryptoError(isolate, "invalid raw key data");
  auto der = toSpki(pkey.get());
  if (der.empty()) return throwCryptoError(isolate, "the key could not be encoded");
  info.GetReturnValue().Set(buffer(isolate, der));
}

// ops.cryptoExportRawPublic(spki) -> the EC point (uncompressed) or the 32-byte OKP key
void exportRawPublic(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto pkey = parsePublic(bytesArg(info[0]));
  if (!pkey) return throwCryptoError(isolate, "invalid key data");
  std::string_view kind = kindOf(pkey.get());
  std::vector<unsigned char> out;
  if (kind == "EC") {
    auto curve = curveOf(pkey.get());
    auto x = bnParam(pkey.get(), OSSL_PKEY_PARAM_EC_PUB_X);
    auto y = bnParam(pkey.get(), OSSL_PKEY_PARAM_EC_PUB_Y);
    if (curve == nullptr || !x || !y) return throwCryptoError(isolate, "the key could not be exported");
    out.push_back(0x04);
    auto xb = bnBytes(x.get(), curve->size), yb = bnBytes(y.get(), curve->size);
    out.insert(out.end(), xb.begin(), xb.end());
    out.insert(out.end(), yb.begin(), yb.end());
  } else if (kind == "Ed25519" || kind == "X25519") {
    out.resize(32);
    size_t len = 32;
    if (EVP_PKEY_get_raw_public_key(pkey.get(), out.data(), &len) != 1 || len != 32) {
      return throwCryptoError(isolate, "the key could not be exported");
    }
  } else {
    return js::throwError(isolate, "this key has no raw form");
  }
  info.GetReturnValue().Set(buffer(isolate, out));
}

// ---- signatures --------------------------------------------------------------------------------

// Sets up a DigestSign/DigestVerify context for a scheme: "pkcs1", "pss", "ecdsa", "eddsa".
bool initSignature(EVP_MD_CTX* ctx, EVP_PKEY* pkey, bool sign, const std::string& scheme,
                   const EVP_MD* md, int saltLength) {
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* useMd = scheme == "eddsa" ? nullptr : md;
  int rc = sign ? EVP_DigestSignInit(ctx, &pctx, useMd, nullptr, pkey)
                : EVP_DigestVerifyInit(ctx, &pctx, useMd, nullptr, pkey);
  if (rc != 1) return false;
  if (scheme == "pkcs1") return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
  if (scheme == "pss") {
    return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, saltLength) == 1 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) == 1;
  }
  return true;
}

bool schemeMatches(EVP_PKEY* pkey, const std::string& scheme) {
  std::string_view kind = kindOf(pkey);
  if (scheme == "pkcs1" || scheme == "pss") return kind == "RSA";
  if (scheme == "ecdsa") return kind == "EC";
  if (scheme == "eddsa") return kind == "Ed25519";
  return false;
}

// ops.cryptoSign(pkcs8, scheme, hash, saltLength, data) -> ArrayBuffer (ECDSA as r || s)
void sign(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto pkey = parsePrivate(bytesArg(info[0]));
  auto scheme = text(info, 1);
  auto md = digestByName(text(info, 2));
  int saltLength = static_cast<int>(num(info, 3));
  auto data = bytesArg(info[4]);
  if (!pkey || !schemeMatches(pkey.get(), scheme)) return throwCryptoError(isolate, "invalid signing key");
  if (md == nullptr && scheme != "eddsa") return js::throwError(isolate, "unrecognized hash algorithm");
  MdCtx ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (!ctx || !initSignature(ctx.get(), pkey.get(), true, scheme, md, saltLength) ||
      EVP_DigestSign(ctx.get(), nullptr, &len, data.data, data.size) != 1) {
    return throwCryptoError(isolate, "signing failed");
  }
  std::vector<unsigned char> sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, data.data, data.size) != 1) {
    return throwCryptoError(isolate, "signing failed");
  }
  sig.resize(len);
  if (scheme == "ecdsa") {
    auto curve = curveOf(pkey.get());
    const unsigned char* p = sig.data();
    ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    if (es == nullptr || curve == nullptr) {
      ECDSA_SIG_free(es);
      return throwCryptoError(isolate, "signing failed");
    }
    std::vector<unsigned char> rs(2 * curve->size);
    BN_bn2binpad(ECDSA_SIG_get0_r(es), rs.data(), static_cast<int>(curve->size));
    BN_bn2binpad(ECDSA_SIG_get0_s(es), rs.data() + curve->size, static_cast<int>(curve->size));
    ECDSA_SIG_free(es);
    sig = std::move(rs);
  }
  info.GetReturnValue().Set(buffer(isolate, sig));
}

// ops.cryptoVerify(spki, scheme, hash, saltLength, signature, data) -> boolean
void verify(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto pkey = parsePublic(bytesArg(info[0]));
  auto scheme = text(info, 1);
  auto md = digestByName(text(info, 2));
  int saltLength = static_cast<int>(num(info, 3));
  auto signature = bytesArg(info[4]);
  auto data = bytesArg(info[5]);
  if (!pkey || !schemeMatches(pkey.get(), scheme)) return throwCryptoError(isolate, "invalid verification key");
  if (md == nullptr && scheme != "eddsa") return js::throwError(isolate, "unrecognized hash algorithm");
  std::vector<unsigned char> der;
  if (scheme == "ecdsa") {
    auto curve = curveOf(pkey.get());
    if (curve == nullptr) return throwCryptoError(isolate, "invalid verification key");
    if (signature.size != 2 * curve->size) return info.GetReturnValue().Set(false);
    ECDSA_SIG* es = ECDSA_SIG_new();
    BIGNUM* r = BN_bin2bn(signature.data, static_cast<int>(curve->size), nullptr);
    BIGNUM* s = BN_bin2bn(signature.data + curve->size, static_cast<int>(curve->size), nullptr);
    if (es == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(es, r, s) != 1) {
      ECDSA_SIG_free(es);
      BN_free(r);
      BN_free(s);
      return throwCryptoError(isolate, "verification failed");
    }
    unsigned char* buf = nullptr;
    int len = i2d_ECDSA_SIG(es, &buf);
    ECDSA_SIG_free(es);
    if (len <= 0) return throwCryptoError(isolate, "verification failed");
    der.assign(buf, buf + len);
    OPENSSL_free(buf);
    signature = {der.data(), der.size()};
  }
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || !initSignature(ctx.get(), pkey.get(), false, scheme, md, saltLength)) {
    return throwCryptoError(isolate, "verification failed");
  }
  int rc = EVP_DigestVerify(ctx.get(), signature.data, signature.size, data.data, data.size);
  ERR_clear_error();
  info.GetReturnValue().Set(rc == 1);
}

// ---- RSA-OAEP and key agreement ----------------------------------------------------------------

// ops.cryptoRsaOaep(encrypt, der, hash, label, data) -> ArrayBuffer (der: SPKI to encrypt, PKCS#8
// to decrypt)
void rsaOaep(const Info& info) {
  auto* isolate = info.GetIsolate();
  bool encrypt = info[0]->BooleanValue(isolate);
  auto pkey = parseKey(bytesArg(info[1]), !encrypt);
  auto md = digestByName(text(info, 2));
  auto label = bytesArg(info[3]);
  auto data = bytesArg(info[4]);
  if (!pkey || std::string_view(kindOf(pkey.get())) != "RSA") return throwCryptoError(isolate, "invalid RSA key");
  if (md == nullptr) return js::throwError(isolate, "unrecognized hash algorithm");
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  bool ok = ctx && (encrypt ? EVP_PKEY_encrypt_init(ctx.get()) : EVP_PKEY_decrypt_init(ctx.get())) == 1 &&
            EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) == 1 &&
            EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), md) == 1 &&
            EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), md) == 1;
  if (ok && label.size > 0) {
    auto* copy = static_cast<unsigned char*>(OPENSSL_memdup(label.data, label.size));
    ok = copy != nullptr && EVP_PKEY_CTX_set0_rsa_oaep_label(ctx.get(), copy, static_cast<int>(label.size)) == 1;
    if (!ok) OPENSSL_free(copy);
  }
  size_t len = 0;
  auto run = [&](unsigned char* out, size_t* outLen) {
    return encrypt ? EVP_PKEY_encrypt(ctx.get(), out, outLen, data.data, data.size)
                   : EVP_PKEY_decrypt(ctx.get(), out, outLen, data.data, data.size);
  };
  if (!ok || run(nullptr, &len) != 1) return throwCryptoError(isolate, "RSA-OAEP failed");
  std::vector<unsigned char> out(len);
  if (run(out.data(), &len) != 1) {
    ERR_clear_error();
    return js::throwError(isolate, encrypt ? "RSA-OAEP encryption failed (is the data too long?)"
                                           : "the data could not be decrypted");
  }
  out.resize(len);
  info.GetReturnValue().Set(buffer(isolate, out));
}

// ops.cryptoDerive(pkcs8, spki) -> the shared secret (ECDH or X25519)
void derive(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto priv = parsePrivate(bytesArg(info[0]));
  auto pub = parsePublic(bytesArg(info[1]));
  if (!priv || !pub) return throwCryptoError(isolate, "invalid key");
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, priv.get(), nullptr));
  size_t len = 0;
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 || EVP_PKEY_derive_set_peer(ctx.get(), pub.get()) != 1 ||
      EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1) {
    return throwCryptoError(isolate, "key agreement failed");
  }
  std::vector<unsigned char> out(len);
  if (EVP_PKEY_derive(ctx.get(), out.data(), &len) != 1) return throwCryptoError(isolate, "key agreement failed");
  out.resize(len);
  info.GetReturnValue().Set(buffer(isolate, out));
}

}  // namespace

void installAsymmetricOps(Worker& worker, v8::Local<v8::Object> ops) {
  setOp(worker, ops, "cryptoKeyInfo", &keyInfo);
  setOp(worker, ops, "cryptoGenerateKeyPair", &generateKeyPair);
  setOp(worker, ops, "cryptoImportJwk", &importJwk);
  setOp(worker, ops, "cryptoExportJwk", &exportJwk);
  setOp(worker, ops, "cryptoImportRawPublic", &importRawPublic);
  setOp(worker, ops, "cryptoExportRawPublic", &exportRawPublic);
  setOp(worker, ops, "cryptoSign", &sign);
  setOp(worker, ops, "cryptoVerify", &verify);
  setOp(worker, ops, "cryptoRsaOaep", &rsaOaep);
  setOp(worker, ops, "cryptoDerive", &derive);
}

}  // namespace colony::api::crypto
