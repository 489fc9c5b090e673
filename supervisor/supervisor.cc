#include "supervisor/supervisor.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <fstream>
#include <list>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include <capnp/rpc-twoparty.h>
#include <kj/debug.h>

#include "config/cron_schedule.h"
#include "ipc/control_fd.h"
#include "ipc/load_table.h"
#include "ipc/supervisor.capnp.h"
#include "ipc/uv_async_io.h"
#include "runtime/storage/cache_dir.h"
#include "runtime/storage/directories.h"
#include "supervisor/admin_server.h"
#include "supervisor/object_directory.h"
#include "supervisor/runtime_binary.h"
#include "supervisor/runtime_launcher.h"
#include "supervisor/socket_set.h"
#include "supervisor/status.h"

namespace colony {

namespace {

constexpr uint kMaxFdsPerMessage = 64;
// A generation whose processes have not all reported ready by then is abandoned.
constexpr uint64_t kStartTimeoutMs = 60000;
// After the drain deadline, a runtime that has not exited gets this long before SIGKILL.
constexpr uint64_t kExitGraceMs = 5000;
// Crash restarts back off from kRestartDelayMs, doubling per consecutive crash up to the maximum;
// a process that ran for kStableMs resets the count.
constexpr uint64_t kRestartDelayMs = 100;
constexpr uint64_t kMaxRestartDelayMs = 30000;
constexpr uint64_t kStableMs = 30000;

// A uv_timer owned by a std::unique_ptr-like holder; closing frees it.
class Timer {
 public:
  Timer() = default;
  ~Timer() { cancel(); }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  template <typename F>
  void start(uv_loop_t* loop, uint64_t ms, F&& callback) {
    cancel();
    handle_ = new Handle;
    handle_->callback = std::forward<F>(callback);
    uv_timer_init(loop, &handle_->timer);
    handle_->timer.data = handle_;
    uv_timer_start(
        &handle_->timer,
        [](uv_timer_t* timer) {
          auto* h = static_cast<Handle*>(timer->data);
          auto callback = std::move(h->callback);
          h->owner->handle_ = nullptr;
          uv_close(reinterpret_cast<uv_handle_t*>(timer),
                   [](uv_handle_t* handle) { delete static_cast<Handle*>(handle->data); });
          callback();
        },
        ms, 0);
    handle_->owner = this;
  }

  void cancel() {
    if (handle_ == nullptr) return;
    uv_timer_stop(&handle_->timer);
    uv_close(reinterpret_cast<uv_handle_t*>(&handle_->timer),
             [](uv_handle_t* handle) { delete static_cast<Handle*>(handle->data); });
    handle_ = nullptr;
  }

  bool pending() const { return handle_ != nullptr; }

 private:
  struct Handle {
    uv_timer_t timer;
    std::function<void()> callback;
    Timer* owner = nullptr;
  };
  Handle* handle_ = nullptr;
};

// An FD-passing capability: the runtime reads the descriptor with getFd(). Does not own it.
class FdCap final : public rpc::Fd::Server {
 public:
  explicit FdCap(int fd) : fd_(fd) {}
  kj::Maybe<int> getFd() override { return fd_; }

 private:
  int fd_;
};

}  // namespace

class Supervisor final : public kj::TaskSet::ErrorHandler {
 public:
  Supervisor(SupervisorOptions options, uv_loop_t* loop, std::map<std::string, int> activated)
      : options_(std::move(options)), loop_(loop), io_(loop), sockets_(std::move(activated)) {}

  int run(config::LoadedConfig first);

  void taskFailed(kj::Exception&& exception) override {
    spdlog::debug("control task failed: {}", exception.getDescription().cStr());
  }

 private:
  struct Generation;

  struct Load {
    uint64_t inFlight = 0, connections = 0, requestsServed = 0, rssBytes = 0, heapUsed = 0,
             heapTotal = 0;
    bool accepting = false;
  };

  enum class ProcessState { kStarting, kReady, kServing, kDraining };

  struct Process {
    uint64_t id = 0;
    unsigned index = 0;
    std::shared_ptr<Generation> generation;
    uint32_t slot = 0;
    int pid = 0;  // the Process is dropped once this pid is reaped (onExit)
    ProcessState state = ProcessState::kStarting;
    uint64_t startedMs = 0;
    Load load;
    Timer killTimer;
    Timer disconnectTimer;
    // Control connection, in destruction order (last declared goes first).
    kj::Own<kj::AsyncCapabilityStream> stream;
    kj::Own<capnp::TwoPartyClient> rpc;
    kj::Maybe<rpc::Runtime::Client> runtime;
    kj::Own<kj::TaskSet> tasks;

    void dropControl() {
      tasks = nullptr;
      runtime = nullptr;
      rpc = nullptr;
      stream = nullptr;
    }
    ~Process() { dropControl(); }
  };

  enum class GenerationState { kStarting, kServing, kDraining, kFailed };

  struct Generation {
    uint64_t number = 0;
    std::shared_ptr<config::LoadedConfig> config;
    std::vector<std::shared_ptr<ListeningSocket>> sockets;  // config order
    GenerationState state = GenerationState::kStarting;
    std::set<uint64_t> processes;                           // ids
    std::vector<uint64_t> restarts;                         // per index
    std::vector<uint64_t> consecutiveCrashes;               // per index
    std::vector<std::unique_ptr<Timer>> restartTimers;      // per index
    Timer startTimer;
  };

  class SupervisorCap final : public rpc::Supervisor::Server {
   public:
    SupervisorCap(Supervisor& supervisor, uint64_t processId)
        : supervisor_(supervisor), processId_(processId) {}
    kj::Promise<void> reportLoad(ReportLoadContext context) override {
      supervisor_.onLoadReport(processId_, context.getParams().getLoad());
      return kj::READY_NOW;
    }
    kj::Promise<void> objectDirectory(ObjectDirectoryContext context) override {
      context.getResults().setDirectory(
          supervisor_.objects_.registerHost(processId_, context.getParams().getHost()));
      return kj::READY_NOW;
    }

   private:
    Supervisor& supervisor_;
    uint64_t processId_;
  };

  // --- generations ---------------------------------------------------------------------------
  std::shared_ptr<Generation> startGeneration(std::shared_ptr<config::LoadedConfig> config);
  void onGenerationReady(const std::shared_ptr<Generation>& generation);
  void failGeneration(const std::shared_ptr<Generation>& generation, const std::string& error);
  void drainGeneration(const std::shared_ptr<Generation>& generation);
  void reload();

  // --- processes -----------------------------------------------------------------------------
  void spawn(const std::shared_ptr<Generation>& generation, unsigned index);
  void onStartResult(uint64_t id, rpc::StartResult::Reader result);
  void onExit(uint64_t id, int waitStatus);
  void scheduleRestart(const std::shared_ptr<Generation>& generation, unsigned index);
  void drainProcess(Process& process);
  void kill(Process& process, const char* why);
  void onLoadReport(uint64_t id, rpc::LoadReport::Reader load);
  Process* find(uint64_t id) {
    auto it = processes_.find(id);
    return it == processes_.end() ? nullptr : it->second.get();
  }

  // --- signals and stopping ------------------------------------------------------------------
  void onSignal(int signum);
  void stop();
  void stopNow();
  void finishIfIdle();
  void reapChildren();

  // --- reporting -----------------------------------------------------------------------------
  void reportListening(const ListeningSocket& socket);
  SupervisorStatus status();
  std::string tag(const Process& p) const {
    return "runtime#" + std::to_string(p.index) + " (pid " + std::to_string(p.pid) +
           ", generation " + std::to_string(p.generation->number) + ")";
  }

  SupervisorOptions options_;
  uv_loop_t* loop_;
  UvAsyncIo io_;
  SocketSet sockets_;
  LoadTable table_;
  std::vector<uint32_t> freeSlots_;
  // Durable Object owners (declared before processes_: their connections use it until closed).
  ObjectDirectory objects_;
  std::map<uint64_t, std::unique_ptr<Process>> processes_;
  uint64_t nextProcessId_ = 1;
  uint64_t lastGeneration_ = 0;
  std::shared_ptr<Generation> current_;   // serving
  std::shared_ptr<Generation> starting_;  // being started (first start or reload)
  bool reloadPending_ = false;
  bool stopping_ = false;
  int exitCode_ = 0;
  std::string runtimePath_;  // the runtime binary, for argv[0] and messages
  int runtimeFd_ = -1;
  std::unique_ptr<RuntimeLauncher> launcher_;  // starts runtime processes from runtimeFd_
  uint64_t reloads_ = 0, failedReloads_ = 0, crashes_ = 0, servedByExited_ = 0;
  std::unique_ptr<AdminServer> admin_;
  std::vector<uv_signal_t*> signals_;
  // Cron triggers of the serving generation (config/cron_schedule.h).
  void fireCron(const CronDue& due);
  CronRunner cron_{loop_, [this](const CronDue& due) { fireCron(due); }};
  size_t cronTurn_ = 0;
};

// --- generations -------------------------------------------------------------------------------

// A cron trigger came due: one serving process (taking turns) runs it; the outcome is logged.
void Supervisor::fireCron(const CronDue& due) {
  std::string label = cronTickLabel(due);
  std::vector<Process*> serving;
  if (current_ && !stopping_) {
    for (uint64_t id : current_->processes) {
      Process* p = find(id);
      if (p != nullptr && p->state == ProcessState::kServing && p->runtime != nullptr) {
        serving.push_back(p);
      }
    }
  }
  if (serving.empty()) {
    spdlog::warn("{}: not run, no runtime process is serving", label);
    return;
  }
  Process* p = serving[cronTurn_++ % serving.size()];
  auto request = KJ_ASSERT_NONNULL(p->runtime).scheduledRequest();
  request.setService(due.service);
  request.setCron(due.cron);
  request.setScheduledTime(static_cast<double>(due.scheduledTime) * 1000.0);
  uint64_t started = uv_now(loop_);
  int pid = p->pid;
  p->tasks->add(request.send().then(
      [this, label, started, pid](capnp::Response<rpc::Runtime::ScheduledResults> response) {
        logCronOutcome(label, uv_now(loop_) - started, pid, response.getOk(), response.getNoRetry(),
                       response.getError().cStr());
      },
      [label, pid](kj::Exception&& e) {
        logCronUnfinished(label, pid, e.getDescription().cStr());
      }));
}

std::shared_ptr<Supervisor::Generation> Supervisor::startGeneration(
    std::shared_ptr<config::LoadedConfig> config) {
  auto generation = std::make_shared<Generation>();
  generation->config = config;
  // Sockets first: an address that cannot be bound fails the generation before any process.
  for (auto socket : config->get().getSockets()) {
    std::string name = socket.getName().cStr();
    std::string address = socket.getAddress().cStr();
    generation->sockets.push_back(sockets_.acquire(name, address, config->socketFds()));
  }
  generation->number = ++lastGeneration_;
  generation->restarts.assign(options_.processes, 0);
  generation->consecutiveCrashes.assign(options_.processes, 0);
  for (unsigned i = 0; i < options_.processes; ++i) {
    generation->restartTimers.push_back(std::make_unique<Timer>());
  }
  starting_ = generation;
  spdlog::info("starting generation {}: {} runtime processes", generation->number,
               options_.processes);
  std::weak_ptr<Generation> weak = generation;
  generation->startTimer.start(loop_, kStartTimeoutMs, [this, weak]() {
    if (auto g = weak.lock(); g && g->state == GenerationState::kStarting) {
      failGeneration(g, "its runtime processes did not all report ready within " +
                            std::to_string(kStartTimeoutMs / 1000) + " s");
    }
  });
  for (unsigned i = 0; i < options_.processes && generation->state == GenerationState::kStarting;
       ++i) {
    spawn(generation, i);
  }
  return generation;
}

void Supervisor::onGenerationReady(const std::shared_ptr<Generation>& generation) {
  generation->startTimer.cancel();
  generation->state = GenerationState::kServing;
  if (starting_ == generation) starting_ = nullptr;
  auto previous = current_;
  current_ = generation;
  cron_.setTriggers(cronTriggersOf(generation->config->get()));
  logging::setGeneration(generation->number);
  for (uint64_t id : generation->processes) {
    Process* p = find(id);
    if (p == nullptr || p->state != ProcessState::kReady) continue;
    p->state = ProcessState::kServing;
    KJ_IF_MAYBE(runtime, p->runtime) {
      p->tasks->add(runtime->serveRequest().send().ignoreResult());
    }
  }
  // Sockets new in this generation are announced; kept ones were announced already.
  std::set<const ListeningSocket*> before;
  if (previous) {
    for (auto& s : previous->sockets) before.insert(s.get());
  }
  for (auto& s : generation->sockets) {
    if (!before.count(s.get())) reportListening(*s);
  }
  if (previous) {
    ++reloads_;
    spdlog::info("generation {} is serving; draining generation {}", generation->number,
                 previous->number);
    drainGeneration(previous);
  } else {
    spdlog::info("generation {} is serving with {} runtime processes", generation->number,
                 generation->processes.size());
  }
  if (reloadPending_ && !stopping_) {
    reloadPending_ = false;
    reload();
  }
}

void Supervisor::failGeneration(const std::shared_ptr<Generation>& generation,
                                const std::string& error) {
  if (generation->state != GenerationState::kStarting) return;
  generation->state = GenerationState::kFailed;
  generation->startTimer.cancel();
  if (starting_ == generation) starting_ = nullptr;
  for (auto& timer : generation->restartTimers) timer->cancel();
  // Its processes never accepted a connection: stop them outright.
  for (uint64_t id : std::vector<uint64_t>(generation->processes.begin(),
                                           generation->processes.end())) {
    if (Process* p = find(id)) kill(*p, "its generation failed to start");
  }
  if (!current_) {
    spdlog::error("{}", error);
    spdlog::error("the first generation failed to start; exiting");
    exitCode_ = 1;
    stopping_ = true;
    finishIfIdle();
    return;
  }
  ++failedReloads_;
  spdlog::error("reload to generation {} failed: {}", generation->number, error);
  spdlog::error("reload rolled back: generation {} keeps serving", current_->number);
  if (reloadPending_ && !stopping_) {
    reloadPending_ = false;
    reload();
  }
}

void Supervisor::drainGeneration(const std::shared_ptr<Generation>& generation) {
  generation->state = GenerationState::kDraining;
  for (auto& timer : generation->restartTimers) timer->cancel();
  for (uint64_t id : std::vector<uint64_t>(generation->processes.begin(),
                                           generation->processes.end())) {
    if (Process* p = find(id)) drainProcess(*p);
  }
}

void Supervisor::reload() {
  if (stopping_) return;
  if (starting_) {
    reloadPending_ = true;
    spdlog::info("SIGHUP while generation {} is starting: reloading again once it is done",
                 starting_->number);
    return;
  }
  if (options_.load.binary && options_.load.path == "-") {
    spdlog::error("reload refused: the config was read from stdin and cannot be read again; "
                  "generation {} keeps serving",
                  current_ ? current_->number : 0);
    return;
  }
  spdlog::info("SIGHUP: reloading {}", options_.load.path);
  std::shared_ptr<config::LoadedConfig> config;
  try {
    config = std::make_shared<config::LoadedConfig>(loadConfigLogged(options_.load));
  } catch (config::ConfigError& e) {
    ++failedReloads_;
    spdlog::error("reload failed: the config does not load:\n{}", e.what());
    spdlog::error("reload rolled back: generation {} keeps serving", current_ ? current_->number : 0);
    return;
  }
  try {
    startGeneration(config);
  } catch (std::exception& e) {
    ++failedReloads_;
    starting_ = nullptr;
    spdlog::error("reload failed: {}", e.what());
    spdlog::error("reload rolled back: generation {} keeps serving", current_ ? current_->number : 0);
  }
}

// --- processes ---------------------------------------------------------------------------------

void Supervisor::spawn(const std::shared_ptr<Generation>& generation, unsigned index) {
  if (freeSlots_.empty()) {
    failGeneration(generation, "no free row in the load table (more than " +
                                   std::to_string(LoadTable::kSlots) + " runtime processes)");
    return;
  }
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    failGeneration(generation, std::string("socketpair for a runtime process failed: ") +
                                   strerror(errno));
    return;
  }
  auto process = std::make_unique<Process>();
  process->id = nextProcessId_++;
  process->index = index;
  process->generation = generation;
  process->slot = freeSlots_.back();
  freeSlots_.pop_back();
  table_.clear(process->slot);

  std::vector<std::string> args = {runtimePath_,
                                   "runtime-process",
                                   "--control-fd",
                                   "3",
                                   "--supervisor-pid",
                                   std::to_string(getpid()),
                                   "--generation",
                                   std::to_string(generation->number),
                                   "--index",
                                   std::to_string(index),
                                   "--log-format",
                                   options_.logFormat == logging::Format::kJson ? "json" : "text"};
  if (options_.verbose) args.push_back("--verbose");
  std::string title = "colony-runtime: runtime#" + std::to_string(index) + " generation " +
                      std::to_string(generation->number);
  pid_t pid = 0;
  std::string error;
  try {
    pid = launcher_->launch(title, args, pair[1]);
  } catch (std::exception& e) {
    error = e.what();
  }
  ::close(pair[1]);
  if (pid <= 0) {
    ::close(pair[0]);
    freeSlots_.push_back(process->slot);
    failGeneration(generation, "cannot start a runtime process (" + runtimePath_ + "): " + error);
    return;
  }
  process->pid = pid;
  process->startedMs = uv_now(loop_);
  process->tasks = kj::heap<kj::TaskSet>(*this);
  process->stream = io_.lowLevel().wrapUnixSocketFd(pair[0], kj::LowLevelAsyncIoProvider::TAKE_OWNERSHIP |
                                                                  kj::LowLevelAsyncIoProvider::ALREADY_CLOEXEC);
  process->rpc = kj::heap<capnp::TwoPartyClient>(*process->stream, kMaxFdsPerMessage);
  auto runtime = process->rpc->bootstrap().castAs<rpc::Runtime>();

  auto request = runtime.startRequest();
  auto bytes = generation->config->canonicalBytes();
  request.setConfig(bytes);
  auto list = request.initSockets(generation->sockets.size());
  for (size_t i = 0; i < generation->sockets.size(); ++i) {
    list[i].setName(generation->sockets[i]->name());
    list[i].setFd(kj::heap<FdCap>(generation->sockets[i]->fd()));
  }
  request.setLoadTable(kj::heap<FdCap>(table_.fd()));
  request.setSlot(process->slot);
  request.setSupervisor(kj::heap<SupervisorCap>(*this, process->id));
  uint64_t id = process->id;
  process->tasks->add(request.send().then(
      [this, id](capnp::Response<rpc::Runtime::StartResults> response) {
        onStartResult(id, response.getResult());
      },
      [this, id](kj::Exception&& e) {
        // The process died before answering; its exit is handled by onExit().
        spdlog::debug("runtime start call ended: {}", e.getDescription().cStr());
      }));
  process->runtime = kj::mv(runtime);
  spdlog::debug("started runtime#{} pid {} for generation {}", index, process->pid,
                generation->number);
  generation->processes.insert(id);
  processes_[id] = std::move(process);
}

void Supervisor::onStartResult(uint64_t id, rpc::StartResult::Reader result) {
  Process* p = find(id);
  if (p == nullptr) return;
  auto generation = p->generation;
  if (result.isFailed()) {
    std::string error = result.getFailed().cStr();
    if (generation->state == GenerationState::kStarting) {
      failGeneration(generation, error);
    } else if (generation->state == GenerationState::kServing) {
      // A replacement after a crash failed to start: count it as another crash.
      ++crashes_;
      spdlog::error("{} failed to start: {}", tag(*p), error);
      kill(*p, "it failed to start");
      scheduleRestart(generation, p->index);
    } else {
      kill(*p, "its generation is no longer in service");
    }
    return;
  }
  p->state = ProcessState::kReady;
  spdlog::debug("{} is ready", tag(*p));
  switch (generation->state) {
    case GenerationState::kStarting: {
      bool all = generation->processes.size() == options_.processes;
      for (uint64_t other : generation->processes) {
        Process* q = find(other);
        if (q == nullptr || q->state != ProcessState::kReady) all = false;
      }
      if (all) onGenerationReady(generation);
      break;
    }
    case GenerationState::kServing:
      p->state = ProcessState::kServing;
      KJ_IF_MAYBE(runtime, p->runtime) {
        p->tasks->add(runtime->serveRequest().send().ignoreResult());
      }
      spdlog::info("{} replaced a crashed process and is serving", tag(*p));
      break;
    default:
      kill(*p, "its generation is no longer in service");
      break;
  }
}

void Supervisor::onExit(uint64_t id, int waitStatus) {
  auto it = processes_.find(id);
  if (it == processes_.end()) return;
  std::unique_ptr<Process> p = std::move(it->second);
  processes_.erase(it);
  objects_.dropProcess(id);
  table_.clear(p->slot);
  freeSlots_.push_back(p->slot);
  servedByExited_ += p->load.requestsServed;
  auto generation = p->generation;
  generation->processes.erase(id);

  bool expected = p->state == ProcessState::kDraining ||
                  generation->state == GenerationState::kFailed ||
                  generation->state == GenerationState::kDraining || stopping_;
  if (expected) {
    if (waitStatus != 0) {
      spdlog::info("{} {} while stopping", tag(*p), describeExit(waitStatus));
    } else {
      spdlog::debug("{} exited", tag(*p));
    }
  } else {
    ++crashes_;
    spdlog::error("{} {} unexpectedly", tag(*p), describeExit(waitStatus));
    if (generation->state == GenerationState::kStarting) {
      failGeneration(generation, tag(*p) + " " + describeExit(waitStatus) +
                                     " before its generation was ready (see the lines above)");
    } else if (generation->state == GenerationState::kServing) {
      uint64_t ranMs = uv_now(loop_) - p->startedMs;
      if (ranMs >= kStableMs) generation->consecutiveCrashes[p->index] = 0;
      scheduleRestart(generation, p->index);
    }
  }
  p->dropControl();
  p.reset();
  finishIfIdle();
}

void Supervisor::scheduleRestart(const std::shared_ptr<Generation>& generation, unsigned index) {
  uint64_t crashes = ++generation->consecutiveCrashes[index];
  uint64_t delay = kRestartDelayMs;
  for (uint64_t i = 1; i < crashes && delay < kMaxRestartDelayMs; ++i) delay *= 2;
  delay = std::min(delay, kMaxRestartDelayMs);
  spdlog::warn("restarting runtime#{} of generation {} in {} ms (crash {} in a row)", index,
               generation->number, delay, crashes);
  std::weak_ptr<Generation> weak = generation;
  generation->restartTimers[index]->start(loop_, delay, [this, weak, index]() {
    auto g = weak.lock();
    if (!g || g->state != GenerationState::kServing || stopping_) return;
    ++g->restarts[index];
    spawn(g, index);
  });
}

void Supervisor::drainProcess(Process& p) {
  if (p.state == ProcessState::kDraining) return;
  if (p.state != ProcessState::kServing) {
    // It never accepted: nothing to finish.
    kill(p, "it was not serving yet");
    return;
  }
  p.state = ProcessState::kDraining;
  uint64_t id = p.id;
  objects_.leaving(id);
  p.killTimer.start(loop_, options_.drainTimeoutMs + kExitGraceMs, [this, id]() {
    if (Process* q = find(id)) {
      spdlog::error("{} did not exit within the drain timeout ({} ms) plus {} ms; killing it",
                    tag(*q), options_.drainTimeoutMs, kExitGraceMs);
      kill(*q, "the drain timeout passed");
    }
  });
  KJ_IF_MAYBE(runtime, p.runtime) {
    auto request = runtime->drainRequest();
    request.setDeadlineMs(options_.drainTimeoutMs);
    p.tasks->add(request.send().then(
        [this, id](capnp::Response<rpc::Runtime::DrainResults> results) {
          Process* q = find(id);
          if (q == nullptr) return;
          if (results.getFinished()) {
            spdlog::debug("{} drained", tag(*q));
          } else {
            spdlog::warn("{} reached the drain timeout; {} requests were cut", tag(*q),
                         results.getCutRequests());
          }
          // End of the conversation: the runtime exits when its control connection closes.
          // Closed from a libuv callback, outside the RPC system's own callbacks.
          q->disconnectTimer.start(loop_, 0, [this, id]() {
            objects_.dropProcess(id);
            if (Process* r = find(id)) r->dropControl();
          });
        },
        [this, id](kj::Exception&& e) {
          spdlog::debug("drain call ended: {}", e.getDescription().cStr());
        }));
  } else {
    kill(p, "it has no control connection");
  }
}

void Supervisor::kill(Process& p, const char* why) {
  if (p.pid <= 0) return;
  spdlog::debug("killing {}: {}", tag(p), why);
  p.state = ProcessState::kDraining;
  ::kill(p.pid, SIGKILL);
}

void Supervisor::onLoadReport(uint64_t id, rpc::LoadReport::Reader load) {
  Process* p = find(id);
  if (p == nullptr) return;
  p->load.inFlight = load.getInFlight();
  p->load.connections = load.getConnections();
  p->load.requestsServed = load.getRequestsServed();
  p->load.rssBytes = load.getRssBytes();
  p->load.heapUsed = load.getHeapUsedBytes();
  p->load.heapTotal = load.getHeapTotalBytes();
  p->load.accepting = load.getAccepting();
}

// --- signals and stopping ----------------------------------------------------------------------

void Supervisor::onSignal(int signum) {
  switch (signum) {
    case SIGHUP:
      reload();
      break;
    case SIGTERM:
    case SIGINT:
      if (stopping_) {
        spdlog::warn("received {} again: stopping now", strsignal(signum));
        stopNow();
      } else {
        spdlog::info("received {}: draining every runtime process (up to {} s), then stopping",
                     strsignal(signum), options_.drainTimeoutMs / 1000.0);
        stop();
      }
      break;
    case SIGCHLD:
      reapChildren();
      break;
  }
}

void Supervisor::stop() {
  stopping_ = true;
  if (starting_) {
    starting_->startTimer.cancel();
    starting_ = nullptr;
  }
  if (current_) {
    for (auto& timer : current_->restartTimers) timer->cancel();
  }
  std::vector<uint64_t> ids;
  for (auto& [id, p] : processes_) ids.push_back(id);
  for (uint64_t id : ids) {
    if (Process* p = find(id)) {
      for (auto& timer : p->generation->restartTimers) timer->cancel();
      drainProcess(*p);
    }
  }
  finishIfIdle();
}

void Supervisor::stopNow() {
  for (auto& [id, p] : processes_) {
    if (p->pid > 0) ::kill(p->pid, SIGKILL);
  }
  uv_stop(loop_);
}

void Supervisor::finishIfIdle() {
  if (stopping_ && processes_.empty()) {
    if (exitCode_ == 0) spdlog::info("every runtime process has exited; stopped");
    uv_stop(loop_);
  }
}

void Supervisor::reapChildren() {
  // Runtime processes and the launcher are our children; so is, as a subreaper (and as PID 1),
  // any process orphaned below us.
  while (true) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    if (launcher_ && launcher_->reaped(pid, status)) continue;
    uint64_t id = 0;
    for (auto& [processId, p] : processes_) {
      if (p->pid == pid) id = processId;
    }
    if (id != 0) {
      onExit(id, status);
    } else {
      spdlog::debug("reaped orphan process {}", pid);
    }
  }
}

// --- reporting ---------------------------------------------------------------------------------

void Supervisor::reportListening(const ListeningSocket& socket) {
  uint16_t port = socket.port();
  if (port != 0) {
    spdlog::info("socket \"{}\" listening on port {} ({})", socket.name(), port, socket.origin());
  } else {
    spdlog::info("socket \"{}\" listening ({})", socket.name(), socket.origin());
  }
  if (options_.controlFd) writeListenEvent(*options_.controlFd, socket.name(), port);
}

SupervisorStatus Supervisor::status() {
  SupervisorStatus s;
  s.pid = getpid();
  s.generation = current_ ? current_->number : 0;
  s.state = stopping_ ? "stopping" : starting_ ? (current_ ? "reloading" : "starting") : "serving";
  s.reloads = reloads_;
  s.failedReloads = failedReloads_;
  s.crashes = crashes_;
  s.requestsServedByExited = servedByExited_;
  for (auto& [id, p] : processes_) {
    ProcessStatus ps;
    ps.index = p->index;
    ps.pid = p->pid;
    ps.generation = p->generation->number;
    switch (p->state) {
      case ProcessState::kStarting: ps.state = "starting"; break;
      case ProcessState::kReady: ps.state = "ready"; break;
      case ProcessState::kServing: ps.state = "serving"; break;
      case ProcessState::kDraining: ps.state = "draining"; break;
    }
    ps.accepting = p->load.accepting;
    ps.requestsServed = p->load.requestsServed;
    ps.inFlight = p->load.inFlight;
    ps.connections = p->load.connections;
    ps.rssBytes = p->load.rssBytes;
    ps.heapUsedBytes = p->load.heapUsed;
    ps.heapTotalBytes = p->load.heapTotal;
    ps.restarts = p->generation->restarts[p->index];
    s.processes.push_back(ps);
  }
  return s;
}

// --- run ---------------------------------------------------------------------------------------

int Supervisor::run(config::LoadedConfig first) {
  loop_->data = this;
  // Runtime processes run the runtime binary (supervisor/runtime_binary.h). It is held open, so
  // that a package upgrade replacing it on disk does not mix versions within one supervisor.
  runtimePath_ = runtimeBinaryPath();
  runtimeFd_ = open(runtimePath_.c_str(), O_PATH | O_CLOEXEC);
  if (runtimeFd_ < 0) {
    spdlog::error("cannot find the runtime binary {}: {} (it is installed next to colony)",
                  runtimePath_, strerror(errno));
    return 1;
  }
  table_ = LoadTable::create();
  for (uint32_t i = LoadTable::kSlots; i > 0; --i) freeSlots_.push_back(i - 1);

  if (options_.controlFd) fcntl(*options_.controlFd, F_SETFD, FD_CLOEXEC);
  if (!options_.pidFile.empty()) {
    std::ofstream out(options_.pidFile, std::ios::trunc);
    out << getpid() << "\n";
    if (!out) {
      spdlog::error("--pid-file {}: cannot write it", options_.pidFile);
      return 1;
    }
  }
  if (!options_.adminAddress.empty()) {
    try {
      admin_ = std::make_unique<AdminServer>(io_.port(), options_.adminAddress,
                                             [this]() { return status(); });
    } catch (std::exception& e) {
      spdlog::error("{}", e.what());
      return 1;
    }
    spdlog::info("admin listener on {} (port {}): /healthz /status /metrics",
                 options_.adminAddress, admin_->port());
    if (options_.controlFd) writeListenEvent(*options_.controlFd, "admin", admin_->port());
  }

  auto watchSignal = [this](int signum) {
    auto* handle = new uv_signal_t;
    uv_signal_init(loop_, handle);
    handle->data = this;
    uv_signal_start(
        handle,
        [](uv_signal_t* h, int signum) { static_cast<Supervisor*>(h->data)->onSignal(signum); },
        signum);
    signals_.push_back(handle);
  };
  for (int signum : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) watchSignal(signum);
  if (getpid() == 1) spdlog::info("running as PID 1: reaping orphaned processes");
  launcher_ = std::make_unique<RuntimeLauncher>(runtimeFd_, runtimePath_);
  try {
    launcher_->start();
  } catch (std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }

  try {
    startGeneration(std::make_shared<config::LoadedConfig>(std::move(first)));
  } catch (std::exception& e) {
    spdlog::error("{}", e.what());
    exitCode_ = 1;
    stopping_ = true;
  }
  if (!(stopping_ && processes_.empty())) uv_run(loop_, UV_RUN_DEFAULT);

  cron_.stop();
  for (auto* handle : signals_) {
    uv_close(reinterpret_cast<uv_handle_t*>(handle),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_signal_t*>(h); });
  }
  signals_.clear();
  for (auto& [id, p] : processes_) {
    if (p->pid > 0) ::kill(p->pid, SIGKILL);
    p->dropControl();
  }
  launcher_.reset();
  admin_.reset();
  current_ = nullptr;
  starting_ = nullptr;
  if (!options_.pidFile.empty()) unlink(options_.pidFile.c_str());
  ::close(runtimeFd_);
  return exitCode_;
}

config::LoadedConfig loadConfigLogged(const config::LoadOptions& options) {
  config::LoadedConfig loaded = config::loadConfig(options);
  if (!loaded.reusedCompiledEntry().empty()) {
    spdlog::debug("{}: compiled form reused from {} (its files are unchanged)", options.path,
                  loaded.reusedCompiledEntry());
  }
  return loaded;
}

int runSupervisor(SupervisorOptions options, config::LoadedConfig first) {
  signal(SIGPIPE, SIG_IGN);
  auto activated = takeActivatedSockets();
  for (auto& warning : activated.warnings) spdlog::warn("{}", warning);
  // A single unnamed socket-activated descriptor serves a config with a single socket.
  if (auto it = activated.byName.find(""); it != activated.byName.end()) {
    auto sockets = first.get().getSockets();
    if (sockets.size() == 1) {
      activated.byName[sockets[0].getName().cStr()] = it->second;
    } else {
      spdlog::warn("socket-activated fd {} has no name and the config has {} sockets; name it "
                   "with FileDescriptorName= in the .socket unit",
                   it->second, sockets.size());
    }
    activated.byName.erase("");
  }
  // The Cache API's directory and the queue spools, shared by every runtime process
  // (runtime/storage/cache_dir.h, queue_spool.h).
  std::unique_ptr<storage::SupervisorDirectory> cacheDirectory;
  std::unique_ptr<storage::SupervisorDirectory> queueDirectory;
  try {
    storage::cacheMaxBytes();  // a bad COLONY_CACHE_SIZE stops the server at start
    cacheDirectory = std::make_unique<storage::SupervisorDirectory>("COLONY_CACHE_DIR", "cache");
    queueDirectory = std::make_unique<storage::SupervisorDirectory>("COLONY_QUEUE_DIR", "queues");
  } catch (std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  uv_loop_t loop;
  uv_loop_init(&loop);
  int code;
  {
    Supervisor supervisor(std::move(options), &loop, std::move(activated.byName));
    code = supervisor.run(std::move(first));
  }
  // Let close callbacks run, then close whatever is left.
  uv_walk(
      &loop,
      [](uv_handle_t* handle, void*) {
        if (!uv_is_closing(handle)) uv_close(handle, nullptr);
      },
      nullptr);
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  return code;
}

}  // namespace colony
