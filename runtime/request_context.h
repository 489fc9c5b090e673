// The `ctx` object a handler receives (waitUntil, passThroughOnException) and the per-request
// state behind it.
#pragma once

#include <v8.h>

#include <kj/refcount.h>

namespace colony {

class Worker;

class RequestContext : public kj::Refcounted {
 public:
  bool passThroughOnException = false;

  // Creates the JS `ctx` object for this request. The object keeps this state alive until it is
  // garbage-collected.
  static v8::Local<v8::Object> newJsObject(Worker& worker, kj::Own<RequestContext> state);
  // The template of `ctx` objects, created once per isolate.
  static v8::Local<v8::FunctionTemplate> makeTemplate(v8::Isolate* isolate);
};

}  // namespace colony
