// Native helpers for the node:* built-ins: V8's exact type predicates (node:util types) and the
// async context slot that node:async_hooks' AsyncLocalStorage keeps in the context's
// continuation-preserved embedder data (V8 carries it across promise reactions by itself).
#include "runtime/api/ops.h"
#include "runtime/js_util.h"
#include "runtime/module_registry.h"
#include "runtime/worker.h"

namespace colony::api {

namespace {

// ops.nodeTypeTag(value): a short name for the V8 kinds JS cannot tell apart by itself, or "".
void nodeTypeTag(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto value = info[0];
  const char* tag = "";
  if (value->IsProxy()) tag = "proxy";
  else if (value->IsPromise()) tag = "promise";
  else if (value->IsExternal()) tag = "external";
  else if (value->IsModuleNamespaceObject()) tag = "moduleNamespace";
  else if (value->IsArgumentsObject()) tag = "arguments";
  else if (value->IsGeneratorObject()) tag = "generatorObject";
  else if (value->IsAsyncFunction()) tag = value->IsGeneratorFunction() ? "asyncGeneratorFunction" : "asyncFunction";
  else if (value->IsGeneratorFunction()) tag = "generatorFunction";
  else if (value->IsMapIterator()) tag = "mapIterator";
  else if (value->IsSetIterator()) tag = "setIterator";
  else if (value->IsWeakMap()) tag = "weakMap";
  else if (value->IsWeakSet()) tag = "weakSet";
  else if (value->IsMap()) tag = "map";
  else if (value->IsSet()) tag = "set";
  else if (value->IsDate()) tag = "date";
  else if (value->IsRegExp()) tag = "regExp";
  else if (value->IsNativeError()) tag = "nativeError";
  else if (value->IsSharedArrayBuffer()) tag = "sharedArrayBuffer";
  else if (value->IsArrayBuffer()) tag = "arrayBuffer";
  else if (value->IsDataView()) tag = "dataView";
  else if (value->IsNumberObject()) tag = "numberObject";
  else if (value->IsStringObject()) tag = "stringObject";
  else if (value->IsBooleanObject()) tag = "booleanObject";
  else if (value->IsBigIntObject()) tag = "bigIntObject";
  else if (value->IsSymbolObject()) tag = "symbolObject";
  else if (value->IsWasmModuleObject()) tag = "wasmModule";
  info.GetReturnValue().Set(js::str(isolate, tag));
}

// ops.proxyTarget(value): [target, handler] of a proxy, or undefined.
void proxyDetails(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  if (!info[0]->IsProxy()) return;
  auto proxy = info[0].As<v8::Proxy>();
  v8::Local<v8::Value> parts[] = {proxy->GetTarget(), proxy->GetHandler()};
  info.GetReturnValue().Set(v8::Array::New(isolate, parts, 2));
}

// ops.promiseState(promise): [state, result] with state 0 pending, 1 fulfilled, 2 rejected.
void promiseState(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  if (!info[0]->IsPromise()) return;
  auto promise = info[0].As<v8::Promise>();
  int state = 0;
  v8::Local<v8::Value> result = v8::Undefined(isolate);
  switch (promise->State()) {
    case v8::Promise::kPending: state = 0; break;
    case v8::Promise::kFulfilled: state = 1; result = promise->Result(); break;
    case v8::Promise::kRejected: state = 2; result = promise->Result(); break;
  }
  v8::Local<v8::Value> parts[] = {v8::Integer::New(isolate, state), result};
  info.GetReturnValue().Set(v8::Array::New(isolate, parts, 2));
}

// ops.getAsyncContext() / ops.setAsyncContext(frame): the current async context frame.
void getAsyncContext(const v8::FunctionCallbackInfo<v8::Value>& info) {
  info.GetReturnValue().Set(
      info.GetIsolate()->GetCurrentContext()->GetContinuationPreservedEmbedderData());
}

void setAsyncContext(const v8::FunctionCallbackInfo<v8::Value>& info) {
  info.GetIsolate()->GetCurrentContext()->SetContinuationPreservedEmbedderData(info[0]);
}

// ops.nodeProcessEnv(): what process.env starts with, as in workerd: text bindings (and
// fromEnvironment variables that are set) as themselves, JSON bindings as their JSON text.
void nodeProcessEnv(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  auto env = v8::Object::New(isolate);
  for (auto& binding : Worker::from(isolate).source().bindings) {
    std::string value;
    switch (binding.type) {
      case WorkerSource::BindingType::TEXT:
      case WorkerSource::BindingType::JSON:
        value = std::string(binding.text());
        break;
      case WorkerSource::BindingType::FROM_ENVIRONMENT: {
        const char* set = getenv(std::string(binding.text()).c_str());
        if (set == nullptr) continue;
        value = set;
        break;
      }
      default:
        continue;
    }
    (void)env->Set(context, js::str(isolate, binding.name), js::str(isolate, value));
  }
  info.GetReturnValue().Set(env);
}

}  // namespace

void installNodeOps(Worker& worker, v8::Local<v8::Object> ops) {
  setOp(worker, ops, "nodeTypeTag", &nodeTypeTag);
  setOp(worker, ops, "proxyDetails", &proxyDetails);
  setOp(worker, ops, "promiseState", &promiseState);
  setOp(worker, ops, "getAsyncContext", &getAsyncContext);
  setOp(worker, ops, "setAsyncContext", &setAsyncContext);
  setOp(worker, ops, "nodeProcessEnv", &nodeProcessEnv);
  setOp(worker, ops, "moduleRequire", &ModuleRegistry::requireOp);
  installNodeZlibOps(worker, ops);
  installNodeCryptoOps(worker, ops);
}

}  // namespace colony::api
