#include "ipc/uv_event_port.h"

#include <kj/debug.h>
#include <kj/time.h>

namespace colony {

namespace {

uv_handle_t* asHandle(void* handle) { return reinterpret_cast<uv_handle_t*>(handle); }

}  // namespace

UvEventPort::UvEventPort(uv_loop_t* loop)
    : loop_(loop), timer_(*this, kj::systemPreciseMonotonicClock().now()) {
  KJ_REQUIRE(loop_ != nullptr);
  KJ_ASSERT(uv_idle_init(loop_, &idle_) == 0);
  idle_.data = this;
  KJ_ASSERT(uv_check_init(loop_, &check_) == 0);
  check_.data = this;
  uv_check_start(&check_, &onCheck);
  uv_unref(asHandle(&check_));
  KJ_ASSERT(uv_timer_init(loop_, &timerHandle_) == 0);
  timerHandle_.data = this;
  KJ_ASSERT(uv_prepare_init(loop_, &prepare_) == 0);
  prepare_.data = this;
  uv_prepare_start(&prepare_, &onPrepare);
  uv_unref(asHandle(&prepare_));
  KJ_ASSERT(uv_async_init(loop_, &async_, &onAsync) == 0);
  async_.data = this;
  uv_unref(asHandle(&async_));

  kjLoop_ = kj::heap<kj::EventLoop>(*this);
  waitScope_ = kj::heap<kj::WaitScope>(*kjLoop_);
}

UvEventPort::~UvEventPort() noexcept(false) {
  // KJ first: destroying the loop may still arm events (daemon tasks being cancelled), which calls
  // setRunnable() on handles that must still be open. After this no other thread can wake() us:
  // the EventLoop disconnects its executor under the executor's lock.
  waitScope_ = nullptr;
  kjLoop_ = nullptr;

  uv_close(asHandle(&idle_), nullptr);
  uv_close(asHandle(&check_), nullptr);
  uv_close(asHandle(&timerHandle_), nullptr);
  uv_close(asHandle(&prepare_), nullptr);
  uv_close(asHandle(&async_), nullptr);
  // Let libuv finish closing the handles, which live inside this object.
  uv_run(loop_, UV_RUN_NOWAIT);
}

bool UvEventPort::wait() {
  // Called by KJ (inside promise.wait()) when its queue is empty: block in libuv until something
  // happens. The async handle is referenced meanwhile, so a wake() from another thread counts as
  // something to wait for even if no other handle keeps the loop alive.
  runAfterTurnHook();
  advanceTimer();
  armTimer();
  kjDrivingUv_ = true;
  KJ_DEFER(kjDrivingUv_ = false);
  // KJ only calls wait() with an empty queue, but it does not report that through
  // setRunnable(false), so the idle handle may still be active: park it, or libuv would spin
  // instead of blocking. If the hook queued KJ work, just poll.
  bool kjHasWork = kjLoop_->isRunnable();
  if (runnable_) uv_idle_stop(&idle_);
  uv_ref(asHandle(&async_));
  uv_run(loop_, kjHasWork ? UV_RUN_NOWAIT : UV_RUN_ONCE);
  uv_unref(asHandle(&async_));
  if (runnable_) uv_idle_start(&idle_, &onIdle);
  advanceTimer();
  return woken_.exchange(false);
}

bool UvEventPort::poll() {
  if (uvDrivingKj_) {
    // KJ is being run from one of our libuv callbacks: libuv has already polled this iteration
    // (and cannot be re-entered). Only report cross-thread wake-ups and due timers.
    advanceTimer();
    return woken_.exchange(false);
  }
  kjDrivingUv_ = true;
  KJ_DEFER(kjDrivingUv_ = false);
  uv_run(loop_, UV_RUN_NOWAIT);
  advanceTimer();
  return woken_.exchange(false);
}

void UvEventPort::setRunnable(bool runnable) {
  if (runnable == runnable_) return;
  runnable_ = runnable;
  if (runnable) {
    // A referenced, active idle handle makes libuv poll for I/O without blocking, and keeps
    // uv_run(DEFAULT) alive while KJ has work.
    uv_idle_start(&idle_, &onIdle);
  } else {
    uv_idle_stop(&idle_);
  }
}

void UvEventPort::wake() const {
  // May be called from any thread. KJ queued the event before calling us, so whoever consumes
  // the flag will find the event when it polls the executor.
  woken_.store(true);
  uv_async_send(&async_);
}

void UvEventPort::runKjFromUv() {
  if (kjDrivingUv_ || uvDrivingKj_) return;  // KJ is already running further up the stack
  uvDrivingKj_ = true;
  KJ_DEFER(uvDrivingKj_ = false);
  advanceTimer();
  kjLoop_->run(kMaxTurnsPerIteration);
  if (!kjLoop_->isRunnable() && woken_.load()) {
    // Queue drained and another thread sent us events: WaitScope::poll() calls our poll(),
    // which reports the wake-up, which makes KJ move the cross-thread events into its queue and
    // run them.
    waitScope_->poll();
  }
  runAfterTurnHook();
}

void UvEventPort::runAfterTurnHook() {
  if (afterTurnHook_ != nullptr) afterTurnHook_(afterTurnData_);
}

void UvEventPort::advanceTimer() {
  timer_.impl().advanceTo(kj::systemPreciseMonotonicClock().now());
}

kj::Promise<void> UvEventPort::UvTimer::atTime(kj::TimePoint time) {
  auto promise = impl_.atTime(time);
  port_.armTimer();
  return promise;
}

kj::Promise<void> UvEventPort::UvTimer::afterDelay(kj::Duration delay) {
  auto promise = impl_.afterDelay(delay);
  port_.armTimer();
  return promise;
}

void UvEventPort::armTimer() {
  KJ_IF_MAYBE(next, timer_.impl().nextEvent()) {
    KJ_IF_MAYBE(armed, armedDeadline_) {
      if (*armed == *next) return;  // the uv timer already matches
    }
    auto now = kj::systemPreciseMonotonicClock().now();
    uint64_t ms = 0;
    if (*next > now) {
      // Round up so the timer never fires before the KJ deadline.
      ms = (*next - now + 999 * kj::MICROSECONDS) / kj::MILLISECONDS;
    }
    // libuv counts from its cached loop time, which may lag `now`; refresh it so the delay
    // starts from the present.
    uv_update_time(loop_);
    uv_timer_start(&timerHandle_, &onTimer, ms, 0);
    armedDeadline_ = *next;
  } else {
    if (armedDeadline_ != nullptr) uv_timer_stop(&timerHandle_);
    armedDeadline_ = nullptr;
  }
}

void UvEventPort::onIdle(uv_idle_t* handle) {
  static_cast<UvEventPort*>(handle->data)->runKjFromUv();
}

void UvEventPort::onCheck(uv_check_t* handle) {
  // Right after libuv's I/O callbacks: run the KJ work they made runnable in the same iteration.
  auto* self = static_cast<UvEventPort*>(handle->data);
  if (self->runnable_) self->runKjFromUv();
  self->armTimer();
}

void UvEventPort::onTimer(uv_timer_t* handle) {
  auto* self = static_cast<UvEventPort*>(handle->data);
  self->armedDeadline_ = nullptr;  // one-shot: it is no longer armed
  self->advanceTimer();  // fulfils due timer promises, which makes KJ runnable
  self->runKjFromUv();
  self->armTimer();  // re-arm for the next deadline (or for this one if libuv fired early)
}

void UvEventPort::onPrepare(uv_prepare_t* handle) {
  // Runs just before libuv blocks for I/O: make sure the uv timer matches KJ's earliest timer,
  // whoever added it.
  static_cast<UvEventPort*>(handle->data)->armTimer();
}

void UvEventPort::onAsync(uv_async_t* handle) {
  // Another thread queued events on this loop's executor. Under promise.wait() the flag is
  // consumed by wait() returning true; under uv_run we pick the events up here.
  static_cast<UvEventPort*>(handle->data)->runKjFromUv();
}

void closeLoopHandles(uv_loop_t* loop) {
  uv_walk(
      loop,
      [](uv_handle_t* handle, void*) {
        if (!uv_is_closing(handle)) uv_close(handle, nullptr);
      },
      nullptr);
  uv_run(loop, UV_RUN_DEFAULT);
}

}  // namespace colony
