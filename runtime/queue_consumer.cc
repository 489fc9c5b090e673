// Queue consumers: a worker's queue(batch, env, ctx) handler run on a batch of messages. Colony's
// local queue delivery (runtime/js/queue.js) uses it when a queue binding's service is a worker
// whose handler has queue(); ops:
//   queueHasConsumer(target) -> boolean
//   queueDeliver(target, queueName, [{id, timestamp, body: Uint8Array, attempts}])
//       -> Promise<{ok, error, ackAll, retryAll, acked: [id], retried: [id]}>
#include <kj/debug.h>

#include "runtime/api/ops.h"
#include "runtime/js_util.h"
#include "runtime/request_context.h"
#include "runtime/scheduled.h"
#include "runtime/worker.h"

namespace colony {

using js::str;

namespace {

v8::Local<v8::Value> prop(v8::Local<v8::Context> context, v8::Local<v8::Object> object,
                          const char* name) {
  return object->Get(context, str(context->GetIsolate(), name)).FromMaybe(v8::Local<v8::Value>());
}

std::vector<std::string> strings(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  std::vector<std::string> out;
  if (value.IsEmpty() || !value->IsArray()) return out;
  auto array = value.As<v8::Array>();
  for (uint32_t i = 0; i < array->Length(); ++i) {
    out.push_back(js::toStdString(isolate, array->Get(isolate->GetCurrentContext(), i).ToLocalChecked()));
  }
  return out;
}

}  // namespace

bool Worker::hasQueueHandler(const std::string& entrypoint) {
  if (source_.syntax != WorkerSource::Syntax::MODULES || exports_.IsEmpty()) return false;
  return enter([&] {
    v8::TryCatch tryCatch(isolate_);
    v8::Local<v8::Object> handler;
    if (!handlerObject(entrypoint).ToLocal(&handler)) return false;
    v8::Local<v8::Value> target = handler;
    if (handler->IsFunction()) {  // a class: look at its prototype
      target = prop(context(), handler, "prototype");
      if (target.IsEmpty() || !target->IsObject()) return false;
    }
    auto method = prop(context(), target.As<v8::Object>(), "queue");
    return !method.IsEmpty() && method->IsFunction();
  });
}

kj::Promise<Worker::QueueOutcome> Worker::runQueue(const std::string& entrypoint,
                                                   const std::string& queueName,
                                                   std::vector<QueueMessage> messages) {
  kj::Promise<v8::Global<v8::Value>> result = nullptr;
  auto state = std::make_shared<v8::Global<v8::Object>>();
  enter([&] {
    auto context = this->context();
    v8::TryCatch tryCatch(isolate_);
    auto stateObject = v8::Object::New(isolate_);
    state->Reset(isolate_, stateObject);
    std::vector<v8::Local<v8::Value>> items;
    for (auto& m : messages) {
      auto item = v8::Object::New(isolate_);
      (void)item->Set(context, str(isolate_, "id"), str(isolate_, m.id));
      (void)item->Set(context, str(isolate_, "timestamp"), v8::Number::New(isolate_, m.timestampMs));
      (void)item->Set(context, str(isolate_, "body"),
                      js::newBytes(isolate_, kj::arrayPtr(m.body.data(), m.body.size())));
      (void)item->Set(context, str(isolate_, "attempts"), v8::Number::New(isolate_, m.attempts));
      items.push_back(item);
    }
    auto list = v8::Array::New(isolate_, items.data(), items.size());
    auto ctx = RequestContext::newJsObject(*this, kj::refcounted<RequestContext>());
    v8::Local<v8::Value> value;
    bool ok = false;
    auto makeBatch = [&]() -> v8::MaybeLocal<v8::Value> {
      v8::Local<v8::Value> args[] = {str(isolate_, queueName), list, stateObject};
      return hook("makeQueueBatch")->Call(context, v8::Undefined(isolate_), 3, args);
    };
    ok = callHandler(entrypoint, "queue", ctx, makeBatch, value) == HandlerCall::CALLED;
    if (!ok) {
      result = KJ_EXCEPTION(FAILED, js::describeException(isolate_, context, tryCatch));
    } else {
      result = awaitJs(value);
    }
  });
  auto read = [this, state](QueueOutcome outcome) {
    return enter([&] {
      auto object = state->Get(isolate_);
      auto context = this->context();
      auto flag = [&](const char* name) {
        auto v = prop(context, object, name);
        return !v.IsEmpty() && v->IsTrue();
      };
      outcome.ackAll = flag("ackAll");
      outcome.retryAll = flag("retryAll");
      outcome.acked = strings(isolate_, prop(context, object, "acked"));
      outcome.retried = strings(isolate_, prop(context, object, "retried"));
      return outcome;
    });
  };
  return result.ignoreResult()
      .then([this]() { return whenWaitUntilDone(); })
      .then([read]() mutable { return read(QueueOutcome{}); },
            [this, read](kj::Exception&& e) mutable {
              QueueOutcome outcome;
              outcome.ok = false;
              outcome.error = e.getDescription().cStr();
              logError("Uncaught " + outcome.error);
              return read(kj::mv(outcome));
            });
}

namespace {

void queueHasConsumer(const v8::FunctionCallbackInfo<v8::Value>& info) {
  Worker* target = nullptr;
  std::string entrypoint;
  bool has = workerBehindTarget(info[0], target, entrypoint) && target->hasQueueHandler(entrypoint);
  info.GetReturnValue().Set(has);
}

void queueDeliver(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  auto& worker = Worker::from(isolate);
  Worker* target = nullptr;
  std::string entrypoint;
  if (!workerBehindTarget(info[0], target, entrypoint) || !info[2]->IsArray()) {
    return js::throwTypeError(isolate, "queueDeliver: bad arguments");
  }
  std::vector<Worker::QueueMessage> messages;
  auto list = info[2].As<v8::Array>();
  for (uint32_t i = 0; i < list->Length(); ++i) {
    auto item = list->Get(context, i).ToLocalChecked().As<v8::Object>();
    Worker::QueueMessage m;
    m.id = js::toStdString(isolate, prop(context, item, "id"));
    m.timestampMs = prop(context, item, "timestamp")->NumberValue(context).FromMaybe(0);
    auto bytes = js::bytesOf(prop(context, item, "body"));
    m.body.assign(bytes.begin(), bytes.end());
    m.attempts = prop(context, item, "attempts")->Uint32Value(context).FromMaybe(1);
    messages.push_back(std::move(m));
  }
  auto* self = &worker;
  info.GetReturnValue().Set(worker.toJsPromise(
      target->runQueue(entrypoint, js::toStdString(isolate, info[1]), std::move(messages)),
      [self](Worker::QueueOutcome&& outcome) -> v8::Local<v8::Value> {
        auto* isolate = self->isolate();
        auto context = self->context();
        auto result = v8::Object::New(isolate);
        auto set = [&](const char* name, v8::Local<v8::Value> value) {
          (void)result->Set(context, str(isolate, name), value);
        };
        auto array = [&](const std::vector<std::string>& items) {
          std::vector<v8::Local<v8::Value>> values;
          for (auto& s : items) values.push_back(str(isolate, s));
          return v8::Array::New(isolate, values.data(), values.size());
        };
        set("ok", v8::Boolean::New(isolate, outcome.ok));
        set("error", str(isolate, outcome.error));
        set("ackAll", v8::Boolean::New(isolate, outcome.ackAll));
        set("retryAll", v8::Boolean::New(isolate, outcome.retryAll));
        set("acked", array(outcome.acked));
        set("retried", array(outcome.retried));
        return result;
      }));
}

}  // namespace

void installQueueConsumerOps(Worker& worker, v8::Local<v8::Object> ops) {
  api::setOp(worker, ops, "queueHasConsumer", queueHasConsumer);
  api::setOp(worker, ops, "queueDeliver", queueDeliver);
}

}  // namespace colony
