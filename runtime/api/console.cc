// ops.print, ops.reportError, ops.randomBytes, ops.queueMicrotask: the worker's console and the
// small process-level services built-ins need.
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include "runtime/api/ops.h"
#include "runtime/js_util.h"
#include "runtime/worker.h"

namespace colony::api {

namespace {

void print(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto& worker = Worker::from(isolate);
  auto level = js::toStdString(isolate, info[0]);
  auto text = js::toStdString(isolate, info[1]);
  const auto& service = worker.serviceName();
  if (level == "error") {
    spdlog::error("[{}] {}", service, text);
  } else if (level == "warn") {
    spdlog::warn("[{}] {}", service, text);
  } else if (level == "debug") {
    spdlog::debug("[{}] {}", service, text);
  } else {
    spdlog::info("[{}] {}", service, text);
  }
}

void reportError(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto& worker = Worker::from(isolate);
  worker.logError("Uncaught " + js::describeValue(isolate, isolate->GetCurrentContext(), info[0]));
}

void randomBytes(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto bytes = js::bytesOf(info[0]);
  if (bytes.size() > 0 && RAND_bytes(bytes.begin(), static_cast<int>(bytes.size())) != 1) {
    js::throwError(info.GetIsolate(), "the system random number generator failed");
  }
}

void queueMicrotask(const v8::FunctionCallbackInfo<v8::Value>& info) {
  if (!info[0]->IsFunction()) {
    return js::throwTypeError(info.GetIsolate(), "queueMicrotask expects a function");
  }
  info.GetIsolate()->EnqueueMicrotask(info[0].As<v8::Function>());
}

void compatFlag(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto name = js::toStdString(isolate, info[0]);
  info.GetReturnValue().Set(Worker::from(isolate).compatFlags().enabled(name));
}

}  // namespace

void installConsoleOps(Worker& worker, v8::Local<v8::Object> ops) {
  setOp(worker, ops, "print", &print);
  setOp(worker, ops, "reportError", &reportError);
  setOp(worker, ops, "randomBytes", &randomBytes);
  setOp(worker, ops, "queueMicrotask", &queueMicrotask);
  // ops.compatFlag(name): whether a compatibility flag (by flag or field name) is on.
  setOp(worker, ops, "compatFlag", &compatFlag);
}

}  // namespace colony::api
