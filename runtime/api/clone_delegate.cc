#include "runtime/api/clone_delegate.h"

namespace colony::api {

namespace {

class CloneSerializerDelegate final : public v8::ValueSerializer::Delegate {
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

}  // namespace

v8::Local<v8::Private> uncloneableTypeKey(v8::Isolate* isolate) {
  return v8::Private::ForApi(isolate,
                             v8::String::NewFromUtf8Literal(isolate, "colony:uncloneableType"));
}

std::unique_ptr<v8::ValueSerializer::Delegate> newCloneDelegate(v8::Isolate* isolate,
                                                                v8::Local<v8::Function> makeError) {
  return std::make_unique<CloneSerializerDelegate>(isolate, makeError);
}

}  // namespace colony::api
