// kvNamespace, r2Bucket, queue and memoryCache bindings. The native side only describes the
// binding; runtime/js/storage_bindings.js builds the object:
//   hooks.makeStorageBinding({kind, name, dir?, writable?, service?, fetcher?, memoryCache...})
// A KV or R2 binding whose designated service is a `disk` service gets `dir` (Colony's local
// backend keeps the records in that directory); any other service gets a Fetcher and is spoken
// to with workerd's HTTP protocol for that binding.
#include "runtime/api/storage_bindings.h"

#include <kj/debug.h>

#include "runtime/api/ops.h"
#include "runtime/js_util.h"
#include "runtime/services/disk_service.h"
#include "runtime/worker.h"

namespace colony::api {

v8::Local<v8::Value> storageBindingValue(Worker& worker, const WorkerSource::Binding& binding) {
  auto* isolate = worker.isolate();
  auto context = worker.context();
  auto desc = v8::Object::New(isolate);
  auto put = [&](const char* name, v8::Local<v8::Value> value) {
    (void)desc->Set(context, js::str(isolate, name), value);
  };
  put("name", js::str(isolate, binding.name));
  switch (binding.type) {
    case WorkerSource::BindingType::KV_NAMESPACE: put("kind", js::str(isolate, "kv")); break;
    case WorkerSource::BindingType::R2_BUCKET: put("kind", js::str(isolate, "r2")); break;
    case WorkerSource::BindingType::QUEUE: put("kind", js::str(isolate, "queue")); break;
    case WorkerSource::BindingType::MEMORY_CACHE: {
      put("kind", js::str(isolate, "memoryCache"));
      put("id", js::str(isolate, binding.memoryCacheId));
      put("maxKeys", v8::Number::New(isolate, binding.memoryCacheMaxKeys));
      put("maxValueSize", v8::Number::New(isolate, binding.memoryCacheMaxValueSize));
      put("maxTotalValueSize",
          v8::Number::New(isolate, static_cast<double>(binding.memoryCacheMaxTotalValueSize)));
      break;
    }
    default:
      KJ_FAIL_ASSERT("not a storage binding", binding.name);
  }
  if (binding.type != WorkerSource::BindingType::MEMORY_CACHE) {
    Service* target = nullptr;
    try {
      target = &worker.host().findService(binding.serviceName);
    } catch (std::exception& e) {
      js::throwError(isolate, e.what());
      return {};
    }
    put("service", js::str(isolate, binding.serviceName));
    auto* disk = dynamic_cast<DiskService*>(target);
    if (disk != nullptr && binding.type != WorkerSource::BindingType::QUEUE) {
      put("dir", js::str(isolate, disk->path()));
      put("writable", v8::Boolean::New(isolate, disk->writable()));
    } else {
      kj::HttpService* http = nullptr;
      KJ_IF_MAYBE(e, kj::runCatchingExceptions([&] {
                    http = &target->entrypoint(binding.entrypoint);
                  })) {
        js::throwError(isolate, e->getDescription().cStr());
        return {};
      }
      auto target = wrapServiceTarget(worker, *http);
      put("target", target);  // queue: local delivery to a worker's queue() (runtime/js/queue.js)
      v8::Local<v8::Value> args[] = {target};
      v8::Local<v8::Value> fetcher;
      if (!worker.hook("makeFetcher")->Call(context, v8::Undefined(isolate), 1, args)
               .ToLocal(&fetcher)) {
        return {};
      }
      put("fetcher", fetcher);
    }
  }
  v8::Local<v8::Value> args[] = {desc};
  v8::Local<v8::Value> value;
  if (!worker.hook("makeStorageBinding")->Call(context, v8::Undefined(isolate), 1, args)
           .ToLocal(&value)) {
    return {};
  }
  return value;
}

}  // namespace colony::api
