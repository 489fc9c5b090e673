// Native ops behind node:crypto's X509Certificate (runtime/js/node_crypto.js): parsing a PEM or
// DER certificate into the strings and bytes the class exposes, and the checks it offers. Strings
// are formatted as Node formats them (names one attribute per line, OpenSSL's extension text).
//
//   nodeX509Parse(bytes) -> {der, pem, subject, issuer, subjectAltName?, infoAccess?, validFrom,
//                            validTo, serialNumber, fingerprint, fingerprint256, fingerprint512,
//                            ca, keyUsage?, publicKeyDer}           (throws on a bad certificate)
//   nodeX509Check(der, "host" | "email" | "ip", value, flags) -> the matched name | undefined
//   nodeX509CheckIssued(der, issuerDer) -> boolean
//   nodeX509CheckPrivateKey(der, pkcs8) -> boolean
//   nodeX509Verify(der, spki) -> boolean
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <vector>

#include "runtime/api/crypto_util.h"
#include "runtime/api/ops.h"
#include "runtime/js_util.h"
#include "runtime/worker.h"

namespace colony::api {

namespace {

using Info = v8::FunctionCallbackInfo<v8::Value>;
using crypto::bytesArg;
using crypto::set;

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using Cert = std::unique_ptr<X509, X509Free>;
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using Bio = std::unique_ptr<BIO, BioFree>;

// A PEM ("-----BEGIN CERTIFICATE-----") or DER certificate; null when it is neither.
Cert parseCertificate(crypto::Bytes bytes) {
  std::string_view text(reinterpret_cast<const char*>(bytes.data), bytes.size);
  Cert cert;
  if (text.find("-----BEGIN") != std::string_view::npos) {
    Bio bio(BIO_new_mem_buf(bytes.data, static_cast<int>(bytes.size)));
    cert.reset(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  } else {
    const unsigned char* p = bytes.data;
    cert.reset(d2i_X509(nullptr, &p, static_cast<long>(bytes.size)));
  }
  ERR_clear_error();
  return cert;
}

std::string bioText(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return std::string(data, size > 0 ? static_cast<size_t>(size) : 0);
}

// A name one attribute per line, as Node prints it ("C=US\nO=Example\nCN=example.com").
std::string nameText(const X509_NAME* name) {
  Bio bio(BIO_new(BIO_s_mem()));
  constexpr unsigned long kFlags = ASN1_STRFLGS_ESC_2253 | ASN1_STRFLGS_ESC_CTRL |
                                   ASN1_STRFLGS_UTF8_CONVERT | XN_FLAG_SEP_MULTILINE |
                                   XN_FLAG_FN_SN;
  X509_NAME_print_ex(bio.get(), name, 0, kFlags);
  return bioText(bio.get());
}

// The text OpenSSL prints for an extension, or nothing when the certificate has none.
bool extensionText(X509* cert, int nid, std::string& out) {
  int index = X509_get_ext_by_NID(cert, nid, -1);
  if (index < 0) return false;
  Bio bio(BIO_new(BIO_s_mem()));
  if (X509V3_EXT_print(bio.get(), X509_get_ext(cert, index), 0, 0) != 1) {
    ERR_clear_error();
    return false;
  }
  out = bioText(bio.get());
  return true;
}

std::string timeText(const ASN1_TIME* time) {
  Bio bio(BIO_new(BIO_s_mem()));
  ASN1_TIME_print(bio.get(), time);
  return bioText(bio.get());
}

std::string fingerprint(X509* cert, const EVP_MD* md) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  X509_digest(cert, md, digest, &size);
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    if (i > 0) out += ':';
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

std::vector<unsigned char> derOf(X509* cert) {
  int size = i2d_X509(cert, nullptr);
  std::vector<unsigned char> out(size > 0 ? static_cast<size_t>(size) : 0);
  unsigned char* p = out.data();
  i2d_X509(cert, &p);
  return out;
}

v8::Local<v8::Value> bytesValue(v8::Isolate* isolate, const std::vector<unsigned char>& bytes) {
  return js::newBytes(isolate, kj::arrayPtr(bytes.data(), bytes.size()));
}

void x509Parse(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto cert = parseCertificate(bytesArg(info[0]));
  if (!cert) return js::throwError(isolate, "not a valid certificate");
  X509* x = cert.get();
  auto obj = v8::Object::New(isolate);
  set(isolate, obj, "der", bytesValue(isolate, derOf(x)));
  {
    Bio bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(bio.get(), x);
    set(isolate, obj, "pem", js::str(isolate, bioText(bio.get())));
  }
  set(isolate, obj, "subject", js::str(isolate, nameText(X509_get_subject_name(x))));
  set(isolate, obj, "issuer", js::str(isolate, nameText(X509_get_issuer_name(x))));
  std::string text;
  if (extensionText(x, NID_subject_alt_name, text)) set(isolate, obj, "subjectAltName", js::str(isolate, text));
  if (extensionText(x, NID_info_access, text)) {
    if (!text.empty() && text.back() != '\n') text += '\n';
    set(isolate, obj, "infoAccess", js::str(isolate, text));
  }
  set(isolate, obj, "validFrom", js::str(isolate, timeText(X509_get0_notBefore(x))));
  set(isolate, obj, "validTo", js::str(isolate, timeText(X509_get0_notAfter(x))));
  {
    crypto::Bn serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), nullptr));
    char* hex = serial ? BN_bn2hex(serial.get()) : nullptr;
    set(isolate, obj, "serialNumber", js::str(isolate, hex != nullptr ? hex : ""));
    OPENSSL_free(hex);
  }
  set(isolate, obj, "fingerprint", js::str(isolate, fingerprint(x, EVP_sha1())));
  set(isolate, obj, "fingerprint256", js::str(isolate, fingerprint(x, EVP_sha256())));
  set(isolate, obj, "fingerprint512", js::str(isolate, fingerprint(x, EVP_sha512())));
  set(isolate, obj, "ca", v8::Boolean::New(isolate, X509_check_ca(x) == 1));
  if (auto* usage = static_cast<EXTENDED_KEY_USAGE*>(
          X509_get_ext_d2i(x, NID_ext_key_usage, nullptr, nullptr))) {
    std::vector<v8::Local<v8::Value>> oids;
    for (int i = 0; i < sk_ASN1_OBJECT_num(usage); ++i) {
      char oid[128];
      OBJ_obj2txt(oid, sizeof(oid), sk_ASN1_OBJECT_value(usage, i), 1);
      oids.push_back(js::str(isolate, oid));
    }
    sk_ASN1_OBJECT_pop_free(usage, ASN1_OBJECT_free);
    set(isolate, obj, "keyUsage", v8::Array::New(isolate, oids.data(), oids.size()));
  }
  if (EVP_PKEY* key = X509_get0_pubkey(x)) {
    int size = i2d_PUBKEY(key, nullptr);
    std::vector<unsigned char> spki(size > 0 ? static_cast<size_t>(size) : 0);
    unsigned char* p = spki.data();
    i2d_PUBKEY(key, &p);
    set(isolate, obj, "publicKeyDer", bytesValue(isolate, spki));
  }
  ERR_clear_error();
  info.GetReturnValue().Set(obj);
}

Cert certArg(const Info& info, int i) {
  auto cert = parseCertificate(bytesArg(info[i]));
  if (!cert) js::throwError(info.GetIsolate(), "not a valid certificate");
  return cert;
}

void x509Check(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto cert = certArg(info, 0);
  if (!cert) return;
  std::string kind = js::toStdString(isolate, info[1]);
  std::string value = js::toStdString(isolate, info[2]);
  unsigned int flags =
      static_cast<unsigned int>(info[3]->Uint32Value(isolate->GetCurrentContext()).FromMaybe(0));
  int matched = 0;
  std::string name = value;
  if (kind == "host") {
    char* peer = nullptr;
    matched = X509_check_host(cert.get(), value.data(), value.size(), flags, &peer);
    if (peer != nullptr) {
      name = peer;
      OPENSSL_free(peer);
    }
  } else if (kind == "email") {
    matched = X509_check_email(cert.get(), value.data(), value.size(), flags);
  } else {
    matched = X509_check_ip_asc(cert.get(), value.c_str(), flags);
  }
  ERR_clear_error();
  if (matched == 1) info.GetReturnValue().Set(js::str(isolate, name));
}

void x509CheckIssued(const Info& info) {
  auto cert = certArg(info, 0);
  if (!cert) return;
  auto issuer = certArg(info, 1);
  if (!issuer) return;
  bool issued = X509_check_issued(issuer.get(), cert.get()) == X509_V_OK;
  ERR_clear_error();
  info.GetReturnValue().Set(issued);
}

crypto::Pkey keyArg(const Info& info, int i, bool isPrivate) {
  auto bytes = bytesArg(info[i]);
  const unsigned char* p = bytes.data;
  EVP_PKEY* key = isPrivate ? d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(bytes.size))
                            : d2i_PUBKEY(nullptr, &p, static_cast<long>(bytes.size));
  ERR_clear_error();
  if (key == nullptr) js::throwError(info.GetIsolate(), "invalid key data");
  return crypto::Pkey(key);
}

void x509CheckPrivateKey(const Info& info) {
  auto cert = certArg(info, 0);
  if (!cert) return;
  auto key = keyArg(info, 1, true);
  if (!key) return;
  bool matches = X509_check_private_key(cert.get(), key.get()) == 1;
  ERR_clear_error();
  info.GetReturnValue().Set(matches);
}

void x509Verify(const Info& info) {
  auto cert = certArg(info, 0);
  if (!cert) return;
  auto key = keyArg(info, 1, false);
  if (!key) return;
  bool verified = X509_verify(cert.get(), key.get()) == 1;
  ERR_clear_error();
  info.GetReturnValue().Set(verified);
}

}  // namespace

void installX509Ops(Worker& worker, v8::Local<v8::Object> ops) {
  setOp(worker, ops, "nodeX509Parse", &x509Parse);
  setOp(worker, ops, "nodeX509Check", &x509Check);
  setOp(worker, ops, "nodeX509CheckIssued", &x509CheckIssued);
  setOp(worker, ops, "nodeX509CheckPrivateKey", &x509CheckPrivateKey);
  setOp(worker, ops, "nodeX509Verify", &x509Verify);
}

}  // namespace colony::api
