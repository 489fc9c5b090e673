// A kj::EventPort driven by a libuv loop: libuv owns the thread's loop, and KJ's event queue,
// timers and cross-thread wake-ups run inside it.
//
// Two ways to drive it:
//  - uv_run(loop, UV_RUN_DEFAULT) at the top of a program (serve): KJ work queued from libuv
//    callbacks runs from an idle handle, KJ timers fire from a uv_timer.
//  - promise.wait(port.waitScope()) at the top of a program (check, test, unit tests): KJ calls
//    wait()/poll(), which run one libuv iteration each.
// Never call promise.wait() from inside a libuv callback: libuv's loop is not reentrant.
#pragma once

#include <uv.h>

#include <atomic>

#include <kj/async.h>
#include <kj/timer.h>

namespace colony {

class UvEventPort final : public kj::EventPort {
 public:
  explicit UvEventPort(uv_loop_t* loop);
  ~UvEventPort() noexcept(false);
  KJ_DISALLOW_COPY(UvEventPort);

  uv_loop_t* uvLoop() const { return loop_; }
  kj::EventLoop& kjLoop() { return kjLoop_; }
  kj::WaitScope& waitScope() { return waitScope_; }
  // KJ timers, fired from libuv. now() is the monotonic clock as of the last loop turn.
  kj::Timer& timer() { return timer_; }

  // Hook run after KJ has drained its queue from the idle handle (the runtime uses it to run a
  // V8 microtask checkpoint). Optional.
  void setAfterTurnHook(void (*hook)(void*), void* data) {
    afterTurnHook_ = hook;
    afterTurnData_ = data;
  }

  bool wait() override;
  bool poll() override;
  void setRunnable(bool runnable) override;
  void wake() const override;

 private:
  static void onIdle(uv_idle_t* handle);
  static void onTimer(uv_timer_t* handle);
  static void onPrepare(uv_prepare_t* handle);
  static void onAsync(uv_async_t* handle);

  void runKj();
  void advanceTimer();
  void armTimer();

  uv_loop_t* loop_;
  uv_idle_t idle_;
  uv_timer_t timerHandle_;
  uv_prepare_t prepare_;
  mutable uv_async_t async_;
  mutable std::atomic<bool> woken_{false};
  bool runnable_ = false;
  bool insideKjWait_ = false;
  void (*afterTurnHook_)(void*) = nullptr;
  void* afterTurnData_ = nullptr;

  kj::TimerImpl timer_;
  kj::EventLoop kjLoop_;
  kj::WaitScope waitScope_;
};

}  // namespace colony
