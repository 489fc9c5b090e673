// ops.setTimer / ops.clearTimer: one libuv timer per JS timer, calling back into the isolate.
#include <uv.h>

#include <map>

#include "runtime/api/ops.h"
#include "runtime/js_util.h"
#include "runtime/worker.h"

namespace colony::api {

// A pending JS timer, listed in its worker's timers() by id; freed when it is cleared or has
// fired for the last time (uv_close completes asynchronously).
struct Timer {
  uv_timer_t handle;
  Worker* worker;
  uint32_t id;
  bool repeat;
  v8::Global<v8::Function> callback;
};

namespace {

void closeTimer(Timer* timer) {
  timer->worker->timers().erase(timer->id);
  timer->callback.Reset();
  uv_timer_stop(&timer->handle);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer->handle),
           [](uv_handle_t* h) { delete static_cast<Timer*>(h->data); });
}

void onTimer(uv_timer_t* handle) {
  auto* timer = static_cast<Timer*>(handle->data);
  auto& worker = *timer->worker;
  bool repeat = timer->repeat;
  worker.enter([&] {
    auto* isolate = worker.isolate();
    v8::TryCatch tryCatch(isolate);
    auto callback = timer->callback.Get(isolate);
    if (!repeat) closeTimer(timer);  // a one-shot timer is gone before its callback runs
    if (callback->Call(worker.context(), v8::Undefined(isolate), 0, nullptr).IsEmpty() &&
        tryCatch.HasCaught() && !tryCatch.HasTerminated()) {
      worker.logError("Uncaught " +
                      js::describeException(isolate, worker.context(), tryCatch));
    }
  });
}

void setTimer(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto& worker = Worker::from(isolate);
  if (!info[0]->IsFunction()) return js::throwTypeError(isolate, "timer callback is not a function");
  double delay = info[1]->NumberValue(isolate->GetCurrentContext()).FromMaybe(0);
  if (!(delay >= 0)) delay = 0;
  if (delay > 2147483647.0) delay = 2147483647.0;
  bool repeat = info[2]->BooleanValue(isolate);
  auto* timer = new Timer{};
  timer->worker = &worker;
  timer->id = worker.nextTimerId();
  timer->repeat = repeat;
  timer->callback.Reset(isolate, info[0].As<v8::Function>());
  uv_timer_init(worker.host().port.uvLoop(), &timer->handle);
  timer->handle.data = timer;
  auto ms = static_cast<uint64_t>(delay);
  // The loop's cached time dates from the start of this tick; after a long synchronous stretch
  // it is stale and the timer would fire early.
  uv_update_time(worker.host().port.uvLoop());
  uv_timer_start(&timer->handle, &onTimer, ms, repeat ? (ms > 0 ? ms : 1) : 0);
  worker.timers()[timer->id] = timer;
  info.GetReturnValue().Set(v8::Integer::NewFromUnsigned(isolate, timer->id));
}

void clearTimer(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto& worker = Worker::from(isolate);
  auto id = info[0]->Uint32Value(isolate->GetCurrentContext()).FromMaybe(0);
  auto& timers = worker.timers();
  auto it = timers.find(id);
  if (it != timers.end()) closeTimer(it->second);
}

}  // namespace

void installTimerOps(Worker& worker, v8::Local<v8::Object> ops) {
  setOp(worker, ops, "setTimer", &setTimer);
  setOp(worker, ops, "clearTimer", &clearTimer);
}

void cancelAllTimers(Worker& worker) {
  auto pending = worker.timers();  // closeTimer() removes each from the worker's list
  for (auto& [id, timer] : pending) closeTimer(timer);
}

}  // namespace colony::api
