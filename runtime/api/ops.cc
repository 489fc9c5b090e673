#include "runtime/api/ops.h"
#include "runtime/api/rpc.h"
#include "runtime/api/storage_bindings.h"
#include "runtime/scheduled.h"

#include "runtime/durable_objects/object_host.h"
#include "runtime/js_util.h"
#include "runtime/worker.h"

namespace colony::api {

void setOp(Worker& worker, v8::Local<v8::Object> ops, const char* name, v8::FunctionCallback fn) {
  auto* isolate = worker.isolate();
  auto context = worker.context();
  auto function = v8::Function::New(context, fn, {}, 0, v8::ConstructorBehavior::kThrow)
                      .ToLocalChecked();
  function->SetName(js::str(isolate, name));
  (void)ops->Set(context, js::str(isolate, name), function);
}

v8::Local<v8::Object> makeOps(Worker& worker) {
  auto ops = v8::Object::New(worker.isolate());
  installConsoleOps(worker, ops);
  installEncodingOps(worker, ops);
  installTimerOps(worker, ops);
  installBodyOps(worker, ops);
  installServiceFetchOps(worker, ops);
  installStructuredCloneOps(worker, ops);
  installNodeOps(worker, ops);
  installCryptoOps(worker, ops);
  installWebSocketOps(worker, ops);
  installCompressionOps(worker, ops);
  installTcpSocketOps(worker, ops);
  installIdnaOps(worker, ops);
  durable_objects::installDurableObjectOps(worker, ops);
  installRpcOps(worker, ops);
  installStorageOps(worker, ops);
  installScheduledOps(worker, ops);
  installQueueConsumerOps(worker, ops);
  return ops;
}

}  // namespace colony::api
