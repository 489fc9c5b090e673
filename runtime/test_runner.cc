#include "runtime/test_runner.h"

#include <fnmatch.h>
#include <kj/debug.h>
#include <uv.h>

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

// Waits for a test to finish. Returns false when the test hung: its promise is still pending
// and nothing is left on the loop (no timer, no I/O) that could ever settle it.
bool waitOrDetectHang(kj::Promise<void>& promise, kj::WaitScope& waitScope, uv_loop_t* loop) {
  while (!promise.poll(waitScope)) {
    if (!uv_loop_alive(loop)) return false;
    uv_run(loop, UV_RUN_ONCE);
  }
  promise.wait(waitScope);
  return true;
}

}  // namespace

TestSummary runTests(Server& server, kj::WaitScope& waitScope, uv_loop_t* loop,
                     const std::string& filter) {
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
      auto done = worker->runTest(name).catch_([&](kj::Exception&& e) { failure = kj::mv(e); });
      if (!waitOrDetectHang(done, waitScope, loop)) {
        failure = KJ_EXCEPTION(FAILED,
                               "the test hung: its promise can never settle, because nothing is "
                               "left that could settle it (no pending timer or I/O)");
      }
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
