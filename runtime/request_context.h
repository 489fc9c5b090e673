// The `ctx` object a handler receives (waitUntil, passThroughOnException) and the per-request
// state behind it.
#pragma once

#include <v8.h>

#include <kj/refcount.h>

namespace colony {

class Worker;

class RequestContext : public kj::Refcounted {
 public:
  ~RequestContext() noexcept(false);

  bool passThroughOnException = false;

  // Creates the JS `ctx` object for this request. The state is reachable from it (for
  // passThroughOnException) while someone else holds `state`: the request, until it finishes.
  static v8::Local<v8::Object> newJsObject(Worker& worker, kj::Own<RequestContext> state);
  // The template of `ctx` objects, created once per isolate.
  static v8::Local<v8::FunctionTemplate> makeTemplate(v8::Isolate* isolate);
  // The state behind the `ctx` a method was called on; null once its request has finished.
  static RequestContext* fromCall(const v8::FunctionCallbackInfo<v8::Value>& info);

 private:
  friend class Worker;
  Worker* worker_ = nullptr;  // set while registered in the worker's table of live requests
  uint64_t id_ = 0;
};

}  // namespace colony
