#include "ipc/uv_event_port.h"

#include <gtest/gtest.h>

namespace colony {
namespace {

TEST(UvEventPort, TimerFiresInsideWait) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    UvEventPort port(&loop);
    auto start = port.timer().now();
    port.timer().afterDelay(20 * kj::MILLISECONDS).wait(port.waitScope());
    EXPECT_GE(port.timer().now() - start, 20 * kj::MILLISECONDS);
  }
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

}  // namespace
}  // namespace colony
