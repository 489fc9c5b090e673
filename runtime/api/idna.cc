// ops.domainToASCII: UTS #46 processing of host names for the URL parser (runtime/js/url.js),
// done by ICU's UTS #46 implementation. ICU is the library V8
// (libnode) already loads, so this adds no dependency at run time.
//
// The URL Standard's "domain to ASCII" asks for CheckHyphens=false, CheckBidi=true,
// CheckJoiners=true, UseSTD3ASCIIRules=false, Transitional_Processing=false and
// VerifyDnsLength=false. ICU has options for all but two of them: it always checks hyphens and
// DNS lengths, so those errors are dropped from its report here.
#include <unicode/uidna.h>

#include <string>

#include "runtime/api/ops.h"
#include "runtime/js_util.h"
#include "runtime/worker.h"

namespace colony::api {

namespace {

const UIDNA* uts46() {
  static const UIDNA* idna = [] {
    UErrorCode status = U_ZERO_ERROR;
    UIDNA* opened = uidna_openUTS46(
        UIDNA_CHECK_BIDI | UIDNA_CHECK_CONTEXTJ | UIDNA_NONTRANSITIONAL_TO_ASCII, &status);
    if (U_FAILURE(status)) return static_cast<UIDNA*>(nullptr);
    return opened;
  }();
  return idna;
}

// The errors the URL Standard's settings do not ask for.
constexpr uint32_t kIgnoredErrors = UIDNA_ERROR_LEADING_HYPHEN | UIDNA_ERROR_TRAILING_HYPHEN |
                                    UIDNA_ERROR_HYPHEN_3_4 | UIDNA_ERROR_EMPTY_LABEL |
                                    UIDNA_ERROR_LABEL_TOO_LONG | UIDNA_ERROR_DOMAIN_NAME_TOO_LONG;

// UTS #46 ToASCII of UTF-8 `input`; false when ICU fails or reports an error that counts.
bool toASCII(const std::string& input, std::string& out) {
  const UIDNA* idna = uts46();
  if (idna == nullptr) return false;
  out.resize(input.size() * 2 + 64);
  for (int attempt = 0; attempt < 2; ++attempt) {
    UIDNAInfo info = UIDNA_INFO_INITIALIZER;
    UErrorCode status = U_ZERO_ERROR;
    int32_t n = uidna_nameToASCII_UTF8(idna, input.data(), static_cast<int32_t>(input.size()),
                                       out.data(), static_cast<int32_t>(out.size()), &info, &status);
    if (status == U_BUFFER_OVERFLOW_ERROR) {
      out.resize(static_cast<size_t>(n) + 1);
      continue;
    }
    if (U_FAILURE(status) || (info.errors & ~kIgnoredErrors) != 0) return false;
    out.resize(static_cast<size_t>(n));
    return true;
  }
  return false;
}

// ops.domainToASCII(domain): the ASCII form, or null when the domain is not valid.
void domainToASCII(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  std::string out;
  if (!toASCII(js::toStdString(isolate, info[0]), out)) {
    info.GetReturnValue().SetNull();
    return;
  }
  info.GetReturnValue().Set(js::str(isolate, out));
}

}  // namespace

void installIdnaOps(Worker& worker, v8::Local<v8::Object> ops) {
  setOp(worker, ops, "domainToASCII", &domainToASCII);
}

}  // namespace colony::api
