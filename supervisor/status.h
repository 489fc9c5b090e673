// What the supervisor knows about itself and its runtime processes, and its two renderings for
// the admin listener: JSON (/status) and the Prometheus text format (/metrics).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace colony {

struct ProcessStatus {
  unsigned index = 0;        // position in its generation (runtime#N in logs)
  int pid = 0;
  uint64_t generation = 0;
  std::string state;         // starting, ready, serving, draining
  bool accepting = false;    // load balancing may pause a serving process
  uint64_t requestsServed = 0, inFlight = 0, connections = 0;
  uint64_t rssBytes = 0, heapUsedBytes = 0, heapTotalBytes = 0;
  uint64_t restarts = 0;     // times this position of its generation was restarted after a crash
};

struct SupervisorStatus {
  int pid = 0;
  uint64_t generation = 0;   // the generation serving (0 before the first is ready)
  std::string state;         // starting, serving, reloading, stopping
  uint64_t reloads = 0, failedReloads = 0, crashes = 0;
  // Requests served by processes that have exited (their last report), so totals never go back.
  uint64_t requestsServedByExited = 0;
  std::vector<ProcessStatus> processes;
};

std::string statusJson(const SupervisorStatus& status);
std::string statusPrometheus(const SupervisorStatus& status);

}  // namespace colony
