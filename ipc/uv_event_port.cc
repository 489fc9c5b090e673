#include "ipc/uv_event_port.h"

#include <kj/debug.h>
#include <kj/time.h>

namespace colony {

UvEventPort::UvEventPort(uv_loop_t* loop)
    : loop_(loop),
      timer_(kj::systemPreciseMonotonicClock().now()),
      kjLoop_(*this),
      waitScope_(kjLoop_) {
  uv_idle_init(loop_, &idle_);
  idle_.data = this;
  uv_timer_init(loop_, &timerHandle_);
  timerHandle_.data = this;
  uv_prepare_init(loop_, &prepare_);
  prepare_.data = this;
  uv_prepare_start(&prepare_, &onPrepare);
  uv_unref(reinterpret_cast<uv_handle_t*>(&prepare_));
  uv_async_init(loop_, &async_, &onAsync);
  async_.data = this;
  uv_unref(reinterpret_cast<uv_handle_t*>(&async_));
}

UvEventPort::~UvEventPort() noexcept(false) {
  uv_close(reinterpret_cast<uv_handle_t*>(&idle_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&timerHandle_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&prepare_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
  // Let libuv finish closing the handles, which live inside this object.
  uv_run(loop_, UV_RUN_NOWAIT);
}

bool UvEventPort::wait() {
  // Called by KJ (inside promise.wait()) when its queue is empty: block in libuv until something
  // happens. The async handle is referenced meanwhile, so a wake() from another thread counts as
  // something to wait for.
  advanceTimer();
  armTimer();
  insideKjWait_ = true;
  uv_ref(reinterpret_cast<uv_handle_t*>(&async_));
  uv_run(loop_, UV_RUN_ONCE);
  uv_unref(reinterpret_cast<uv_handle_t*>(&async_));
  insideKjWait_ = false;
  advanceTimer();
  return woken_.exchange(false);
}

bool UvEventPort::poll() {
  insideKjWait_ = true;
  uv_run(loop_, UV_RUN_NOWAIT);
  insideKjWait_ = false;
  advanceTimer();
  return woken_.exchange(false);
}

void UvEventPort::setRunnable(bool runnable) {
  if (runnable == runnable_) return;
  runnable_ = runnable;
  if (runnable) {
    uv_idle_start(&idle_, &onIdle);
  } else {
    uv_idle_stop(&idle_);
  }
}

void UvEventPort::wake() const {
  woken_.store(true);
  uv_async_send(&async_);
}

void UvEventPort::runKj() {
  if (insideKjWait_) return;  // KJ is already running its own loop further up the stack
  kjLoop_.run();
  if (afterTurnHook_ != nullptr) afterTurnHook_(afterTurnData_);
}

void UvEventPort::advanceTimer() { timer_.advanceTo(kj::systemPreciseMonotonicClock().now()); }

void UvEventPort::armTimer() {
  KJ_IF_MAYBE(next, timer_.nextEvent()) {
    auto now = kj::systemPreciseMonotonicClock().now();
    uint64_t ms = 0;
    if (*next > now) {
      // Round up so the timer never fires before the KJ deadline.
      ms = (*next - now + 999 * kj::MICROSECONDS) / kj::MILLISECONDS;
    }
    uv_timer_start(&timerHandle_, &onTimer, ms, 0);
  } else {
    uv_timer_stop(&timerHandle_);
  }
}

void UvEventPort::onIdle(uv_idle_t* handle) {
  auto* self = static_cast<UvEventPort*>(handle->data);
  self->advanceTimer();
  self->runKj();
}

void UvEventPort::onTimer(uv_timer_t* handle) {
  auto* self = static_cast<UvEventPort*>(handle->data);
  self->advanceTimer();  // fulfils due timer promises, which makes KJ runnable
  self->runKj();
  self->armTimer();
}

void UvEventPort::onPrepare(uv_prepare_t* handle) {
  // Runs just before libuv blocks for I/O: make sure the uv timer matches KJ's earliest timer,
  // whoever added it.
  static_cast<UvEventPort*>(handle->data)->armTimer();
}

void UvEventPort::onAsync(uv_async_t* handle) {
  // The wake-up itself is the event: KJ's cross-thread queue is checked when the loop runs.
  auto* self = static_cast<UvEventPort*>(handle->data);
  self->runKj();
}

}  // namespace colony
