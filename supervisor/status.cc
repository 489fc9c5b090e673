#include "supervisor/status.h"

#include "supervisor/logging.h"

namespace colony {

std::string statusJson(const SupervisorStatus& status) {
  std::string out = "{\"pid\":" + std::to_string(status.pid) +
                    ",\"generation\":" + std::to_string(status.generation) + ",\"state\":\"" +
                    logging::jsonEscape(status.state) + "\",\"reloads\":" +
                    std::to_string(status.reloads) + ",\"failedReloads\":" +
                    std::to_string(status.failedReloads) + ",\"crashes\":" +
                    std::to_string(status.crashes) + ",\"processes\":[";
  bool first = true;
  for (auto& p : status.processes) {
    if (!first) out += ",";
    first = false;
    out += "{\"index\":" + std::to_string(p.index) + ",\"pid\":" + std::to_string(p.pid) +
           ",\"generation\":" + std::to_string(p.generation) + ",\"state\":\"" +
           logging::jsonEscape(p.state) + "\",\"accepting\":" + (p.accepting ? "true" : "false") +
           ",\"requestsServed\":" + std::to_string(p.requestsServed) +
           ",\"inFlight\":" + std::to_string(p.inFlight) +
           ",\"connections\":" + std::to_string(p.connections) +
           ",\"rssBytes\":" + std::to_string(p.rssBytes) +
           ",\"heapUsedBytes\":" + std::to_string(p.heapUsedBytes) +
           ",\"heapTotalBytes\":" + std::to_string(p.heapTotalBytes) +
           ",\"restarts\":" + std::to_string(p.restarts) + "}";
  }
  out += "]}\n";
  return out;
}

namespace {

void metric(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

std::string labels(const ProcessStatus& p) {
  return "{index=\"" + std::to_string(p.index) + "\",pid=\"" + std::to_string(p.pid) +
         "\",generation=\"" + std::to_string(p.generation) + "\",state=\"" + p.state + "\"}";
}

}  // namespace

std::string statusPrometheus(const SupervisorStatus& status) {
  std::string out;
  metric(out, "colony_generation", "gauge", "Config generation being served.");
  out += "colony_generation " + std::to_string(status.generation) + "\n";
  metric(out, "colony_reloads_total", "counter", "Reloads that went into service.");
  out += "colony_reloads_total " + std::to_string(status.reloads) + "\n";
  metric(out, "colony_failed_reloads_total", "counter", "Reloads rolled back.");
  out += "colony_failed_reloads_total " + std::to_string(status.failedReloads) + "\n";
  metric(out, "colony_runtime_crashes_total", "counter",
         "Runtime processes that exited or were killed unexpectedly.");
  out += "colony_runtime_crashes_total " + std::to_string(status.crashes) + "\n";
  metric(out, "colony_processes", "gauge", "Runtime processes alive.");
  out += "colony_processes " + std::to_string(status.processes.size()) + "\n";

  uint64_t served = status.requestsServedByExited;
  for (auto& p : status.processes) served += p.requestsServed;
  metric(out, "colony_requests_served_total", "counter",
         "Responses completed by every runtime process, exited ones included.");
  out += "colony_requests_served_total " + std::to_string(served) + "\n";

  struct Figure {
    const char* name;
    const char* type;
    const char* help;
    uint64_t ProcessStatus::*field;
  };
  static const Figure figures[] = {
      {"colony_process_requests_served_total", "counter", "Responses completed by the process.",
       &ProcessStatus::requestsServed},
      {"colony_process_in_flight_requests", "gauge", "Requests being handled.",
       &ProcessStatus::inFlight},
      {"colony_process_open_connections", "gauge", "Client connections open.",
       &ProcessStatus::connections},
      {"colony_process_resident_memory_bytes", "gauge", "Resident set size.",
       &ProcessStatus::rssBytes},
      {"colony_process_heap_used_bytes", "gauge", "V8 heap in use, all isolates.",
       &ProcessStatus::heapUsedBytes},
      {"colony_process_restarts_total", "counter",
       "Restarts of this position of its generation after crashes.", &ProcessStatus::restarts},
  };
  for (auto& figure : figures) {
    metric(out, figure.name, figure.type, figure.help);
    for (auto& p : status.processes) {
      out += std::string(figure.name) + labels(p) + " " + std::to_string(p.*figure.field) + "\n";
    }
  }
  return out;
}

}  // namespace colony
