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

namespace {

// Whether no byte has its top bit set, eight bytes at a time.
bool allAscii(const char* p, size_t n) {
  uint64_t high = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    memcpy(&word, p + i, 8);
    high |= word;
  }
  for (; i < n; ++i) high |= static_cast<unsigned char>(p[i]);
  return (high & 0x8080808080808080ull) == 0;
}

// Buffers from this size on come from V8's own allocation, zeroed, because V8 counts the bytes
// of those towards starting a young-generation collection; it does not count memory it is handed.
// Without that, a body streamed in large chunks leaves chunks dead but uncollected by the
// hundred megabytes, as few JS objects are made per byte to start a collection otherwise.
constexpr size_t kCountedByV8Bytes = 16 * 1024;

// An ArrayBuffer for contents written at once (`data` is where to write them): below
// kCountedByV8Bytes, over memory not zeroed first (V8's own allocation zeroes it).
v8::Local<v8::ArrayBuffer> unfilledArrayBuffer(v8::Isolate* isolate, size_t size, char** data) {
  void* memory = size > 0 && size < kCountedByV8Bytes ? malloc(size) : nullptr;
  if (memory == nullptr) {  // (also when malloc fails: V8 handles running out of memory its way)
    auto store = v8::ArrayBuffer::NewBackingStore(isolate, size);
    *data = static_cast<char*>(store->Data());
    return v8::ArrayBuffer::New(isolate, std::move(store));
  }
  *data = static_cast<char*>(memory);
  auto store = v8::ArrayBuffer::NewBackingStore(
      memory, size, [](void* memory, size_t, void*) { free(memory); }, nullptr);
  return v8::ArrayBuffer::New(isolate, std::move(store));
}

}  // namespace

v8::Local<v8::String> wireString(v8::Isolate* isolate, std::string_view s) {
  if (!allAscii(s.data(), s.size())) return str(isolate, s);
  return v8::String::NewFromOneByte(isolate, reinterpret_cast<const uint8_t*>(s.data()),
                                    v8::NewStringType::kNormal, static_cast<int>(s.size()))
      .ToLocalChecked();
}

bool writeIfAscii(v8::Isolate* isolate, v8::Local<v8::String> s, char* out) {
  if (!s->IsOneByte()) return false;
  int length = s->Length();
  s->WriteOneByte(isolate, reinterpret_cast<uint8_t*>(out), 0, length,
                  v8::String::NO_NULL_TERMINATION);
  return allAscii(out, static_cast<size_t>(length));
}

v8::MaybeLocal<v8::Uint8Array> asciiBytes(v8::Isolate* isolate, v8::Local<v8::String> s) {
  if (!s->IsOneByte()) return {};
  size_t length = static_cast<size_t>(s->Length());
  char* data;
  auto buffer = unfilledArrayBuffer(isolate, length, &data);
  if (!writeIfAscii(isolate, s, data)) return {};
  return v8::Uint8Array::New(buffer, 0, length);
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
  // Not zeroed first: for a streamed 64 KiB body that was about 4 % of the runtime's user time.
  char* data;
  auto buffer = unfilledArrayBuffer(isolate, bytes.size(), &data);
  if (bytes.size() > 0) memcpy(data, bytes.begin(), bytes.size());
  return buffer;
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
    // Data() rather than GetBackingStore(), which hands out a shared_ptr (atomic reference
    // counting) just to read the same pointer.
    auto view = value.As<v8::ArrayBufferView>();
    auto* base = static_cast<kj::byte*>(view->Buffer()->Data());
    if (base == nullptr) return nullptr;
    return kj::arrayPtr(base + view->ByteOffset(), view->ByteLength());
  }
  if (value->IsArrayBuffer()) {
    auto buffer = value.As<v8::ArrayBuffer>();
    return kj::arrayPtr(static_cast<kj::byte*>(buffer->Data()), buffer->ByteLength());
  }
  if (value->IsSharedArrayBuffer()) {
    auto buffer = value.As<v8::SharedArrayBuffer>();
    return kj::arrayPtr(static_cast<kj::byte*>(buffer->Data()), buffer->ByteLength());
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
