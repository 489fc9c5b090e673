#include "runtime/request_context.h"

#include "runtime/js_util.h"
#include "runtime/worker.h"

namespace colony {

namespace {

struct Holder {
  kj::Own<RequestContext> state;
  v8::Global<v8::Object> handle;
};

RequestContext* unwrap(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto self = info.This();
  if (self->InternalFieldCount() < 1) return nullptr;
  auto* holder = static_cast<Holder*>(self->GetAlignedPointerFromInternalField(0));
  return holder == nullptr ? nullptr : holder->state.get();
}

void jsWaitUntil(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  if (unwrap(info) == nullptr) return js::throwTypeError(isolate, "Illegal invocation");
  auto& worker = Worker::from(isolate);
  v8::Local<v8::Value> value = info.Length() > 0 ? info[0] : v8::Undefined(isolate).As<v8::Value>();
  worker.addWaitUntil(worker.awaitJs(value).ignoreResult());
}

void jsPassThroughOnException(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* state = unwrap(info);
  if (state == nullptr) return js::throwTypeError(info.GetIsolate(), "Illegal invocation");
  state->passThroughOnException = true;
}

}  // namespace

v8::Local<v8::FunctionTemplate> RequestContext::makeTemplate(v8::Isolate* isolate) {
  auto tmpl = v8::FunctionTemplate::New(isolate);
  tmpl->SetClassName(js::str(isolate, "ExecutionContext"));
  tmpl->InstanceTemplate()->SetInternalFieldCount(1);
  auto proto = tmpl->PrototypeTemplate();
  auto signature = v8::Signature::New(isolate, tmpl);
  proto->Set(isolate, "waitUntil",
             v8::FunctionTemplate::New(isolate, &jsWaitUntil, {}, signature));
  proto->Set(isolate, "passThroughOnException",
             v8::FunctionTemplate::New(isolate, &jsPassThroughOnException, {}, signature));
  return tmpl;
}

v8::Local<v8::Object> RequestContext::newJsObject(Worker& worker, kj::Own<RequestContext> state) {
  auto* isolate = worker.isolate();
  auto obj = worker.contextTemplate()->InstanceTemplate()->NewInstance(worker.context())
                 .ToLocalChecked();
  auto* holder = new Holder{kj::mv(state), {}};
  obj->SetAlignedPointerInInternalField(0, holder);
  holder->handle.Reset(isolate, obj);
  holder->handle.SetWeak(
      holder,
      [](const v8::WeakCallbackInfo<Holder>& data) {
        auto* h = data.GetParameter();
        h->handle.Reset();
        delete h;
      },
      v8::WeakCallbackType::kParameter);
  return obj;
}

}  // namespace colony
