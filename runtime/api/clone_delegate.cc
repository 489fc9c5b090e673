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

std::unique_ptr<v8::ValueSerializer::Delegate> newCloneDelegate(v8::Isolate* isolate,
                                                                v8::Local<v8::Function> makeError) {
  return std::make_unique<CloneSerializerDelegate>(isolate, makeError);
}

}  // namespace colony::api
