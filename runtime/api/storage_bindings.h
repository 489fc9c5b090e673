// Storage bindings and the Cache API: kvNamespace, r2Bucket, queue and memoryCache binding
// values, and the ops behind them (storage_ops.cc). See runtime/storage/README.md.
#pragma once

#include <v8.h>

#include "runtime/worker_source.h"

namespace colony {
class Worker;
}

namespace colony::api {

void installStorageOps(Worker& worker, v8::Local<v8::Object> ops);

// The value of a kvNamespace, r2Bucket, queue or memoryCache binding: an object made by the
// built-ins' hooks.makeStorageBinding(desc).
v8::Local<v8::Value> storageBindingValue(Worker& worker, const WorkerSource::Binding& binding);

}  // namespace colony::api
