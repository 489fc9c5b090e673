// Queue consumers: a worker's queue(batch, env, ctx) handler run on a batch of messages, and
// Colony's local broker around it (runtime/queue_consumer.h, runtime/storage/queue_spool.h).
// Ops for runtime/js/queue.js:
//   queueHasConsumer(target, queueName) -> boolean   (this binding is delivered locally)
//   queueSend(target, queueName, [{body: Uint8Array, delay: seconds}])   (stores the messages)
#include "runtime/queue_consumer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <tuple>

#include <kj/debug.h>

#include "runtime/api/ops.h"
#include "runtime/js_util.h"
#include "runtime/request_context.h"
#include "runtime/scheduled.h"
#include "runtime/server.h"
#include "runtime/services/worker_service.h"
#include "runtime/storage/queue_spool.h"
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

std::vector<double> numbers(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  std::vector<double> out;
  if (value.IsEmpty() || !value->IsArray()) return out;
  auto array = value.As<v8::Array>();
  auto context = isolate->GetCurrentContext();
  for (uint32_t i = 0; i < array->Length(); ++i) {
    out.push_back(array->Get(context, i).ToLocalChecked()->NumberValue(context).FromMaybe(0));
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
      outcome.retryDelaySeconds = numbers(isolate_, prop(context, object, "retryDelays"));
      auto allDelay = prop(context, object, "retryAllDelay");
      if (!allDelay.IsEmpty() && allDelay->IsNumber()) {
        outcome.retryAllDelaySeconds = allDelay.As<v8::Number>()->Value();
      }
      return outcome;
    });
  };
  return result.ignoreResult()
      .then([this]() { return whenWaitUntilDone(); })
      .then([read]() mutable { return read(QueueOutcome{}); },
            [this, read, queueName, count = messages.size()](kj::Exception&& e) mutable {
              QueueOutcome outcome;
              outcome.ok = false;
              outcome.error = e.getDescription().cStr();
              logError("queue \"" + queueName + "\": a batch of " + std::to_string(count) +
                       " messages failed: Uncaught " + outcome.error);
              return read(kj::mv(outcome));
            });
}

namespace {

// Cloudflare's documented consumer defaults: max_batch_size 10, max_retries 3 (so a message is
// delivered at most 4 times), retry_delay 0. Colony does not wait max_batch_timeout to fill a
// batch: it takes the messages due when it looks.
constexpr size_t kMaxBatchSize = 10;
constexpr uint32_t kMaxRetries = 3;
// How often a consumer looks for messages claimed by runtime processes that stopped.
constexpr uint64_t kRecoveryIntervalMs = 1000;

std::string normalEntrypoint(const std::string& entrypoint) {
  return entrypoint.empty() ? "default" : entrypoint;
}

// A file-name-safe form of a name: letters, digits, "_" and "-" stay, other bytes become %XX.
std::string escapeName(const std::string& name) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : name) {
    if (isalnum(c) || c == '_' || c == '-') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

using ConsumerKey = std::tuple<Worker*, std::string, std::string>;  // worker, entrypoint, queue

std::map<ConsumerKey, QueueConsumer*>& consumerRegistry() {
  static std::map<ConsumerKey, QueueConsumer*> registry;
  return registry;
}

uint64_t secondsToMs(double seconds) {
  if (!(seconds > 0)) return 0;
  return static_cast<uint64_t>(std::min(seconds, 43200.0) * 1000.0);
}

}  // namespace

// One queue: its spool, and the loop that claims a batch, runs queue() and settles the outcome.
class QueueConsumer {
 public:
  QueueConsumer(Worker& worker, std::string entrypoint, std::string queueName, kj::Timer& timer,
                uv_loop_t* loop)
      : worker_(worker),
        entrypoint_(std::move(entrypoint)),
        queueName_(std::move(queueName)),
        spool_(queueName_, storage::queueRootDirectory() + "/" +
                               escapeName(worker.serviceName()) + "." +
                               escapeName(normalEntrypoint(entrypoint_)) + "." +
                               escapeName(queueName_)),
        timer_(timer),
        loop_(loop) {
    auto drained = kj::newPromiseAndFulfiller<void>();
    drainedFulfiller_ = kj::mv(drained.fulfiller);
    drained_ = drained.promise.fork();
  }

  ~QueueConsumer() noexcept(false) {
    task_ = nullptr;
    if (watch_ != nullptr) {
      uv_fs_event_stop(watch_);
      watch_->data = nullptr;
      uv_close(reinterpret_cast<uv_handle_t*>(watch_),
               [](uv_handle_t* handle) { delete reinterpret_cast<uv_fs_event_t*>(handle); });
    }
    if (inBatch_) spool_.releaseOwnClaims();  // the batch was cut: another process takes it
    spool_.close();
  }

  storage::QueueSpool& spool() { return spool_; }

  void start() {
    if (started_) return;
    started_ = true;
    // Messages written by any process land in ready/: wake on them (inotify).
    watch_ = new uv_fs_event_t;
    uv_fs_event_init(loop_, watch_);
    watch_->data = this;
    int rc = uv_fs_event_start(
        watch_,
        [](uv_fs_event_t* handle, const char*, int, int) {
          if (handle->data != nullptr) static_cast<QueueConsumer*>(handle->data)->wake();
        },
        spool_.readyDir().c_str(), 0);
    if (rc != 0) {
      // Still correct without it: due times and the recovery interval bound the wait.
      spdlog::warn("queue \"{}\": cannot watch {} ({}); looking every {} ms", queueName_,
                   spool_.readyDir(), uv_strerror(rc), kRecoveryIntervalMs);
    }
    task_ = kj::evalLater([this]() { return loop(); }).eagerlyEvaluate([this](kj::Exception&& e) {
      spdlog::error("queue \"{}\": the consumer stopped: {}", queueName_,
                    e.getDescription().cStr());
      finishDrain();
    });
  }

  // Something may be due: a message was stored (here or by another process).
  void wake() {
    dirty_ = true;
    KJ_IF_MAYBE(fulfiller, wakeFulfiller_) {
      (*fulfiller)->fulfill();
      wakeFulfiller_ = nullptr;
    }
  }

  kj::Promise<void> drain() {
    draining_ = true;
    if (!started_) finishDrain();
    wake();
    return drained_.addBranch();
  }

 private:
  void finishDrain() {
    if (drainedFulfiller_->isWaiting()) drainedFulfiller_->fulfill();
  }

  kj::Promise<void> loop() {
    if (draining_) {
      finishDrain();
      return kj::READY_NOW;
    }
    dirty_ = false;
    uint64_t now = storage::wallClockMs();
    if (now - lastRecoveryMs_ >= kRecoveryIntervalMs || now < lastRecoveryMs_) {
      lastRecoveryMs_ = now;
      spool_.recoverAbandoned(kMaxRetries + 1);
    }
    uint64_t nextDue = 0;
    std::vector<storage::SpooledMessage> batch;
    try {
      batch = spool_.claim(kMaxBatchSize, nextDue);
    } catch (std::exception& e) {
      spdlog::error("queue \"{}\": {}", queueName_, e.what());
    }
    if (!batch.empty()) {
      inBatch_ = true;
      return deliver(kj::mv(batch)).then([this]() {
        inBatch_ = false;
        return loop();
      });
    }
    if (dirty_) return kj::evalLater([this]() { return loop(); });
    uint64_t waitMs = kRecoveryIntervalMs;
    if (nextDue != 0) waitMs = std::min(waitMs, nextDue > now ? nextDue - now : 0);
    auto woken = kj::newPromiseAndFulfiller<void>();
    wakeFulfiller_ = kj::mv(woken.fulfiller);
    return woken.promise.exclusiveJoin(timer_.afterDelay(waitMs * kj::MILLISECONDS))
        .then([this]() {
          wakeFulfiller_ = nullptr;
          return loop();
        });
  }

  kj::Promise<void> deliver(std::vector<storage::SpooledMessage> batch) {
    std::vector<Worker::QueueMessage> messages;
    for (auto& m : batch) {
      Worker::QueueMessage message;
      message.id = m.id;
      message.timestampMs = m.timestampMs;
      message.body = m.body;
      message.attempts = m.attempts;
      messages.push_back(std::move(message));
    }
    auto shared = std::make_shared<std::vector<storage::SpooledMessage>>(std::move(batch));
    return worker_.runQueue(entrypoint_, queueName_, std::move(messages))
        .then([this, shared](Worker::QueueOutcome outcome) { settle(*shared, outcome); },
              [this, shared](kj::Exception&& e) {
                Worker::QueueOutcome outcome;
                outcome.ok = false;
                worker_.logError("queue \"" + queueName_ + "\": a batch of " +
                                 std::to_string(shared->size()) + " messages failed: " +
                                 e.getDescription().cStr());
                settle(*shared, outcome);
              });
  }

  // As Workers do: a message explicitly retried is retried, one explicitly acked (ack() or
  // ackAll()) is acked; the others are retried when the handler threw or called retryAll().
  void settle(const std::vector<storage::SpooledMessage>& batch,
              const Worker::QueueOutcome& outcome) {
    auto has = [](const std::vector<std::string>& list, const std::string& id) {
      return std::find(list.begin(), list.end(), id) != list.end();
    };
    for (auto& message : batch) {
      try {
        auto retried = std::find(outcome.retried.begin(), outcome.retried.end(), message.id);
        if (retried != outcome.retried.end()) {
          size_t index = static_cast<size_t>(retried - outcome.retried.begin());
          double delay = index < outcome.retryDelaySeconds.size() ? outcome.retryDelaySeconds[index] : 0;
          spool_.retry(message, secondsToMs(delay), kMaxRetries + 1);
        } else if (has(outcome.acked, message.id) || outcome.ackAll) {
          spool_.ack(message);
        } else if (!outcome.ok || outcome.retryAll) {
          spool_.retry(message, secondsToMs(outcome.retryAll ? outcome.retryAllDelaySeconds : 0),
                       kMaxRetries + 1);
        } else {
          spool_.ack(message);
        }
      } catch (std::exception& e) {
        spdlog::error("queue \"{}\": message {}: {}", queueName_, message.id, e.what());
      }
    }
  }

  Worker& worker_;
  std::string entrypoint_;
  std::string queueName_;
  storage::QueueSpool spool_;
  kj::Timer& timer_;
  uv_loop_t* loop_;
  uv_fs_event_t* watch_ = nullptr;
  bool started_ = false;
  bool draining_ = false;
  bool dirty_ = false;
  bool inBatch_ = false;
  uint64_t lastRecoveryMs_ = 0;
  kj::Maybe<kj::Own<kj::PromiseFulfiller<void>>> wakeFulfiller_;
  kj::Own<kj::PromiseFulfiller<void>> drainedFulfiller_;
  kj::ForkedPromise<void> drained_ = nullptr;
  kj::Maybe<kj::Promise<void>> task_;
};

QueueConsumers::QueueConsumers(Server& server, kj::Timer& timer, uv_loop_t* loop) {
  for (auto* producer : server.workers()) {
    for (auto& binding : producer->source().bindings) {
      if (binding.type != WorkerSource::BindingType::QUEUE) continue;
      WorkerService* service = nullptr;
      KJ_IF_MAYBE(e, kj::runCatchingExceptions([&] {
                    service = dynamic_cast<WorkerService*>(&server.findService(binding.serviceName));
                  })) {
        continue;  // the binding reports the missing service when used
      }
      if (service == nullptr || !service->worker().hasQueueHandler(binding.entrypoint)) continue;
      ConsumerKey key{&service->worker(), normalEntrypoint(binding.entrypoint), binding.name};
      if (consumerRegistry().count(key) != 0) continue;
      consumers_.push_back(std::make_unique<QueueConsumer>(service->worker(), binding.entrypoint,
                                                           binding.name, timer, loop));
      consumerRegistry()[key] = consumers_.back().get();
    }
  }
}

QueueConsumers::~QueueConsumers() noexcept(false) {
  auto& registry = consumerRegistry();
  for (auto it = registry.begin(); it != registry.end();) {
    bool ours = std::any_of(consumers_.begin(), consumers_.end(),
                            [&](auto& c) { return c.get() == it->second; });
    it = ours ? registry.erase(it) : std::next(it);
  }
  consumers_.clear();
}

void QueueConsumers::start() {
  for (auto& consumer : consumers_) consumer->start();
}

kj::Promise<void> QueueConsumers::drain() {
  auto promises = kj::heapArrayBuilder<kj::Promise<void>>(consumers_.size());
  for (auto& consumer : consumers_) promises.add(consumer->drain());
  return kj::joinPromises(promises.finish());
}

namespace {

QueueConsumer* consumerBehind(v8::Local<v8::Value> target, v8::Local<v8::Value> queueName) {
  Worker* worker = nullptr;
  std::string entrypoint;
  if (!workerBehindTarget(target, worker, entrypoint)) return nullptr;
  auto* isolate = v8::Isolate::GetCurrent();
  auto it = consumerRegistry().find(
      ConsumerKey{worker, normalEntrypoint(entrypoint), js::toStdString(isolate, queueName)});
  return it == consumerRegistry().end() ? nullptr : it->second;
}

void queueHasConsumer(const v8::FunctionCallbackInfo<v8::Value>& info) {
  info.GetReturnValue().Set(consumerBehind(info[0], info[1]) != nullptr);
}

void queueSend(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  auto* consumer = consumerBehind(info[0], info[1]);
  if (consumer == nullptr || !info[2]->IsArray()) {
    return js::throwTypeError(isolate, "queueSend: bad arguments");
  }
  auto list = info[2].As<v8::Array>();
  try {
    for (uint32_t i = 0; i < list->Length(); ++i) {
      auto item = list->Get(context, i).ToLocalChecked().As<v8::Object>();
      auto bytes = js::bytesOf(prop(context, item, "body"));
      double delay = prop(context, item, "delay")->NumberValue(context).FromMaybe(0);
      consumer->spool().send(bytes.begin(), bytes.size(), secondsToMs(delay));
    }
  } catch (std::exception& e) {
    return js::throwError(isolate, std::string("Queue send failed: ") + e.what());
  }
  consumer->wake();
}

}  // namespace

void installQueueConsumerOps(Worker& worker, v8::Local<v8::Object> ops) {
  api::setOp(worker, ops, "queueHasConsumer", queueHasConsumer);
  api::setOp(worker, ops, "queueSend", queueSend);
}

}  // namespace colony
