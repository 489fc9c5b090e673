#include "runtime/runtime_main.h"

#include <spdlog/spdlog.h>
#include <uv.h>

#include <unistd.h>

#include <cstdio>
#include <vector>

#include <kj/debug.h>

#include "config/cron_schedule.h"
#include "ipc/uv_event_port.h"
#include "runtime/scheduled.h"
#include "runtime/test_runner.h"
#include "runtime/v8_system.h"

namespace colony {

std::vector<std::string> v8Flags(config::Config::Reader config, bool predictable) {
  std::vector<std::string> flags;
  for (auto flag : config.getV8Flags()) flags.emplace_back(flag.cStr());
  if (predictable) {
    flags.emplace_back("--random-seed=7");
    flags.emplace_back("--hash-seed=7");
  }
  return flags;
}

namespace {

// Cron triggers under --single-process: each due tick runs in this process, logged as the
// supervisor logs it.
class InProcessCron : private kj::TaskSet::ErrorHandler {
 public:
  InProcessCron(uv_loop_t* loop, Server& server, config::Config::Reader config)
      : loop_(loop), server_(server), runner_(loop, [this](const CronDue& due) { fire(due); }) {
    runner_.setTriggers(cronTriggersOf(config));
  }
  void stop() { runner_.stop(); }

 private:
  void fire(const CronDue& due) {
    std::string label = cronTickLabel(due);
    uint64_t started = uv_now(loop_);
    int pid = getpid();
    tasks_.add(runScheduled(server_, due.service, static_cast<double>(due.scheduledTime) * 1000.0,
                            due.cron)
                   .then(
                       [this, label, started, pid](Worker::ScheduledOutcome outcome) {
                         logCronOutcome(label, uv_now(loop_) - started, pid, outcome.ok,
                                        outcome.noRetry, outcome.error);
                       },
                       [label, pid](kj::Exception&& e) {
                         logCronUnfinished(label, pid, e.getDescription().cStr());
                       }));
  }
  void taskFailed(kj::Exception&& e) override {
    spdlog::error("cron: {}", e.getDescription().cStr());
  }

  uv_loop_t* loop_;
  Server& server_;
  kj::TaskSet tasks_{*this};
  CronRunner runner_;
};

struct SignalState {
  Server* server;
  UvAsyncIo* io;
  InProcessCron* cron;
  int received = 0;
  kj::Maybe<kj::Promise<void>> draining;
};

void onStopSignal(uv_signal_t* handle, int signum) {
  auto* state = static_cast<SignalState*>(handle->data);
  ++state->received;
  if (state->received > 1) {
    spdlog::warn("received {} again: stopping now", strsignal(signum));
    uv_stop(handle->loop);
    return;
  }
  spdlog::info("received {}: finishing in-flight requests, then stopping", strsignal(signum));
  state->cron->stop();  // no new ticks while stopping
  auto* loop = handle->loop;
  state->draining = state->server->drain()
                        .then([loop]() {
                          spdlog::info("all requests finished; stopped");
                          uv_stop(loop);
                        })
                        .eagerlyEvaluate([loop](kj::Exception&& e) {
                          spdlog::error("error while stopping: {}", e.getDescription().cStr());
                          uv_stop(loop);
                        });
}

}  // namespace

int serveInProcess(config::Config::Reader config, ServerOptions options) {
  V8System v8(v8Flags(config, false));
  uv_loop_t loop;
  uv_loop_init(&loop);
  int exitCode = 0;
  {
    UvAsyncIo io(&loop);
    Server server(config, io, std::move(options));
    try {
      server.start();
      server.listen();
    } catch (WorkerStartError& e) {
      spdlog::error("{}", e.what());
      exitCode = 1;
    } catch (std::exception& e) {
      spdlog::error("{}", e.what());
      exitCode = 1;
    } catch (kj::Exception& e) {
      spdlog::error("{}", e.getDescription().cStr());
      exitCode = 1;
    }
    if (exitCode == 0) {
      server.consumeQueues();
      InProcessCron cron(&loop, server, config);
      SignalState state{&server, &io, &cron};
      uv_signal_t sigterm, sigint;
      uv_signal_init(&loop, &sigterm);
      uv_signal_init(&loop, &sigint);
      sigterm.data = sigint.data = &state;
      uv_signal_start(&sigterm, &onStopSignal, SIGTERM);
      uv_signal_start(&sigint, &onStopSignal, SIGINT);
      uv_run(&loop, UV_RUN_DEFAULT);
      uv_close(reinterpret_cast<uv_handle_t*>(&sigterm), nullptr);
      uv_close(reinterpret_cast<uv_handle_t*>(&sigint), nullptr);
      state.draining = nullptr;
    }
  }
  closeLoopHandles(&loop);
  uv_loop_close(&loop);
  return exitCode;
}

namespace {

// Starts every worker of `config` in this process, then runs `use` on the started server. Returns
// 1 (with the error logged) if a worker fails to start, else what `use` returns.
template <typename Use>
int withStartedServer(config::Config::Reader config, ServerOptions options, bool predictable,
                      Use&& use) {
  V8System v8(v8Flags(config, predictable));
  uv_loop_t loop;
  uv_loop_init(&loop);
  int exitCode = 0;
  {
    UvAsyncIo io(&loop);
    Server server(config, io, std::move(options));
    try {
      server.start();
      exitCode = use(server, io, &loop);
    } catch (WorkerStartError& e) {
      spdlog::error("{}", e.what());
      exitCode = 1;
    } catch (kj::Exception& e) {
      spdlog::error("{}", e.getDescription().cStr());
      exitCode = 1;
    }
  }
  closeLoopHandles(&loop);
  uv_loop_close(&loop);
  return exitCode;
}

}  // namespace

int testInProcess(config::Config::Reader config, ServerOptions options, const std::string& filter,
                  bool predictable) {
  return withStartedServer(config, std::move(options), predictable,
                           [&](Server& server, UvAsyncIo& io, uv_loop_t* loop) {
                             server.consumeQueues();
                             auto summary = runTests(server, io.waitScope(), loop, filter);
                             if (summary.failed > 0) {
                               fprintf(stderr, "%d tests failed, %d passed\n", summary.failed,
                                       summary.passed);
                               return 1;
                             }
                             if (summary.passed == 0) fprintf(stderr, "no tests matched\n");
                             return 0;
                           });
}

int checkInProcess(config::Config::Reader config) {
  return withStartedServer(config, {}, false,
                           [](Server&, UvAsyncIo&, uv_loop_t*) { return 0; });
}

}  // namespace colony
