// UTF-8 encode/decode fast paths for TextEncoder/TextDecoder.
#include <cstring>

#include "runtime/api/ops.h"
#include "runtime/js_util.h"
#include "runtime/worker.h"

namespace colony::api {

namespace {

void utf8Encode(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  v8::Local<v8::String> s;
  if (!info[0]->ToString(isolate->GetCurrentContext()).ToLocal(&s)) return;
  v8::Local<v8::Uint8Array> ascii;
  if (js::asciiBytes(isolate, s).ToLocal(&ascii)) return info.GetReturnValue().Set(ascii);
  size_t length = s->Utf8Length(isolate);
  auto store = v8::ArrayBuffer::NewBackingStore(isolate, length);
  if (length > 0) {
    s->WriteUtf8(isolate, static_cast<char*>(store->Data()), static_cast<int>(length), nullptr,
                 v8::String::NO_NULL_TERMINATION | v8::String::REPLACE_INVALID_UTF8);
  }
  auto buffer = v8::ArrayBuffer::New(isolate, std::move(store));
  info.GetReturnValue().Set(v8::Uint8Array::New(buffer, 0, length));
}

void utf8EncodeInto(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  v8::Local<v8::String> s;
  if (!info[0]->ToString(context).ToLocal(&s)) return;
  auto dest = js::bytesOf(info[1]);
  int charsRead = 0;
  int written = s->WriteUtf8(isolate, reinterpret_cast<char*>(dest.begin()),
                             static_cast<int>(dest.size()), &charsRead,
                             v8::String::NO_NULL_TERMINATION | v8::String::REPLACE_INVALID_UTF8);
  v8::Local<v8::Value> result[] = {v8::Integer::New(isolate, charsRead),
                                   v8::Integer::New(isolate, written)};
  info.GetReturnValue().Set(v8::Array::New(isolate, result, 2));
}

// Length of the valid UTF-8 prefix of `bytes` (WHATWG: no overlongs, no surrogates, <= U+10FFFF).
size_t validUtf8Prefix(const unsigned char* p, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      need = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      need = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (i + need >= n) return i;  // truncated sequence
    if (p[i + 1] < lo || p[i + 1] > hi) return i;
    for (size_t k = 2; k <= need; ++k) {
      if (p[i + k] < 0x80 || p[i + k] > 0xBF) return i;
    }
    i += need + 1;
  }
  return i;
}

void utf8Decode(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto bytes = js::bytesOf(info[0]);
  bool fatal = info[1]->BooleanValue(isolate);
  bool ignoreBom = info[2]->BooleanValue(isolate);
  const auto* p = bytes.begin();
  size_t n = bytes.size();
  if (!ignoreBom && n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
    p += 3;
    n -= 3;
  }
  if (fatal && validUtf8Prefix(p, n) != n) {
    return js::throwTypeError(isolate, "The encoded data was not valid for encoding utf-8");
  }
  v8::Local<v8::String> result;
  if (!v8::String::NewFromUtf8(isolate, reinterpret_cast<const char*>(p),
                               v8::NewStringType::kNormal, static_cast<int>(n))
           .ToLocal(&result)) {
    return js::throwError(isolate, "the decoded string is too long");
  }
  info.GetReturnValue().Set(result);
}

}  // namespace

void installEncodingOps(Worker& worker, v8::Local<v8::Object> ops) {
  setOp(worker, ops, "utf8Encode", &utf8Encode);
  setOp(worker, ops, "utf8EncodeInto", &utf8EncodeInto);
  setOp(worker, ops, "utf8Decode", &utf8Decode);
}

}  // namespace colony::api
