#include "runtime/scheduled.h"

#include <map>

#include <kj/debug.h>

#include "runtime/api/ops.h"
#include "runtime/js_util.h"
#include "runtime/request_context.h"
#include "runtime/server.h"
#include "runtime/services/worker_service.h"

namespace colony {

using js::str;

kj::Promise<Worker::ScheduledOutcome> Worker::runScheduled(double scheduledTimeMs,
                                                           const std::string& cron,
                                                           const std::string& entrypoint) {
  kj::Promise<v8::Global<v8::Value>> result = nullptr;
  auto state = std::make_shared<v8::Global<v8::Object>>();
  enter([&] {
    auto context = this->context();
    v8::TryCatch tryCatch(isolate_);
    auto stateObject = v8::Object::New(isolate_);
    state->Reset(isolate_, stateObject);
    auto time = v8::Number::New(isolate_, scheduledTimeMs);
    auto cronText = str(isolate_, cron);
    auto ctx = RequestContext::newJsObject(*this, kj::refcounted<RequestContext>());
    v8::Local<v8::Value> value;
    bool ok = false;
    if (source_.syntax == WorkerSource::Syntax::SERVICE_WORKER) {
      v8::Local<v8::Value> args[] = {time, cronText, stateObject, ctx};
      ok = hook("dispatchScheduledEvent")->Call(context, v8::Undefined(isolate_), 4, args).ToLocal(&value);
    } else {
      auto makeController = [&]() -> v8::MaybeLocal<v8::Value> {
        v8::Local<v8::Value> args[] = {time, cronText, stateObject};
        return hook("makeScheduledController")->Call(context, v8::Undefined(isolate_), 3, args);
      };
      ok = callHandler(entrypoint, "scheduled", ctx, makeController, value) == HandlerCall::CALLED;
    }
    if (!ok) {
      result = KJ_EXCEPTION(FAILED, js::describeException(isolate_, context, tryCatch));
    } else {
      result = awaitJs(value);
    }
  });
  auto noRetry = [this, state]() {
    return enter([&] {
      v8::Local<v8::Value> flag;
      return state->Get(isolate_)->Get(context(), str(isolate_, "noRetry")).ToLocal(&flag) &&
             flag->IsTrue();
    });
  };
  return result.ignoreResult()
      .then([this]() { return whenWaitUntilDone(); })
      .then([noRetry]() mutable {
              ScheduledOutcome outcome;
              outcome.noRetry = noRetry();
              return outcome;
            },
            [this, noRetry](kj::Exception&& e) mutable {
              ScheduledOutcome outcome;
              outcome.ok = false;
              outcome.noRetry = noRetry();
              outcome.error = e.getDescription().cStr();
              logError("Uncaught " + outcome.error);
              return outcome;
            });
}

namespace {

// Entrypoints by their HTTP face, so that Fetcher.scheduled() can reach the worker behind a
// service binding's target.
std::map<const kj::HttpService*, std::pair<Worker*, std::string>>& targets() {
  static std::map<const kj::HttpService*, std::pair<Worker*, std::string>> map;
  return map;
}

// ops.serviceScheduled(target, scheduledTime, cron) -> Promise<{outcome, noRetry}>
void serviceScheduled(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto& worker = Worker::from(isolate);
  auto* service = api::unwrapServiceTarget(info[0]);
  if (service == nullptr) return js::throwTypeError(isolate, "not a service binding");
  auto it = targets().find(service);
  if (it == targets().end()) {
    return js::throwTypeError(isolate, "scheduled() can only be called on a service binding to a worker");
  }
  double time = info[1]->NumberValue(isolate->GetCurrentContext()).FromMaybe(0);
  auto cron = js::toStdString(isolate, info[2]);
  auto* isolateOfWorker = &worker;
  info.GetReturnValue().Set(worker.toJsPromise(
      it->second.first->runScheduled(time, cron, it->second.second),
      [isolateOfWorker](Worker::ScheduledOutcome&& outcome) -> v8::Local<v8::Value> {
        auto* isolate = isolateOfWorker->isolate();
        auto context = isolateOfWorker->context();
        auto result = v8::Object::New(isolate);
        (void)result->Set(context, str(isolate, "outcome"), str(isolate, outcome.ok ? "ok" : "exception"));
        (void)result->Set(context, str(isolate, "noRetry"), v8::Boolean::New(isolate, outcome.noRetry));
        return result;
      }));
}

}  // namespace

bool workerBehindTarget(v8::Local<v8::Value> target, Worker*& worker, std::string& entrypoint) {
  auto* service = api::unwrapServiceTarget(target);
  if (service == nullptr) return false;
  auto it = targets().find(service);
  if (it == targets().end()) return false;
  worker = it->second.first;
  entrypoint = it->second.second;
  return true;
}

void registerScheduledTarget(const kj::HttpService& service, Worker& worker,
                             const std::string& entrypoint) {
  targets()[&service] = {&worker, entrypoint};
}

void unregisterScheduledTargets(Worker& worker) {
  for (auto it = targets().begin(); it != targets().end();) {
    it = it->second.first == &worker ? targets().erase(it) : std::next(it);
  }
}

void installScheduledOps(Worker& worker, v8::Local<v8::Object> ops) {
  api::setOp(worker, ops, "serviceScheduled", serviceScheduled);
}

kj::Promise<Worker::ScheduledOutcome> runScheduled(Server& server, const std::string& service,
                                                   double scheduledTimeMs, const std::string& cron) {
  auto* worker = dynamic_cast<WorkerService*>(&server.findService(service));
  KJ_REQUIRE(worker != nullptr, kj::str("service \"", service.c_str(), "\" is not a worker"));
  return worker->worker().runScheduled(scheduledTimeMs, cron);
}

}  // namespace colony
