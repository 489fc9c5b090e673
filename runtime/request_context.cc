#include "runtime/request_context.h"

#include "runtime/js_util.h"
#include "runtime/worker.h"

namespace colony {

namespace {

void jsWaitUntil(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto& worker = Worker::from(isolate);
  v8::Local<v8::Value> value = info.Length() > 0 ? info[0] : v8::Undefined(isolate).As<v8::Value>();
  worker.addWaitUntil(worker.awaitJs(value).ignoreResult());
}

void jsPassThroughOnException(const v8::FunctionCallbackInfo<v8::Value>& info) {
  // After its request has finished there is nothing left to pass through.
  if (auto* state = RequestContext::fromCall(info)) state->passThroughOnException = true;
}

}  // namespace

// A `ctx` object holds its request's id (internal field 0); the state is found through the
// worker's table of live requests, so a ctx kept past its request points at nothing rather than
// at freed state, and needs no finalizer.
RequestContext* RequestContext::fromCall(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto self = info.This();
  if (self->InternalFieldCount() < 1) return nullptr;
  auto id = self->GetInternalField(0);
  if (!id->IsNumber()) return nullptr;
  auto& live = Worker::from(info.GetIsolate()).liveContexts_;
  auto it = live.find(static_cast<uint64_t>(id.As<v8::Number>()->Value()));
  return it == live.end() ? nullptr : it->second;
}

RequestContext::~RequestContext() noexcept(false) {
  if (worker_ != nullptr) worker_->liveContexts_.erase(id_);
}

v8::Local<v8::FunctionTemplate> RequestContext::makeTemplate(v8::Isolate* isolate) {
  auto tmpl = v8::FunctionTemplate::New(isolate);
  tmpl->SetClassName(js::str(isolate, "ExecutionContext"));
  tmpl->InstanceTemplate()->SetInternalFieldCount(1);
  auto proto = tmpl->PrototypeTemplate();
  // The signature makes V8 refuse calls on anything but a ctx object ("Illegal invocation").
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
  uint64_t id = worker.nextContextId_++;
  obj->SetInternalField(0, v8::Number::New(isolate, static_cast<double>(id)));
  if (state->worker_ == nullptr) {
    state->worker_ = &worker;
    state->id_ = id;
    worker.liveContexts_.emplace(id, state.get());
  }
  // `state` is released here; whoever else holds it (the request) keeps it registered.
  return obj;
}

}  // namespace colony
