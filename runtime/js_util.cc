#include "runtime/js_util.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace colony::js {

std::string toStdString(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  v8::Local<v8::String> s;
  if (value->IsString()) {
    s = value.As<v8::String>();
  } else if (!value->ToString(isolate->GetCurrentContext()).ToLocal(&s)) {
    return "<unprintable value>";
  }
  std::string out;
  out.resize(s->Utf8Length(isolate));
  s->WriteUtf8(isolate, out.data(), static_cast<int>(out.size()), nullptr,
               v8::String::NO_NULL_TERMINATION | v8::String::REPLACE_INVALID_UTF8);
  return out;
}

v8::Local<v8::String> wireString(v8::Isolate* isolate, std::string_view s) {
  uint64_t high = 0;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t word;
    memcpy(&word, s.data() + i, 8);
    high |= word;
  }
  for (; i < s.size(); ++i) high |= static_cast<unsigned char>(s[i]);
  if ((high & 0x8080808080808080ull) != 0) return str(isolate, s);
  return v8::String::NewFromOneByte(isolate, reinterpret_cast<const uint8_t*>(s.data()),
                                    v8::NewStringType::kNormal, static_cast<int>(s.size()))
      .ToLocalChecked();
}

bool writeIfAscii(v8::Isolate* isolate, v8::Local<v8::String> s, char* out) {
  if (!s->IsOneByte()) return false;
  int length = s->Length();
  s->WriteOneByte(isolate, reinterpret_cast<uint8_t*>(out), 0, length,
                  v8::String::NO_NULL_TERMINATION);
  // Any byte with its top bit set is not ASCII; eight bytes are checked at a time.
  uint64_t high = 0;
  int i = 0;
  for (; i + 8 <= length; i += 8) {
    uint64_t word;
    memcpy(&word, out + i, 8);
    high |= word;
  }
  for (; i < length; ++i) high |= static_cast<unsigned char>(out[i]);
  return (high & 0x8080808080808080ull) == 0;
}

kj::String toKjString(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  if (value->IsString()) {
    auto s = value.As<v8::String>();
    if (s->IsOneByte()) {
      auto out = kj::heapString(s->Length());
      if (writeIfAscii(isolate, s, out.begin())) return out;
    }
    auto out = kj::heapString(s->Utf8Length(isolate));
    s->WriteUtf8(isolate, out.begin(), static_cast<int>(out.size()), nullptr,
                 v8::String::NO_NULL_TERMINATION | v8::String::REPLACE_INVALID_UTF8);
    return out;
  }
  auto s = toStdString(isolate, value);
  return kj::heapString(s.data(), s.size());
}

v8::Local<v8::ArrayBuffer> newArrayBuffer(v8::Isolate* isolate,
                                          kj::ArrayPtr<const kj::byte> bytes) {
  if (bytes.size() == 0) return v8::ArrayBuffer::New(isolate, 0);
  // Memory that is written at once needs no zeroing first (V8's own allocation zeroes it: for a
  // streamed 64 KiB body that was about 4 % of the runtime's user time).
  void* data = malloc(bytes.size());
  if (data == nullptr) {  // V8's allocation handles running out of memory its own way
    auto store = v8::ArrayBuffer::NewBackingStore(isolate, bytes.size());
    memcpy(store->Data(), bytes.begin(), bytes.size());
    return v8::ArrayBuffer::New(isolate, std::move(store));
  }
  memcpy(data, bytes.begin(), bytes.size());
  auto store = v8::ArrayBuffer::NewBackingStore(
      data, bytes.size(), [](void* data, size_t, void*) { free(data); }, nullptr);
  return v8::ArrayBuffer::New(isolate, std::move(store));
}

v8::Local<v8::Uint8Array> newBytes(v8::Isolate* isolate, kj::ArrayPtr<const kj::byte> bytes) {
  return v8::Uint8Array::New(newArrayBuffer(isolate, bytes), 0, bytes.size());
}

v8::MaybeLocal<v8::Uint8Array> serializeToBytes(v8::Isolate* isolate, v8::ValueSerializer& serializer,
                                                v8::Local<v8::Value> value) {
  serializer.WriteHeader();
  bool wrote = false;
  if (!serializer.WriteValue(isolate->GetCurrentContext(), value).To(&wrote) || !wrote) return {};
  auto [data, size] = serializer.Release();
  auto bytes = newBytes(isolate, kj::arrayPtr(data, size));
  free(data);
  return bytes;
}

kj::ArrayPtr<kj::byte> bytesOf(v8::Local<v8::Value> value) {
  if (value->IsArrayBufferView()) {
    auto view = value.As<v8::ArrayBufferView>();
    auto store = view->Buffer()->GetBackingStore();
    auto* base = static_cast<kj::byte*>(store->Data());
    if (base == nullptr) return nullptr;
    return kj::arrayPtr(base + view->ByteOffset(), view->ByteLength());
  }
  if (value->IsArrayBuffer()) {
    auto store = value.As<v8::ArrayBuffer>()->GetBackingStore();
    return kj::arrayPtr(static_cast<kj::byte*>(store->Data()), store->ByteLength());
  }
  if (value->IsSharedArrayBuffer()) {
    auto store = value.As<v8::SharedArrayBuffer>()->GetBackingStore();
    return kj::arrayPtr(static_cast<kj::byte*>(store->Data()), store->ByteLength());
  }
  return nullptr;
}

void throwTypeError(v8::Isolate* isolate, std::string_view message) {
  isolate->ThrowException(v8::Exception::TypeError(str(isolate, message)));
}

void throwError(v8::Isolate* isolate, std::string_view message) {
  isolate->ThrowException(v8::Exception::Error(str(isolate, message)));
}

std::string describeValue(v8::Isolate* isolate, v8::Local<v8::Context> context,
                          v8::Local<v8::Value> exception) {
  if (exception.IsEmpty()) return "unknown error";
  if (exception->IsObject()) {
    v8::TryCatch inner(isolate);
    v8::Local<v8::Value> stack;
    if (exception.As<v8::Object>()->Get(context, internalized(isolate, "stack")).ToLocal(&stack) &&
        stack->IsString()) {
      return toStdString(isolate, stack);
    }
  }
  v8::TryCatch inner(isolate);
  return toStdString(isolate, exception);
}

std::string describeException(v8::Isolate* isolate, v8::Local<v8::Context> context,
                              const v8::TryCatch& tryCatch) {
  if (tryCatch.HasTerminated()) return "the script was terminated";
  std::string text = describeValue(isolate, context, tryCatch.Exception());
  auto message = tryCatch.Message();
  if (!message.IsEmpty()) {
    // Syntax errors carry no stack: add where it happened, with the line and a caret.
    bool hasStackLocation = text.find("\n    at ") != std::string::npos;
    auto resource = message->GetScriptResourceName();
    bool hasResource = !resource.IsEmpty() && resource->IsString() &&
                       resource.As<v8::String>()->Length() > 0;
    if (!hasStackLocation && hasResource) {
      std::string where = toStdString(isolate, message->GetScriptResourceName());
      int line = message->GetLineNumber(context).FromMaybe(0);
      int column = message->GetStartColumn(context).FromMaybe(0);
      std::string prefix = where + ":" + std::to_string(line) + ":" + std::to_string(column + 1);
      v8::Local<v8::String> sourceLine;
      std::string detail;
      if (message->GetSourceLine(context).ToLocal(&sourceLine)) {
        std::string src = toStdString(isolate, sourceLine);
        if (src.size() < 300) {
          detail = "\n    " + src + "\n    " + std::string(column > 0 ? column : 0, ' ') + "^";
        }
      }
      text = prefix + ": " + text + detail;
    }
  }
  return text;
}

}  // namespace colony::js
