#include "runtime/api/clone_delegate.h"

namespace colony::api {

namespace {

class CloneSerializerDelegate : public v8::ValueSerializer::Delegate {
 public:
  CloneSerializerDelegate(v8::Isolate* isolate, v8::Local<v8::Function> makeError)
      : isolate_(isolate), makeError_(makeError) {}

  void ThrowDataCloneError(v8::Local<v8::String> message) override {
    auto context = isolate_->GetCurrentContext();
    v8::Local<v8::Value> args[] = {message};
    v8::Local<v8::Value> error;
    if (makeError_->Call(context, v8::Undefined(isolate_), 1, args).ToLocal(&error)) {
      isolate_->ThrowException(error);
    }
  }

  // Host objects made by newUncloneableObject() name their type; others get V8's message.
  v8::Maybe<bool> WriteHostObject(v8::Isolate* isolate, v8::Local<v8::Object> object) override {
    auto context = isolate->GetCurrentContext();
    v8::Local<v8::Value> type;
    if (object->GetPrivate(context, uncloneableTypeKey(isolate)).ToLocal(&type) &&
        type->IsString()) {
      auto prefix = v8::String::NewFromUtf8Literal(isolate, "Could not serialize object of type \"");
      auto suffix =
          v8::String::NewFromUtf8Literal(isolate, "\". This type does not support serialization.");
      ThrowDataCloneError(v8::String::Concat(
          isolate, v8::String::Concat(isolate, prefix, type.As<v8::String>()), suffix));
      return v8::Nothing<bool>();
    }
    return v8::ValueSerializer::Delegate::WriteHostObject(isolate, object);
  }

  v8::Maybe<uint32_t> GetSharedArrayBufferId(v8::Isolate* isolate,
                                             v8::Local<v8::SharedArrayBuffer>) override {
    ThrowDataCloneError(v8::String::NewFromUtf8Literal(isolate, "A SharedArrayBuffer could not be cloned."));
    return v8::Nothing<uint32_t>();
  }

 private:
  v8::Isolate* isolate_;
  v8::Local<v8::Function> makeError_;
};

class RpcSerializerDelegate final : public CloneSerializerDelegate {
 public:
  RpcSerializerDelegate(v8::Isolate* isolate, v8::Local<v8::Function> makeError,
                        v8::ValueSerializer** slot)
      : CloneSerializerDelegate(isolate, makeError), slot_(slot) {}

  v8::Maybe<bool> WriteHostObject(v8::Isolate* isolate, v8::Local<v8::Object> object) override {
    auto context = isolate->GetCurrentContext();
    v8::Local<v8::Value> index;
    if (object->GetPrivate(context, rpcCapKey(isolate)).ToLocal(&index) && index->IsUint32()) {
      v8::Local<v8::Value> meta;
      if (!object->GetPrivate(context, rpcMetaKey(isolate)).ToLocal(&meta)) return v8::Nothing<bool>();
      (*slot_)->WriteUint32(index.As<v8::Uint32>()->Value());
      return (*slot_)->WriteValue(context, meta);
    }
    return CloneSerializerDelegate::WriteHostObject(isolate, object);
  }

 private:
  v8::ValueSerializer** slot_;
};

class RpcDeserializerDelegate final : public v8::ValueDeserializer::Delegate {
 public:
  RpcDeserializerDelegate(v8::ValueDeserializer** slot, uint32_t* count) : slot_(slot), count_(count) {}

  v8::MaybeLocal<v8::Object> ReadHostObject(v8::Isolate* isolate) override {
    auto context = isolate->GetCurrentContext();
    uint32_t index;
    v8::Local<v8::Value> meta;
    if (!(*slot_)->ReadUint32(&index) || !(*slot_)->ReadValue(context).ToLocal(&meta)) {
      isolate->ThrowException(v8::Exception::Error(
          v8::String::NewFromUtf8Literal(isolate, "malformed RPC message")));
      return {};
    }
    // No JS may run while V8 deserializes: the placeholder is replaced afterwards.
    auto placeholder = v8::Object::New(isolate);
    if (placeholder->SetPrivate(context, rpcCapKey(isolate), v8::Integer::NewFromUnsigned(isolate, index))
            .IsNothing() ||
        placeholder->SetPrivate(context, rpcMetaKey(isolate), meta).IsNothing()) {
      return {};
    }
    ++*count_;
    return placeholder;
  }

 private:
  v8::ValueDeserializer** slot_;
  uint32_t* count_;
};

}  // namespace

v8::Local<v8::Private> uncloneableTypeKey(v8::Isolate* isolate) {
  return v8::Private::ForApi(isolate,
                             v8::String::NewFromUtf8Literal(isolate, "colony:uncloneableType"));
}

std::unique_ptr<v8::ValueSerializer::Delegate> newCloneDelegate(v8::Isolate* isolate,
                                                                v8::Local<v8::Function> makeError) {
  return std::make_unique<CloneSerializerDelegate>(isolate, makeError);
}

v8::Local<v8::Private> rpcCapKey(v8::Isolate* isolate) {
  return v8::Private::ForApi(isolate, v8::String::NewFromUtf8Literal(isolate, "colony:rpcCap"));
}

v8::Local<v8::Private> rpcMetaKey(v8::Isolate* isolate) {
  return v8::Private::ForApi(isolate, v8::String::NewFromUtf8Literal(isolate, "colony:rpcMeta"));
}

std::unique_ptr<v8::ValueSerializer::Delegate> newRpcSerializerDelegate(
    v8::Isolate* isolate, v8::Local<v8::Function> makeError, v8::ValueSerializer** slot) {
  return std::make_unique<RpcSerializerDelegate>(isolate, makeError, slot);
}

std::unique_ptr<v8::ValueDeserializer::Delegate> newRpcDeserializerDelegate(
    v8::ValueDeserializer** slot, uint32_t* count) {
  return std::make_unique<RpcDeserializerDelegate>(slot, count);
}

}  // namespace colony::api
