// `colony test`: runs the test handlers every worker exports, printing
// "[ TEST ] service:name", then "[ PASS ] service:name (duration)" or "[ FAIL ] service:name".
#pragma once

#include <uv.h>

#include <string>

#include "runtime/server.h"

namespace colony {

struct TestSummary {
  int passed = 0;
  int failed = 0;
};

// Runs the tests whose "service:name" (just "service" for a default export) matches the glob
// `filter` (empty = all). Blocks, driving the loop, until all have finished.
TestSummary runTests(Server& server, kj::WaitScope& waitScope, uv_loop_t* loop,
                     const std::string& filter);

}  // namespace colony
