// Structured cloning and ArrayBuffer transfer for the built-ins (structuredClone, MessagePort,
// BYOB stream reads): ops.structuredClone, ops.transferArrayBuffer, ops.isDetached.

#include <cstdlib>
#include <vector>

#include "runtime/api/clone_delegate.h"
#include "runtime/api/ops.h"
#include "runtime/js_util.h"
#include "runtime/worker.h"

namespace colony::api {

namespace {

// ops.structuredClone(value, transferList: ArrayBuffer[], makeError) -> the clone. The
// buffers in transferList are detached and their contents move to the clone.
void structuredClone(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  if (!info[2]->IsFunction()) return js::throwTypeError(isolate, "structuredClone: bad arguments");
  auto delegate = newCloneDelegate(isolate, info[2].As<v8::Function>());
  v8::ValueSerializer serializer(isolate, delegate.get());

  std::vector<v8::Local<v8::ArrayBuffer>> transfers;
  if (info[1]->IsArray()) {
    auto list = info[1].As<v8::Array>();
    for (uint32_t i = 0; i < list->Length(); i++) {
      v8::Local<v8::Value> item;
      if (!list->Get(context, i).ToLocal(&item)) return;
      if (!item->IsArrayBuffer()) {
        return js::throwTypeError(isolate, "structuredClone: only ArrayBuffers can be transferred");
      }
      auto buffer = item.As<v8::ArrayBuffer>();
      for (auto& seen : transfers) {
        if (seen == buffer) {
          delegate->ThrowDataCloneError(
              js::str(isolate, "An ArrayBuffer appears more than once in the transfer list."));
          return;
        }
      }
      if (!buffer->IsDetachable() || buffer->WasDetached()) {
        delegate->ThrowDataCloneError(js::str(
            isolate, "An ArrayBuffer in the transfer list is detached or cannot be detached."));
        return;
      }
      serializer.TransferArrayBuffer(static_cast<uint32_t>(transfers.size()), buffer);
      transfers.push_back(buffer);
    }
  }

  serializer.WriteHeader();
  bool wrote = false;
  if (!serializer.WriteValue(context, info[0]).To(&wrote) || !wrote) return;
  auto [data, size] = serializer.Release();

  // Move every transferred buffer's contents into a fresh ArrayBuffer for the clone.
  std::vector<v8::Local<v8::ArrayBuffer>> received;
  for (auto& buffer : transfers) {
    auto store = buffer->GetBackingStore();
    buffer->Detach();
    received.push_back(v8::ArrayBuffer::New(isolate, store));
  }

  v8::ValueDeserializer deserializer(isolate, data, size);
  for (size_t i = 0; i < received.size(); i++) {
    deserializer.TransferArrayBuffer(static_cast<uint32_t>(i), received[i]);
  }
  v8::Local<v8::Value> result;
  bool ok = deserializer.ReadHeader(context).FromMaybe(false) &&
            deserializer.ReadValue(context).ToLocal(&result);
  free(data);
  if (!ok) return;
  info.GetReturnValue().Set(result);
}

// ops.transferArrayBuffer(buffer) -> a new ArrayBuffer owning buffer's bytes; buffer is detached.
void transferArrayBuffer(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  if (!info[0]->IsArrayBuffer()) return js::throwTypeError(isolate, "expected an ArrayBuffer");
  auto buffer = info[0].As<v8::ArrayBuffer>();
  if (buffer->WasDetached()) {
    return js::throwTypeError(isolate, "The ArrayBuffer has been detached (transferred) already.");
  }
  if (!buffer->IsDetachable()) {
    return js::throwTypeError(isolate, "This ArrayBuffer cannot be transferred (detached).");
  }
  auto store = buffer->GetBackingStore();
  buffer->Detach();
  info.GetReturnValue().Set(v8::ArrayBuffer::New(isolate, store));
}

// ops.newUncloneable(typeName, prototype) -> an empty object with `prototype` that structured
// cloning refuses with "Could not serialize object of type "<typeName>"..." (a host object, so the
// refusal also applies where it is nested inside a cloned value). Built-in classes whose
// instances workerd does not serialize return one from their base constructor.
void newUncloneable(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  if (!info[0]->IsString() || !info[1]->IsObject()) {
    return js::throwTypeError(isolate, "newUncloneable: bad arguments");
  }
  auto templ = v8::ObjectTemplate::New(isolate);
  templ->SetInternalFieldCount(1);
  v8::Local<v8::Object> object;
  if (!templ->NewInstance(context).ToLocal(&object)) return;
  object->SetAlignedPointerInInternalField(0, nullptr);
  if (object->SetPrivate(context, uncloneableTypeKey(isolate), info[0]).IsNothing()) return;
  if (object->SetPrototype(context, info[1]).IsNothing()) return;
  info.GetReturnValue().Set(object);
}

// ops.isDetached(buffer) -> whether an ArrayBuffer has been detached.
void isDetached(const v8::FunctionCallbackInfo<v8::Value>& info) {
  bool detached = info[0]->IsArrayBuffer() && info[0].As<v8::ArrayBuffer>()->WasDetached();
  info.GetReturnValue().Set(detached);
}

}  // namespace

void installStructuredCloneOps(Worker& worker, v8::Local<v8::Object> ops) {
  setOp(worker, ops, "structuredClone", &structuredClone);
  setOp(worker, ops, "transferArrayBuffer", &transferArrayBuffer);
  setOp(worker, ops, "isDetached", &isDetached);
  setOp(worker, ops, "newUncloneable", &newUncloneable);
}

}  // namespace colony::api
