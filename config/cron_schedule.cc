#include "config/cron_schedule.h"

#include <spdlog/spdlog.h>

namespace colony {

std::vector<CronTrigger> cronTriggersOf(config::Config::Reader config) {
  std::vector<CronTrigger> out;
  for (auto service : config.getServices()) {
    if (!service.isWorker()) continue;
    for (auto text : service.getWorker().getCronTriggers()) {
      out.push_back({service.getName().cStr(), config::CronExpression::parse(text.cStr())});
    }
  }
  return out;
}

void CronPlanner::setTriggers(std::vector<CronTrigger> triggers, std::time_t now) {
  std::map<std::string, State> next;
  for (auto& trigger : triggers) {
    std::string key = trigger.service + "\n" + trigger.expression.text();
    auto it = states_.find(key);
    std::time_t last = it != states_.end() ? it->second.last : now;
    next.emplace(key, State{std::move(trigger), last});
  }
  states_ = std::move(next);
}

std::vector<CronDue> CronPlanner::due(std::time_t now) {
  std::vector<CronDue> out;
  for (auto& [key, state] : states_) {
    auto tick = state.trigger.expression.next(state.last);
    if (!tick || *tick > now) continue;
    CronDue due{state.trigger.service, state.trigger.expression.text(), *tick, 0};
    // Only the latest due tick fires.
    for (;;) {
      auto following = state.trigger.expression.next(due.scheduledTime);
      if (!following || *following > now) break;
      due.scheduledTime = *following;
      ++due.skipped;
    }
    state.last = due.scheduledTime;
    out.push_back(std::move(due));
  }
  return out;
}

CronRunner::CronRunner(uv_loop_t* loop, std::function<void(const CronDue&)> fire)
    : loop_(loop), fire_(std::move(fire)) {}

CronRunner::~CronRunner() { stop(); }

void CronRunner::setTriggers(std::vector<CronTrigger> triggers) {
  planner_.setTriggers(std::move(triggers), std::time(nullptr));
  if (planner_.empty()) {
    stop();
    return;
  }
  if (timer_ != nullptr) return;
  timer_ = new uv_timer_t;
  uv_timer_init(loop_, timer_);
  timer_->data = this;
  uv_timer_start(
      timer_, [](uv_timer_t* t) { static_cast<CronRunner*>(t->data)->check(); }, 1000, 1000);
  // The schedule alone does not keep the loop running.
  uv_unref(reinterpret_cast<uv_handle_t*>(timer_));
}

void CronRunner::stop() {
  if (timer_ == nullptr) return;
  uv_timer_stop(timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(timer_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
  timer_ = nullptr;
}

void CronRunner::check() {
  for (auto& due : planner_.due(std::time(nullptr))) fire_(due);
}

std::string cronTickLabel(const CronDue& due) {
  char when[32];
  std::tm tm;
  gmtime_r(&due.scheduledTime, &tm);
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::string label = "cron \"" + due.cron + "\" of service \"" + due.service + "\" at " + when;
  if (due.skipped > 0) {
    spdlog::warn("{}: {} earlier tick(s) were missed and are not run", label, due.skipped);
  }
  return label;
}

void logCronOutcome(const std::string& label, uint64_t ms, int pid, bool ok, bool noRetry,
                    const std::string& error) {
  if (ok) {
    spdlog::info("{}: ok in {} ms (runtime pid {})", label, ms, pid);
  } else {
    spdlog::error("{}: failed in {} ms (runtime pid {}){}: {}", label, ms, pid,
                  noRetry ? " (noRetry)" : "", error);
  }
}

void logCronUnfinished(const std::string& label, int pid, const std::string& why) {
  spdlog::error("{}: runtime pid {} did not finish it: {}", label, pid, why);
}

}  // namespace colony
