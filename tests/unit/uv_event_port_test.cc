// UvEventPort: KJ's event loop, timers and cross-thread events on a libuv loop, driven either by
// promise.wait() (tools) or by uv_run(UV_RUN_DEFAULT) (serve).
#include "ipc/uv_event_port.h"

#include <gtest/gtest.h>

#include <kj/debug.h>
#include <kj/function.h>
#include <kj/time.h>
#include <kj/vector.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace colony {
namespace {

constexpr uint64_t kGuardMs = 5000;  // no test here should take anywhere near this long

// Owns a libuv loop and checks that everything was closed when the test is done.
class UvLoop {
 public:
  UvLoop() { uv_loop_init(&loop_); }
  ~UvLoop() { EXPECT_EQ(uv_loop_close(&loop_), 0) << "leaked libuv handles"; }
  uv_loop_t* get() { return &loop_; }

 private:
  uv_loop_t loop_;
};

// A referenced uv_timer that stops uv_run if a test would otherwise hang, and keeps uv_run(DEFAULT)
// alive until disarm() while the test waits for something that does not hold the loop itself.
class Watchdog {
 public:
  explicit Watchdog(uv_loop_t* loop) {
    uv_timer_init(loop, &timer_);
    timer_.data = this;
    uv_timer_start(&timer_, [](uv_timer_t* t) {
      static_cast<Watchdog*>(t->data)->fired = true;
      uv_stop(t->loop);
    }, kGuardMs, 0);
  }
  ~Watchdog() { disarm(); }
  void disarm() {
    if (!closed_) {
      closed_ = true;
      uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
    }
  }
  bool fired = false;

 private:
  uv_timer_t timer_;
  bool closed_ = false;
};

template <typename T>
T waitWithTimeout(kj::Promise<T>&& promise, UvEventPort& port) {
  return port.timer()
      .timeoutAfter(kGuardMs * kj::MILLISECONDS, kj::mv(promise))
      .wait(port.waitScope());
}

TEST(UvEventPort, TimerFiresInsideWait) {
  UvLoop loop;
  {
    UvEventPort port(loop.get());
    auto start = kj::systemPreciseMonotonicClock().now();
    port.timer().afterDelay(20 * kj::MILLISECONDS).wait(port.waitScope());
    EXPECT_GE(kj::systemPreciseMonotonicClock().now() - start, 20 * kj::MILLISECONDS);
    EXPECT_GE(port.timer().now() - start, 20 * kj::MILLISECONDS);
  }
}

TEST(UvEventPort, TimersFireInDeadlineOrder) {
  UvLoop loop;
  {
    UvEventPort port(loop.get());
    std::vector<int> order;
    auto& timer = port.timer();
    auto a = timer.afterDelay(30 * kj::MILLISECONDS).then([&] { order.push_back(30); }).eagerlyEvaluate(nullptr);
    auto b = timer.afterDelay(10 * kj::MILLISECONDS).then([&] { order.push_back(10); }).eagerlyEvaluate(nullptr);
    auto c = timer.afterDelay(20 * kj::MILLISECONDS).then([&] { order.push_back(20); }).eagerlyEvaluate(nullptr);
    auto d = timer.afterDelay(0 * kj::MILLISECONDS).then([&] { order.push_back(0); }).eagerlyEvaluate(nullptr);
    kj::Vector<kj::Promise<void>> all;
    all.add(kj::mv(a));
    all.add(kj::mv(b));
    all.add(kj::mv(c));
    all.add(kj::mv(d));
    waitWithTimeout(kj::joinPromises(all.releaseAsArray()), port);
    EXPECT_EQ(order, (std::vector<int>{0, 10, 20, 30}));
  }
}

TEST(UvEventPort, TimeoutAfterRejectsSlowPromiseAndPassesFastOne) {
  UvLoop loop;
  {
    UvEventPort port(loop.get());
    auto slow = port.timer().timeoutAfter(15 * kj::MILLISECONDS, kj::Promise<int>(kj::NEVER_DONE));
    try {
      slow.wait(port.waitScope());
      ADD_FAILURE() << "a never-done promise did not time out";
    } catch (const kj::Exception& e) {
      EXPECT_EQ(e.getType(), kj::Exception::Type::OVERLOADED);
    }

    auto fast = port.timer().timeoutAfter(
        1000 * kj::MILLISECONDS,
        port.timer().afterDelay(5 * kj::MILLISECONDS).then([] { return 42; }));
    EXPECT_EQ(fast.wait(port.waitScope()), 42);
  }
}

TEST(UvEventPort, PollRunsReadyWorkWithoutBlocking) {
  UvLoop loop;
  {
    UvEventPort port(loop.get());
    bool ran = false;
    auto promise = kj::evalLater([&] { ran = true; }).eagerlyEvaluate(nullptr);
    auto never = port.timer().afterDelay(10 * kj::SECONDS);
    EXPECT_TRUE(promise.poll(port.waitScope()));
    EXPECT_TRUE(ran);
    EXPECT_FALSE(never.poll(port.waitScope()));  // a far timer must not make poll() block
  }
}

TEST(UvEventPort, WaitBlocksInLibuvInsteadOfSpinning) {
  // KJ keeps its "runnable" state set for the whole of promise.wait() once any event ran; the
  // port must still block in libuv while KJ's queue is empty.
  UvLoop loop;
  {
    UvEventPort port(loop.get());
    uv_prepare_t counter;
    uv_prepare_init(loop.get(), &counter);
    uint64_t iterations = 0;
    counter.data = &iterations;
    uv_prepare_start(&counter, [](uv_prepare_t* p) { ++*static_cast<uint64_t*>(p->data); });
    uv_unref(reinterpret_cast<uv_handle_t*>(&counter));

    kj::evalLater([&] { return port.timer().afterDelay(50 * kj::MILLISECONDS); })
        .wait(port.waitScope());
    EXPECT_LT(iterations, 20u) << "libuv iterated instead of blocking until the timer";
    uv_close(reinterpret_cast<uv_handle_t*>(&counter), nullptr);
  }
}

TEST(UvEventPort, CrossThreadEventsRunUnderPromiseWait) {
  UvLoop loop;
  {
    UvEventPort port(loop.get());
    const kj::Executor& executor = kj::getCurrentThreadExecutor();
    auto loopThread = std::this_thread::get_id();
    auto paf = kj::newPromiseAndFulfiller<int>();
    std::atomic<int> ranOnLoopThread{0};
    std::thread other([&] {
      for (int i = 0; i < 100; i++) {
        executor.executeSync([&] {
          if (std::this_thread::get_id() == loopThread) ranOnLoopThread++;
        });
      }
      executor.executeSync([&] { paf.fulfiller->fulfill(7); });
    });
    EXPECT_EQ(waitWithTimeout(kj::mv(paf.promise), port), 7);
    other.join();
    EXPECT_EQ(ranOnLoopThread.load(), 100);
  }
}

TEST(UvEventPort, CrossThreadEventsRunUnderUvRunDefault) {
  UvLoop loop;
  {
    UvEventPort port(loop.get());
    const kj::Executor& executor = kj::getCurrentThreadExecutor();
    auto loopThread = std::this_thread::get_id();
    Watchdog watchdog(loop.get());
    int ran = 0;
    std::atomic<bool> senderDone{false};
    std::thread other([&] {
      for (int i = 0; i < 50; i++) {
        executor.executeSync([&] {
          EXPECT_EQ(std::this_thread::get_id(), loopThread);
          ran++;
        });
      }
      // The last event lets the loop end: nothing else holds it.
      executor.executeSync([&] { watchdog.disarm(); });
      senderDone = true;
    });
    uv_run(loop.get(), UV_RUN_DEFAULT);
    if (!senderDone) {
      // uv_run gave up (watchdog): deliver the rest the other way so the sender can finish.
      watchdog.disarm();
      auto deadline = kj::systemPreciseMonotonicClock().now() + 5 * kj::SECONDS;
      while (!senderDone && kj::systemPreciseMonotonicClock().now() < deadline) {
        port.waitScope().poll();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      if (!senderDone) {
        ADD_FAILURE() << "cross-thread events are not delivered at all";
        std::abort();
      }
    }
    other.join();
    EXPECT_FALSE(watchdog.fired);
    EXPECT_EQ(ran, 50);
  }
}

TEST(UvEventPort, KjTimerKeepsUvRunAliveAndFires) {
  UvLoop loop;
  {
    UvEventPort port(loop.get());
    auto start = kj::systemPreciseMonotonicClock().now();
    bool fired = false;
    auto promise = port.timer()
                       .afterDelay(25 * kj::MILLISECONDS)
                       .then([&] { fired = true; })
                       .eagerlyEvaluate(nullptr);
    Watchdog watchdog(loop.get());
    // Nothing but the KJ timer and the watchdog is alive; disarm the watchdog from KJ so that
    // uv_run returns only because KJ's timer fired and its work finished.
    auto stopper = promise.then([&] { watchdog.disarm(); }).eagerlyEvaluate(nullptr);
    uv_run(loop.get(), UV_RUN_DEFAULT);
    EXPECT_TRUE(fired);
    EXPECT_FALSE(watchdog.fired);
    EXPECT_GE(kj::systemPreciseMonotonicClock().now() - start, 25 * kj::MILLISECONDS);
  }
}

TEST(UvEventPort, RawUvTimerFulfilsKjPromiseUnderUvRun) {
  UvLoop loop;
  {
    UvEventPort port(loop.get());
    auto paf = kj::newPromiseAndFulfiller<int>();
    int result = 0;
    auto chain = paf.promise.then([](int v) { return kj::evalLater([v] { return v * 2; }); })
                     .then([&](int v) { result = v; })
                     .eagerlyEvaluate(nullptr);

    uv_timer_t raw;
    uv_timer_init(loop.get(), &raw);
    raw.data = paf.fulfiller.get();
    uv_timer_start(&raw, [](uv_timer_t* t) {
      static_cast<kj::PromiseFulfiller<int>*>(t->data)->fulfill(21);
      uv_close(reinterpret_cast<uv_handle_t*>(t), nullptr);
    }, 5, 0);
    // uv_run returns once the raw timer is closed and KJ has run the whole chain.
    uv_run(loop.get(), UV_RUN_DEFAULT);
    EXPECT_EQ(result, 42);
  }
}

TEST(UvEventPort, AfterTurnHookRunsAfterKjWork) {
  UvLoop loop;
  {
    UvEventPort port(loop.get());
    struct State {
      int events = 0;
      int hookCalls = 0;
      int eventsSeenByHook = -1;
    } state;
    port.setAfterTurnHook([](void* data) {
      auto* s = static_cast<State*>(data);
      s->hookCalls++;
      s->eventsSeenByHook = s->events;
    }, &state);
    auto a = kj::evalLater([&] { state.events++; }).eagerlyEvaluate(nullptr);
    auto b = kj::evalLater([&] { state.events++; }).eagerlyEvaluate(nullptr);
    uv_run(loop.get(), UV_RUN_DEFAULT);
    EXPECT_EQ(state.events, 2);
    EXPECT_GE(state.hookCalls, 1);
    EXPECT_EQ(state.eventsSeenByHook, 2);
    port.setAfterTurnHook(nullptr, nullptr);
  }
}

TEST(UvEventPort, EndlessKjWorkDoesNotStarveLibuv) {
  UvLoop loop;
  {
    UvEventPort port(loop.get());
    bool stop = false;
    uint64_t turns = 0;
    kj::Function<kj::Promise<void>()> spin = [&]() -> kj::Promise<void> {
      if (stop) return kj::READY_NOW;
      turns++;
      return kj::evalLater([&] { return spin(); });
    };
    auto spinning = spin().eagerlyEvaluate(nullptr);

    uv_timer_t raw;
    uv_timer_init(loop.get(), &raw);
    raw.data = &stop;
    uv_timer_start(&raw, [](uv_timer_t* t) {
      *static_cast<bool*>(t->data) = true;
      uv_close(reinterpret_cast<uv_handle_t*>(t), nullptr);
    }, 10, 0);
    Watchdog watchdog(loop.get());
    auto stopper = spinning.then([&] { watchdog.disarm(); }).eagerlyEvaluate(nullptr);
    uv_run(loop.get(), UV_RUN_DEFAULT);
    EXPECT_TRUE(stop) << "the libuv timer never ran while KJ was busy";
    EXPECT_FALSE(watchdog.fired);
    EXPECT_GT(turns, 0u);
  }
}

TEST(UvEventPort, PromiseWaitAfterUvRunAndBack) {
  // Tools mix both styles in one process: wait() for setup, uv_run for serving, wait() again.
  UvLoop loop;
  {
    UvEventPort port(loop.get());
    port.timer().afterDelay(2 * kj::MILLISECONDS).wait(port.waitScope());
    bool ran = false;
    auto p = port.timer().afterDelay(2 * kj::MILLISECONDS).then([&] { ran = true; })
                 .eagerlyEvaluate(nullptr);
    uv_run(loop.get(), UV_RUN_DEFAULT);
    EXPECT_TRUE(ran);
    EXPECT_EQ(waitWithTimeout(kj::evalLater([] { return 5; }), port), 5);
  }
}

}  // namespace
}  // namespace colony
