// Native ops behind the Cache API, memoryCache bindings and the local (disk) backends of KV and
// R2 bindings (runtime/js/cache.js, memory_cache.js, kv.js, r2.js). File I/O is synchronous on
// the runtime's thread: records are small local files (see runtime/storage/README.md).
//
//   storeRead(dir, key, touch) -> undefined | [headerJson, Uint8Array]
//   storeWrite(dir, key, headerJson, bytes, durable?)
//   storeDelete(dir, key, durable?) -> boolean
//     (durable: synced to disk before returning, for KV and R2 records; see FileStore)
//   storeHeaders(dir) -> [headerJson...]
//   storeLocate(dir, key) -> undefined | [headerJson, bodyOffset, bodySize, version]   (R2)
//   storeReadBody(dir, key, version, offset, length) -> Uint8Array   (throws if replaced)
//   storeConcat(dir, key, headerJson, sourceDir, [sourceKey...], durable?)   (R2 multipart, streams)
//   storeRemoveTree(dir)
//   storeSubdirectories(dir) -> [name...]   (R2 multipart expiry)
//   storeEvict(dir, maxBytes)
//   cacheDirectory() -> string          cacheMaxBytes() -> number
//   memoryCacheOpen(id, maxKeys, maxValueSize, maxTotalValueSize) -> store id
//   memoryCacheGet(id, key) -> undefined | [value]
//   memoryCachePut(id, key, value, expiration?) -> boolean (stored)
//   memoryCacheDelete(id, key)
//   memoryCacheClaim(id, key) -> boolean      memoryCacheWait(id, key) -> Promise
//   memoryCacheRelease(id, key)
#include <chrono>
#include <cstring>
#include <stdexcept>

#include <kj/debug.h>

#include "runtime/api/ops.h"
#include "runtime/api/storage_bindings.h"
#include "runtime/http_status.h"
#include "runtime/js_util.h"
#include "runtime/storage/cache_dir.h"
#include "runtime/storage/directories.h"
#include "runtime/storage/file_store.h"
#include "runtime/storage/memory_cache.h"
#include "runtime/worker.h"

namespace colony::api {

namespace {

using Info = v8::FunctionCallbackInfo<v8::Value>;

std::string arg(const Info& info, int i) { return js::toStdString(info.GetIsolate(), info[i]); }

template <typename Fn>
void guarded(const Info& info, Fn&& fn) {
  try {
    fn();
  } catch (std::exception& e) {
    js::throwError(info.GetIsolate(), e.what());
  }
}

void storeRead(const Info& info) {
  guarded(info, [&] {
    auto* isolate = info.GetIsolate();
    auto record = storage::FileStore(arg(info, 0)).read(arg(info, 1), info[2]->IsTrue());
    if (!record) return;
    v8::Local<v8::Value> items[] = {
        js::str(isolate, record->header),
        js::newBytes(isolate, kj::arrayPtr(record->body.data(), record->body.size()))};
    info.GetReturnValue().Set(v8::Array::New(isolate, items, 2));
  });
}

void storeWrite(const Info& info) {
  guarded(info, [&] {
    auto header = arg(info, 2);
    if (header.find('\n') != std::string::npos) throw std::runtime_error("record header has a newline");
    auto bytes = js::bytesOf(info[3]);
    storage::FileStore(arg(info, 0), info[4]->IsTrue())
        .write(arg(info, 1), header, bytes.begin(), bytes.size());
  });
}

void storeDelete(const Info& info) {
  guarded(info, [&] {
    info.GetReturnValue().Set(storage::FileStore(arg(info, 0), info[2]->IsTrue()).remove(arg(info, 1)));
  });
}

void storeHeaders(const Info& info) {
  guarded(info, [&] {
    auto* isolate = info.GetIsolate();
    auto headers = storage::FileStore(arg(info, 0)).headers();
    std::vector<v8::Local<v8::Value>> items;
    items.reserve(headers.size());
    for (auto& h : headers) items.push_back(js::str(isolate, h));
    info.GetReturnValue().Set(v8::Array::New(isolate, items.data(), items.size()));
  });
}

void storeLocate(const Info& info) {
  guarded(info, [&] {
    auto* isolate = info.GetIsolate();
    auto located = storage::FileStore(arg(info, 0)).locate(arg(info, 1));
    if (!located) return;
    v8::Local<v8::Value> items[] = {
        js::str(isolate, located->header),
        v8::Number::New(isolate, static_cast<double>(located->bodyOffset)),
        v8::Number::New(isolate, static_cast<double>(located->bodySize)),
        js::str(isolate, std::to_string(located->inode))};
    info.GetReturnValue().Set(v8::Array::New(isolate, items, 4));
  });
}

void storeReadBody(const Info& info) {
  guarded(info, [&] {
    auto* isolate = info.GetIsolate();
    auto context = isolate->GetCurrentContext();
    auto inode = std::stoull(arg(info, 2));
    auto offset = static_cast<uint64_t>(info[3]->NumberValue(context).FromMaybe(0));
    auto length = static_cast<uint64_t>(info[4]->NumberValue(context).FromMaybe(0));
    auto bytes = storage::FileStore(arg(info, 0)).readBody(arg(info, 1), inode, offset, length);
    info.GetReturnValue().Set(js::newBytes(isolate, kj::arrayPtr(bytes.data(), bytes.size())));
  });
}

void storeConcat(const Info& info) {
  guarded(info, [&] {
    auto* isolate = info.GetIsolate();
    auto header = arg(info, 2);
    if (header.find('\n') != std::string::npos) throw std::runtime_error("record header has a newline");
    if (!info[4]->IsArray()) throw std::runtime_error("storeConcat: the source keys are not an array");
    auto list = info[4].As<v8::Array>();
    std::vector<std::string> keys;
    for (uint32_t i = 0; i < list->Length(); i++) {
      v8::Local<v8::Value> item;
      if (!list->Get(isolate->GetCurrentContext(), i).ToLocal(&item)) return;
      keys.push_back(js::toStdString(isolate, item));
    }
    storage::FileStore(arg(info, 0), info[5]->IsTrue())
        .writeConcatenated(arg(info, 1), header, storage::FileStore(arg(info, 3)), keys);
  });
}

void storeRemoveTree(const Info& info) {
  guarded(info, [&] { storage::removeTree(arg(info, 0)); });
}

void storeSubdirectories(const Info& info) {
  guarded(info, [&] {
    auto* isolate = info.GetIsolate();
    std::vector<v8::Local<v8::Value>> items;
    for (auto& name : storage::subdirectories(arg(info, 0))) items.push_back(js::str(isolate, name));
    info.GetReturnValue().Set(v8::Array::New(isolate, items.data(), items.size()));
  });
}

void storeEvict(const Info& info) {
  guarded(info, [&] {
    double max = info[1]->NumberValue(info.GetIsolate()->GetCurrentContext()).FromMaybe(0);
    storage::FileStore(arg(info, 0)).evict(static_cast<uint64_t>(max));
  });
}

void cacheDirectory(const Info& info) {
  guarded(info, [&] { info.GetReturnValue().Set(js::str(info.GetIsolate(), storage::cacheDirectory())); });
}

// The target of the worker's cacheApiOutbound service, or undefined when the Cache API uses the
// built-in cache.
void cacheOutbound(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto& worker = Worker::from(isolate);
  const auto& source = worker.source();
  if (source.cacheApiOutbound.empty()) return;
  kj::HttpService* service = nullptr;
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&] {
                service = &worker.host().findService(source.cacheApiOutbound)
                               .entrypoint(source.cacheApiOutboundEntrypoint);
              })) {
    return js::throwTypeError(
        isolate, kj::str("the Cache API cannot reach its cacheApiOutbound service \"",
                         source.cacheApiOutbound.c_str(), "\": ", e->getDescription())
                     .cStr());
  }
  info.GetReturnValue().Set(wrapServiceTarget(worker, *service));
}

// The standard reason phrase of an HTTP status ("" when there is none).
void httpReasonPhrase(const Info& info) {
  auto* isolate = info.GetIsolate();
  int status = info[0]->Int32Value(isolate->GetCurrentContext()).FromMaybe(0);
  auto phrase = reasonPhrase(status);
  info.GetReturnValue().Set(js::str(isolate, std::string(phrase)));
}

void cacheMaxBytes(const Info& info) {
  guarded(info, [&] {
    info.GetReturnValue().Set(static_cast<double>(storage::cacheMaxBytes()));
  });
}

double nowMs() {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count());
}

storage::MemoryCacheStore& store(const Info& info) {
  std::string ignored;
  return storage::memoryCacheStore(arg(info, 0), ignored);
}

void memoryCacheOpen(const Info& info) {
  auto context = info.GetIsolate()->GetCurrentContext();
  storage::MemoryCacheLimits limits;
  limits.maxKeys = info[1]->Uint32Value(context).FromMaybe(0);
  limits.maxValueSize = info[2]->Uint32Value(context).FromMaybe(0);
  limits.maxTotalValueSize = static_cast<uint64_t>(info[3]->NumberValue(context).FromMaybe(0));
  std::string id;
  storage::memoryCacheStore(arg(info, 0), id).addLimits(limits);
  info.GetReturnValue().Set(v8::String::NewFromUtf8(info.GetIsolate(), id.data(),
                                                    v8::NewStringType::kNormal,
                                                    static_cast<int>(id.size()))
                                .ToLocalChecked());
}

void memoryCacheGet(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  auto value = store(info).get(arg(info, 1), nowMs());
  if (!value) return;
  v8::ValueDeserializer deserializer(isolate, value->data(), value->size());
  bool ok = false;
  if (!deserializer.ReadHeader(context).To(&ok) || !ok) return;
  v8::Local<v8::Value> result;
  if (!deserializer.ReadValue(context).ToLocal(&result)) return;
  v8::Local<v8::Value> items[] = {result};
  info.GetReturnValue().Set(v8::Array::New(isolate, items, 1));
}

void memoryCachePut(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  v8::ValueSerializer serializer(isolate);
  serializer.WriteHeader();
  bool wrote = false;
  if (!serializer.WriteValue(context, info[2]).To(&wrote) || !wrote) return;
  auto [data, size] = serializer.Release();
  std::vector<unsigned char> bytes(data, data + size);
  free(data);
  std::optional<double> expiration;
  if (info[3]->IsNumber()) expiration = info[3].As<v8::Number>()->Value();
  info.GetReturnValue().Set(store(info).put(arg(info, 1), std::move(bytes), expiration, nowMs()));
}

void memoryCacheDelete(const Info& info) { store(info).remove(arg(info, 1)); }
void memoryCacheClaim(const Info& info) { info.GetReturnValue().Set(store(info).claim(arg(info, 1))); }
void memoryCacheRelease(const Info& info) { store(info).release(arg(info, 1)); }

void memoryCacheWait(const Info& info) {
  auto& worker = Worker::from(info.GetIsolate());
  info.GetReturnValue().Set(worker.toJsPromise(store(info).wait(arg(info, 1))));
}

// ops.serializeValue(value) -> Uint8Array (V8's value serializer; queue messages).
void serializeValue(const Info& info) {
  auto* isolate = info.GetIsolate();
  v8::ValueSerializer serializer(isolate);
  v8::Local<v8::Uint8Array> bytes;
  if (js::serializeToBytes(isolate, serializer, info[0]).ToLocal(&bytes)) info.GetReturnValue().Set(bytes);
}

// ops.deserializeValue(bytes) -> value
void deserializeValue(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  auto bytes = js::bytesOf(info[0]);
  v8::ValueDeserializer deserializer(isolate, bytes.begin(), bytes.size());
  bool ok = false;
  if (!deserializer.ReadHeader(context).To(&ok) || !ok) return;
  v8::Local<v8::Value> result;
  if (deserializer.ReadValue(context).ToLocal(&result)) info.GetReturnValue().Set(result);
}

}  // namespace

void installStorageOps(Worker& worker, v8::Local<v8::Object> ops) {
  setOp(worker, ops, "storeRead", storeRead);
  setOp(worker, ops, "storeWrite", storeWrite);
  setOp(worker, ops, "storeDelete", storeDelete);
  setOp(worker, ops, "storeHeaders", storeHeaders);
  setOp(worker, ops, "storeLocate", storeLocate);
  setOp(worker, ops, "storeReadBody", storeReadBody);
  setOp(worker, ops, "storeConcat", storeConcat);
  setOp(worker, ops, "storeRemoveTree", storeRemoveTree);
  setOp(worker, ops, "storeSubdirectories", storeSubdirectories);
  setOp(worker, ops, "storeEvict", storeEvict);
  setOp(worker, ops, "cacheDirectory", cacheDirectory);
  setOp(worker, ops, "cacheMaxBytes", cacheMaxBytes);
  setOp(worker, ops, "cacheOutbound", cacheOutbound);
  setOp(worker, ops, "httpReasonPhrase", httpReasonPhrase);
  setOp(worker, ops, "memoryCacheOpen", memoryCacheOpen);
  setOp(worker, ops, "memoryCacheGet", memoryCacheGet);
  setOp(worker, ops, "memoryCachePut", memoryCachePut);
  setOp(worker, ops, "memoryCacheDelete", memoryCacheDelete);
  setOp(worker, ops, "memoryCacheClaim", memoryCacheClaim);
  setOp(worker, ops, "memoryCacheWait", memoryCacheWait);
  setOp(worker, ops, "memoryCacheRelease", memoryCacheRelease);
  setOp(worker, ops, "serializeValue", serializeValue);
  setOp(worker, ops, "deserializeValue", deserializeValue);
}

}  // namespace colony::api
