// Native objects handed to the built-in JavaScript as opaque handles (a request body, a fetch
// token, a digest in progress, a zlib stream, a socket…). Every handle is a plain object of one
// template with two internal fields: the native holder and the handle's kind. An op asking for
// one kind never mistakes a handle of another kind for it, and the holder (with its payload) is
// deleted when the handle is garbage-collected.
#pragma once

#include <v8.h>

#include <utility>

#include "runtime/worker.h"

namespace colony::api {

// One constant per kind of handle, e.g. `const HandleKind kDigestHandle{"digest"};`.
// (A struct holding a pointer is pointer-aligned, as V8 requires of internal-field values.)
struct HandleKind {
  const char* name;
};

namespace detail {
template <typename T>
struct HandleHolder {
  T payload;
  v8::Global<v8::Object> object;
};
}  // namespace detail

// A new handle owning `payload`; the payload is destroyed when the handle is collected.
template <typename T>
v8::Local<v8::Object> wrapHandle(Worker& worker, const HandleKind& kind, T payload) {
  auto* isolate = worker.isolate();
  auto obj = worker.handleTemplate()->NewInstance(worker.context()).ToLocalChecked();
  auto* holder = new detail::HandleHolder<T>{std::move(payload), {}};
  obj->SetAlignedPointerInInternalField(0, holder);
  obj->SetAlignedPointerInInternalField(1, const_cast<HandleKind*>(&kind));
  holder->object.Reset(isolate, obj);
  holder->object.SetWeak(
      holder,
      [](const v8::WeakCallbackInfo<detail::HandleHolder<T>>& data) {
        auto* h = data.GetParameter();
        h->object.Reset();
        delete h;
      },
      v8::WeakCallbackType::kParameter);
  return obj;
}

// The payload of a handle of `kind`, or nullptr when `value` is anything else.
template <typename T>
T* unwrapHandle(v8::Local<v8::Value> value, const HandleKind& kind) {
  if (!value->IsObject()) return nullptr;
  auto obj = value.As<v8::Object>();
  if (obj->InternalFieldCount() != 2) return nullptr;
  if (obj->GetAlignedPointerFromInternalField(1) != &kind) return nullptr;
  return &static_cast<detail::HandleHolder<T>*>(obj->GetAlignedPointerFromInternalField(0))->payload;
}

}  // namespace colony::api
