// Small helpers for talking to V8: strings, errors, byte arrays, exception formatting.
#pragma once

#include <v8.h>
#include <v8-value-serializer.h>

#include <string>
#include <string_view>

#include <kj/array.h>
#include <kj/string.h>

namespace colony::js {

inline v8::Local<v8::String> str(v8::Isolate* isolate, std::string_view s) {
  return v8::String::NewFromUtf8(isolate, s.data(), v8::NewStringType::kNormal,
                                 static_cast<int>(s.size()))
      .ToLocalChecked();
}

// str() for text that is ASCII nearly always (URLs, header names and values from the wire):
// copied as it is when it is, decoded as UTF-8 otherwise.
v8::Local<v8::String> wireString(v8::Isolate* isolate, std::string_view s);

inline v8::Local<v8::String> internalized(v8::Isolate* isolate, std::string_view s) {
  return v8::String::NewFromUtf8(isolate, s.data(), v8::NewStringType::kInternalized,
                                 static_cast<int>(s.size()))
      .ToLocalChecked();
}

// UTF-8 copy of a JS value's string form (lone surrogates become U+FFFD).
std::string toStdString(v8::Isolate* isolate, v8::Local<v8::Value> value);
kj::String toKjString(v8::Isolate* isolate, v8::Local<v8::Value> value);
// For a Latin-1 string that is all ASCII (its own UTF-8): writes its s->Length() bytes to `out`
// and returns true, in one copy with no measuring pass. False for any other string, leaving
// `out` (which must have room for s->Length() bytes) with unspecified contents.
bool writeIfAscii(v8::Isolate* isolate, v8::Local<v8::String> s, char* out);
// A new Uint8Array of a Latin-1 string that is all ASCII (its UTF-8), in one copy; empty for any
// other string.
v8::MaybeLocal<v8::Uint8Array> asciiBytes(v8::Isolate* isolate, v8::Local<v8::String> s);

// A new Uint8Array holding a copy of `bytes`.
v8::Local<v8::Uint8Array> newBytes(v8::Isolate* isolate, kj::ArrayPtr<const kj::byte> bytes);
// `value` in V8's serialization format (header included) as a new Uint8Array; empty when the
// serializer threw (the exception is pending in the isolate).
v8::MaybeLocal<v8::Uint8Array> serializeToBytes(v8::Isolate* isolate, v8::ValueSerializer& serializer,
                                                v8::Local<v8::Value> value);
// A new ArrayBuffer holding a copy of `bytes`.
v8::Local<v8::ArrayBuffer> newArrayBuffer(v8::Isolate* isolate, kj::ArrayPtr<const kj::byte> bytes);
// The bytes an ArrayBuffer or ArrayBufferView covers (valid until JS runs again).
kj::ArrayPtr<kj::byte> bytesOf(v8::Local<v8::Value> value);

void throwTypeError(v8::Isolate* isolate, std::string_view message);
void throwError(v8::Isolate* isolate, std::string_view message);

// "Error: message\n    at …" for an exception caught by a TryCatch: the stack when there is one,
// else the value's string form, plus the script location for syntax errors.
std::string describeException(v8::Isolate* isolate, v8::Local<v8::Context> context,
                              const v8::TryCatch& tryCatch);
std::string describeValue(v8::Isolate* isolate, v8::Local<v8::Context> context,
                          v8::Local<v8::Value> exception);

}  // namespace colony::js
