// Cron triggers (Worker.cronTriggers, a Colony extension): which schedules are due when, a
// once-a-second check on a libuv loop that hands each due tick to whoever runs it, and the log
// lines for a tick's outcome. Used by the supervisor (`colony serve`: each due tick runs in exactly
// one runtime process) and by `colony serve --single-process` (the tick runs in that process).
// The planner's state lives with its owner, which outlives generations and runtime processes: a
// tick is marked fired before it is dispatched, so a reload (the new generation takes over the
// same state) or a runtime crash (the tick is not retried) never fires it twice. Ticks missed
// while nothing could run them (e.g. the machine was suspended) are not replayed: only the most
// recent due tick of a trigger fires, and the others are counted in the log.
#pragma once

#include <uv.h>

#include <cstdint>
#include <ctime>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "config/cron_expression.h"
#include "config/workerd.capnp.h"

namespace colony {

struct CronTrigger {
  std::string service;
  config::CronExpression expression;
};

struct CronDue {
  std::string service;
  std::string cron;
  std::time_t scheduledTime;  // seconds since the epoch, a whole minute
  uint64_t skipped = 0;       // earlier ticks of the same trigger that were missed
};

// Every worker's cronTriggers (the config was validated, so every expression parses).
std::vector<CronTrigger> cronTriggersOf(config::Config::Reader config);

class CronPlanner {
 public:
  // Replaces the triggers in effect; a trigger already known (same service and expression) keeps
  // its last fired tick, a new one starts from `now` (ticks before it do not fire).
  void setTriggers(std::vector<CronTrigger> triggers, std::time_t now);
  // The ticks that are due at `now` and marks them fired.
  std::vector<CronDue> due(std::time_t now);
  bool empty() const { return states_.empty(); }

 private:
  struct State {
    CronTrigger trigger;
    std::time_t last;  // the last tick fired, or when the trigger became known
  };
  std::map<std::string, State> states_;
};

// Checks the planner once a second on `loop` and hands each due tick to `fire`. The timer does
// not keep the loop alive on its own.
class CronRunner {
 public:
  CronRunner(uv_loop_t* loop, std::function<void(const CronDue&)> fire);
  ~CronRunner();
  CronRunner(const CronRunner&) = delete;
  CronRunner& operator=(const CronRunner&) = delete;

  void setTriggers(std::vector<CronTrigger> triggers);
  void stop();

 private:
  void check();

  uv_loop_t* loop_;
  std::function<void(const CronDue&)> fire_;
  CronPlanner planner_;
  uv_timer_t* timer_ = nullptr;
};

// The log lines of a tick, the same under the supervisor and under --single-process.
// `cron "* * * * *" of service "main" at 2026-03-04T10:05:00Z`; logs the missed ticks, if any.
std::string cronTickLabel(const CronDue& due);
void logCronOutcome(const std::string& label, uint64_t ms, int pid, bool ok, bool noRetry,
                    const std::string& error);
void logCronUnfinished(const std::string& label, int pid, const std::string& why);

}  // namespace colony
