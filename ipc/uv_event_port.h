// A kj::EventPort driven by a libuv loop: libuv owns the thread's loop, and KJ's event queue,
// timers and cross-thread wake-ups run inside it.
//
// Two ways to drive it:
//  - uv_run(loop, UV_RUN_DEFAULT) at the top of a program (serve). KJ events made runnable by
//    libuv callbacks run from a check handle in the same loop iteration; an idle handle keeps
//    libuv from blocking while KJ has work. KJ timers fire from a uv_timer; events queued from
//    other threads (kj::Executor) wake the loop through a uv_async.
//    Pending KJ timers keep uv_run alive (like a referenced uv_timer); a waiting cross-thread
//    executor does not (nothing in KJ says whether anyone will ever send to it).
//  - promise.wait(port.waitScope()) at the top of a program (check, test, unit tests): KJ calls
//    wait()/poll(), which run one libuv iteration each; all libuv callbacks run meanwhile.
// Never call promise.wait() or waitScope().poll() from inside a libuv callback, nor uv_run()
// from inside a KJ callback: neither loop is reentrant.
//
// Each uv_run iteration runs at most kMaxTurnsPerIteration KJ events before libuv polls for I/O
// again, so a long chain of KJ work cannot starve libuv's own handles.
#pragma once

#include <uv.h>

#include <atomic>

#include <kj/async.h>
#include <kj/timer.h>

namespace colony {

class UvEventPort final : public kj::EventPort {
 public:
  explicit UvEventPort(uv_loop_t* loop);
  // Destroys the KJ loop, then closes the libuv handles and runs one UV_RUN_NOWAIT iteration so
  // their memory (inside this object) is released. Destroy it outside uv_run().
  ~UvEventPort() noexcept(false);
  KJ_DISALLOW_COPY(UvEventPort);

  static constexpr uint kMaxTurnsPerIteration = 1024;

  uv_loop_t* uvLoop() const { return loop_; }
  kj::EventLoop& kjLoop() { return *kjLoop_; }
  kj::WaitScope& waitScope() { return *waitScope_; }
  // KJ timers, fired from a uv_timer. now() is the monotonic clock as of the last loop turn.
  kj::Timer& timer() { return timer_; }

  // Hook run each time KJ's queue has been drained: after KJ events ran from a libuv callback,
  // and before promise.wait() blocks in libuv. The HTTP server uses it to write the responses
  // batched during the turn. Work the hook queues on KJ runs in the next turn. Optional.
  void setAfterTurnHook(void (*hook)(void*), void* data) {
    afterTurnHook_ = hook;
    afterTurnData_ = data;
  }

  // kj::EventPort.
  bool wait() override;
  bool poll() override;
  void setRunnable(bool runnable) override;
  void wake() const override;

 private:
  static void onIdle(uv_idle_t* handle);
  static void onCheck(uv_check_t* handle);
  static void onTimer(uv_timer_t* handle);
  static void onPrepare(uv_prepare_t* handle);
  static void onAsync(uv_async_t* handle);

  // Runs KJ events from a libuv callback (top level is uv_run), unless KJ itself is driving.
  void runKjFromUv();
  void runAfterTurnHook();
  void advanceTimer();
  void armTimer();

  uv_loop_t* loop_;
  uv_idle_t idle_;
  uv_check_t check_;
  uv_timer_t timerHandle_;
  uv_prepare_t prepare_;
  mutable uv_async_t async_;
  mutable std::atomic<bool> woken_{false};
  bool runnable_ = false;
  bool kjDrivingUv_ = false;  // inside wait()/poll() called by KJ: KJ runs its own events
  bool uvDrivingKj_ = false;  // inside runKjFromUv(): poll() must not re-enter libuv
  kj::Maybe<kj::TimePoint> armedDeadline_;
  void (*afterTurnHook_)(void*) = nullptr;
  void* afterTurnData_ = nullptr;

  // KJ's timer queue, plus arming the uv_timer as soon as a KJ timer is added (so that a timer
  // created outside any loop callback keeps uv_run alive from the start).
  class UvTimer final : public kj::Timer {
   public:
    UvTimer(UvEventPort& port, kj::TimePoint start) : port_(port), impl_(start) {}
    kj::TimePoint now() const override { return impl_.now(); }
    kj::Promise<void> atTime(kj::TimePoint time) override;
    kj::Promise<void> afterDelay(kj::Duration delay) override;
    kj::TimerImpl& impl() { return impl_; }

   private:
    UvEventPort& port_;
    kj::TimerImpl impl_;
  };

  UvTimer timer_;
  kj::Own<kj::EventLoop> kjLoop_;
  kj::Own<kj::WaitScope> waitScope_;
};

// Closes every handle left on `loop` and runs it until their close callbacks have run, so the
// loop can be closed (the end of a runtime's life).
void closeLoopHandles(uv_loop_t* loop);

}  // namespace colony
