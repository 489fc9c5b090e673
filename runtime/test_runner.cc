#include "runtime/test_runner.h"

#include <fnmatch.h>

#include <chrono>
#include <cstdio>

namespace colony {

namespace {

std::string formatDuration(std::chrono::steady_clock::duration d) {
  double us = std::chrono::duration<double, std::micro>(d).count();
  char buf[64];
  if (us < 1000) {
    snprintf(buf, sizeof(buf), "%.3fµs", us);
  } else if (us < 1000000) {
    snprintf(buf, sizeof(buf), "%.3fms", us / 1000);
  } else {
    snprintf(buf, sizeof(buf), "%.3fs", us / 1000000);
  }
  return buf;
}

}  // namespace

TestSummary runTests(Server& server, kj::WaitScope& waitScope, const std::string& filter) {
  TestSummary summary;
  for (auto* worker : server.workers()) {
    for (auto& name : worker->testNames()) {
      std::string label = worker->serviceName();
      if (!name.empty()) label += ":" + name;
      if (!filter.empty() && fnmatch(filter.c_str(), label.c_str(), 0) != 0) continue;
      fprintf(stderr, "[ TEST ] %s\n", label.c_str());
      fflush(stderr);
      auto start = std::chrono::steady_clock::now();
      kj::Maybe<kj::Exception> failure;
      worker->runTest(name)
          .catch_([&](kj::Exception&& e) { failure = kj::mv(e); })
          .wait(waitScope);
      auto elapsed = formatDuration(std::chrono::steady_clock::now() - start);
      KJ_IF_MAYBE(e, failure) {
        fprintf(stderr, "%s\n[ FAIL ] %s (%s)\n", e->getDescription().cStr(), label.c_str(),
                elapsed.c_str());
        ++summary.failed;
      } else {
        fprintf(stderr, "[ PASS ] %s (%s)\n", label.c_str(), elapsed.c_str());
        ++summary.passed;
      }
      fflush(stderr);
    }
  }
  return summary;
}

}  // namespace colony
