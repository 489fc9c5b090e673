#include "runtime/runtime_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <uv.h>
#include <v8.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>

#include <capnp/rpc-twoparty.h>
#include <kj/debug.h>

#include "config/config_loader.h"
#include "ipc/load_table.h"
#include "ipc/supervisor.capnp.h"
#include "ipc/uv_async_io.h"
#include "ipc/uv_event_port.h"
#include "runtime/durable_objects/remote_router.h"
#include "runtime/runtime_main.h"
#include "runtime/scheduled.h"
#include "runtime/server.h"
#include "runtime/v8_system.h"

namespace colony {

namespace {

// How often a runtime that stepped aside (see ipc/load_table.h) looks again whether to resume
// accepting, and how often one that accepts refreshes its row's heartbeat: an accepting process
// already re-balances on every connection it accepts, so an idle server wakes a few times a second
// instead of a hundred.
constexpr uint64_t kStepAsideRecheckMs = 10;
constexpr uint64_t kHeartbeatMs = LoadTable::kStaleMs / 4;
// On drain, how long a connection accepted just before has to send its first request.
constexpr uint64_t kFirstRequestGraceMs = 1000;
constexpr auto kReportInterval = 1 * kj::SECONDS;
constexpr uint kMaxFdsPerMessage = 64;

uint64_t residentBytes() {
  FILE* f = fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0, resident = 0;
  int n = fscanf(f, "%lu %lu", &size, &resident);
  fclose(f);
  if (n != 2) return 0;
  return static_cast<uint64_t>(resident) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

struct DrainOutcome {
  bool finished = true;
  uint64_t cutRequests = 0;
};

// Everything this runtime process runs: V8, the config, the server, load balancing and reports.
// Owned by runRuntimeProcess() (not by the RPC system) so that it is torn down outside any
// callback, in a known order.
class RuntimeHost {
 public:
  RuntimeHost(UvAsyncIo& io, std::unique_ptr<V8System>& v8) : io_(io), v8_(v8) {}

  ~RuntimeHost() noexcept(false) {
    if (balanceTimer_ != nullptr) {
      uv_close(reinterpret_cast<uv_handle_t*>(balanceTimer_),
               [](uv_handle_t* handle) { delete reinterpret_cast<uv_timer_t*>(handle); });
    }
    table_.setParticipating(slot_, false);
    objectRouter_.reset();
    server_.reset();
    config_.reset();
  }

  bool started() const { return started_; }
  Server* server() { return server_.get(); }

  // Builds the server from the received config and descriptors. Returns "" when ready, else the
  // full error text.
  std::string start(rpc::Runtime::StartParams::Reader params,
                    kj::ArrayPtr<kj::Maybe<int>> receivedFds) {
    started_ = true;
    auto sockets = params.getSockets();
    std::map<std::string, int> socketFds;
    for (uint i = 0; i < sockets.size(); ++i) {
      std::string name = sockets[i].getName().cStr();
      KJ_IF_MAYBE(fd, receivedFds[i]) {
        int own = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
        if (own < 0) return "socket \"" + name + "\": cannot keep its descriptor: " + strerror(errno);
        socketFds[name] = own;
      } else {
        return "socket \"" + name + "\": the supervisor sent it without a file descriptor";
      }
    }
    KJ_IF_MAYBE(fd, receivedFds[sockets.size()]) {
      try {
        table_ = LoadTable::attach(*fd);
      } catch (std::exception& e) {
        return e.what();
      }
    } else {
      return "the supervisor sent the load table without a file descriptor";
    }
    slot_ = params.getSlot();
    supervisor_ = params.getSupervisor();

    try {
      auto bytes = params.getConfig();
      config_ = std::make_unique<config::LoadedConfig>(bytes, socketFds);
    } catch (std::exception& e) {
      return std::string("the config received from the supervisor is unusable: ") + e.what();
    }
    if (!v8_) v8_ = std::make_unique<V8System>(v8Flags(config_->get(), false));
    ServerOptions options;
    options.socketFds = socketFds;
    options.verbose = spdlog::default_logger()->level() <= spdlog::level::debug;
    options.logListening = false;
    server_ = std::make_unique<Server>(config_->get(), io_, std::move(options));
    server_->setAcceptHook([this]() { balance(); });
    try {
      server_->start();
      server_->listen();
      // Hold the sockets without accepting until the supervisor says the generation serves.
      server_->setAccepting(false);
      // Durable Objects: one instance per id across processes (runtime/durable_objects).
      objectRouter_ = durable_objects::startRemoteRouting(*server_, supervisor_, io_.timer());
    } catch (WorkerStartError& e) {
      return e.what();
    } catch (std::exception& e) {
      return e.what();
    } catch (kj::Exception& e) {
      return e.getDescription().cStr();
    }
    reporting_ = reportLoop().eagerlyEvaluate([](kj::Exception&& e) {
      // The supervisor went away; the disconnect handler ends the process.
      spdlog::debug("load reports stopped: {}", e.getDescription().cStr());
    });
    return "";
  }

  void serve() {
    if (!server_ || draining_) return;
    table_.setParticipating(slot_, true);
    server_->setAccepting(true);
    server_->consumeQueues();
    if (balanceTimer_ == nullptr) {
      balanceTimer_ = new uv_timer_t;
      uv_timer_init(io_.uvLoop(), balanceTimer_);
      balanceTimer_->data = this;
    }
    balanceIntervalMs_ = 0;
    balance();
  }

  kj::Promise<DrainOutcome> drain(uint32_t deadlineMs) {
    draining_ = true;
    table_.setParticipating(slot_, false);
    if (balanceTimer_ != nullptr) uv_timer_stop(balanceTimer_);
    balanceIntervalMs_ = 0;
    if (!server_) return DrainOutcome{};
    auto before = server_->stats();
    spdlog::info("draining: {} requests in flight on {} connections", before.inFlight,
                 before.connections);
    // Stop accepting now, but give connections accepted a moment ago time to send their first
    // request before drain() closes every connection that is idle: a client that has just
    // connected must be answered, not cut off.
    server_->setAccepting(false);
    auto grace = std::min<uint64_t>(kFirstRequestGraceMs, deadlineMs / 2);
    auto done = io_.timer()
                    .afterDelay(grace * kj::MILLISECONDS)
                    .then([this]() { return server_->drain(); })
                    .then([this]() {
                      // Then calls from other processes to our Durable Objects.
                      return objectRouter_ ? objectRouter_->drain() : kj::Promise<void>(kj::READY_NOW);
                    })
                    .then([]() { return true; });
    auto deadline = io_.timer().afterDelay(deadlineMs * kj::MILLISECONDS).then([]() { return false; });
    return done.exclusiveJoin(kj::mv(deadline)).then([this, deadlineMs](bool finished) {
      DrainOutcome outcome;
      outcome.finished = finished;
      auto stats = server_->stats();
      if (finished) {
        spdlog::info("drained; {} requests served in all", stats.requestsServed);
      } else {
        outcome.cutRequests = stats.inFlight;
        spdlog::warn("drain deadline of {} ms passed: cutting {} requests still in flight and {} "
                     "open connections",
                     deadlineMs, stats.inFlight, stats.connections);
      }
      return outcome;
    });
  }

  // Drops every capability of the RPC connection (before the connection itself goes).
  void detachRpc() {
    if (objectRouter_) objectRouter_->detach();
    reporting_ = nullptr;
    supervisor_ = nullptr;
  }

  void fillReport(rpc::LoadReport::Builder report) {
    auto stats = server_ ? server_->stats() : http::ServerStats{};
    report.setInFlight(stats.inFlight);
    report.setConnections(stats.connections);
    report.setRequestsServed(stats.requestsServed);
    report.setRssBytes(residentBytes());
    uint64_t used = 0, total = 0;
    if (server_) {
      for (auto* worker : server_->workers()) {
        v8::HeapStatistics heap;
        worker->isolate()->GetHeapStatistics(&heap);
        used += heap.used_heap_size();
        total += heap.total_heap_size();
      }
    }
    report.setHeapUsedBytes(used);
    report.setHeapTotalBytes(total);
    report.setAccepting(server_ && server_->accepting());
  }

 private:
  // Publishes our connection count and pauses or resumes accepting (see ipc/load_table.h).
  void balance() {
    if (!server_) return;
    uint64_t now = LoadTable::monotonicMs();
    table_.publish(slot_, server_->stats().connections, now);
    if (draining_) return;
    bool should = table_.shouldAccept(slot_, now);
    if (should != server_->accepting()) server_->setAccepting(should);
    // The timer's pace follows the outcome (restarted only when it changes).
    uint64_t interval = should ? kHeartbeatMs : kStepAsideRecheckMs;
    if (balanceTimer_ != nullptr && interval != balanceIntervalMs_) {
      balanceIntervalMs_ = interval;
      uv_timer_start(
          balanceTimer_,
          [](uv_timer_t* timer) { static_cast<RuntimeHost*>(timer->data)->balance(); }, interval,
          interval);
    }
  }

  kj::Promise<void> reportLoop() {
    return io_.timer().afterDelay(kReportInterval).then([this]() -> kj::Promise<void> {
      KJ_IF_MAYBE(supervisor, supervisor_) {
        auto request = supervisor->reportLoadRequest();
        fillReport(request.initLoad());
        return request.send().ignoreResult().then([this]() { return reportLoop(); });
      }
      return kj::READY_NOW;
    });
  }

  UvAsyncIo& io_;
  std::unique_ptr<V8System>& v8_;
  std::unique_ptr<config::LoadedConfig> config_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<durable_objects::RemoteRouter> objectRouter_;
  LoadTable table_;
  uint32_t slot_ = LoadTable::kSlots;
  kj::Maybe<rpc::Supervisor::Client> supervisor_;
  kj::Maybe<kj::Promise<void>> reporting_;
  uv_timer_t* balanceTimer_ = nullptr;
  uint64_t balanceIntervalMs_ = 0;  // the timer's current repeat; 0 while stopped
  bool started_ = false;
  bool draining_ = false;
};

class RuntimeImpl final : public rpc::Runtime::Server {
 public:
  explicit RuntimeImpl(RuntimeHost& host) : host_(host) {}

  kj::Promise<void> start(StartContext context) override {
    if (host_.started()) {
      context.getResults().initResult().setFailed("start() was called twice");
      return kj::READY_NOW;
    }
    auto params = context.getParams();
    auto sockets = params.getSockets();
    auto fds = kj::heapArrayBuilder<kj::Promise<kj::Maybe<int>>>(sockets.size() + 1);
    for (auto socket : sockets) fds.add(socket.getFd().getFd());
    fds.add(params.getLoadTable().getFd());
    return kj::joinPromises(fds.finish())
        .then([this, context](kj::Array<kj::Maybe<int>> received) mutable {
          auto error = host_.start(context.getParams(), received);
          auto result = context.getResults().initResult();
          if (error.empty()) {
            result.setReady();
          } else {
            result.setFailed(error);
          }
        });
  }

  kj::Promise<void> serve(ServeContext context) override {
    host_.serve();
    return kj::READY_NOW;
  }

  kj::Promise<void> drain(DrainContext context) override {
    return host_.drain(context.getParams().getDeadlineMs())
        .then([context](DrainOutcome outcome) mutable {
          auto results = context.getResults();
          results.setFinished(outcome.finished);
          results.setCutRequests(outcome.cutRequests);
        });
  }

  // A cron trigger came due (runtime/scheduled.cc).
  kj::Promise<void> scheduled(ScheduledContext context) override {
    auto params = context.getParams();
    KJ_REQUIRE(host_.server() != nullptr, "scheduled() before start()");
    return runScheduled(*host_.server(), params.getService().cStr(), params.getScheduledTime(),
                        params.getCron().cStr())
        .then([context](Worker::ScheduledOutcome outcome) mutable {
          auto results = context.getResults();
          results.setOk(outcome.ok);
          results.setNoRetry(outcome.noRetry);
          results.setError(outcome.error);
        });
  }

 private:
  RuntimeHost& host_;
};

}  // namespace

int runRuntimeProcess(const RuntimeProcessOptions& options) {
  // Started through a descriptor (/proc/self/fd/N), this process would be named "N" in ps and top.
  prctl(PR_SET_NAME, "colony-runtime");
  // Die with the supervisor, even when it is killed with SIGKILL. If it is already gone, stop.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (options.supervisorPid != 0 && getppid() != options.supervisorPid) {
    spdlog::error("the supervisor (pid {}) is gone; not starting", options.supervisorPid);
    return 1;
  }
  // Signals are the supervisor's business: a Ctrl-C in a terminal reaches the whole process
  // group, and the supervisor turns it into an orderly drain over RPC.
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  if (fcntl(options.controlFd, F_GETFD) < 0) {
    spdlog::error("runtime-process: control descriptor {} is not open", options.controlFd);
    return 1;
  }

  std::unique_ptr<V8System> v8;
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    UvAsyncIo io(&loop);
    {
      RuntimeHost host(io, v8);
      {
        auto stream = io.lowLevel().wrapUnixSocketFd(
            options.controlFd, kj::LowLevelAsyncIoProvider::TAKE_OWNERSHIP);
        capnp::TwoPartyClient rpc(*stream, kMaxFdsPerMessage, kj::heap<RuntimeImpl>(host),
                                  capnp::rpc::twoparty::Side::SERVER);
        auto disconnected = rpc.onDisconnect()
                                .then([&loop]() {
                                  spdlog::debug("the supervisor closed the control connection");
                                  uv_stop(&loop);
                                })
                                .eagerlyEvaluate([&loop](kj::Exception&& e) {
                                  spdlog::debug("control connection: {}", e.getDescription().cStr());
                                  uv_stop(&loop);
                                });
        uv_run(&loop, UV_RUN_DEFAULT);
        host.detachRpc();
      }
    }
  }
  closeLoopHandles(&loop);
  uv_loop_close(&loop);
  spdlog::default_logger()->flush();
  return 0;
}

}  // namespace colony
