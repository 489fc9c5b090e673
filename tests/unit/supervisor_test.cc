// The supervisor's pure parts: CPU count from cgroup files, socket activation variables, the load
// table's accept rule, status rendering.
#include <gtest/gtest.h>

#include "ipc/load_table.h"
#include "supervisor/cpu_count.h"
#include "supervisor/socket_set.h"
#include "supervisor/status.h"

namespace colony {
namespace {

TEST(CpuCount, CpuMaxQuota) {
  EXPECT_EQ(cpusFromCpuMax("max 100000\n"), std::nullopt);
  EXPECT_EQ(cpusFromCpuMax("200000 100000\n"), 2u);
  EXPECT_EQ(cpusFromCpuMax("150000 100000"), 2u);   // 1.5 CPUs: rounded up
  EXPECT_EQ(cpusFromCpuMax("50000 100000"), 1u);    // half a CPU: still one process
  EXPECT_EQ(cpusFromCpuMax("garbage"), std::nullopt);
  EXPECT_EQ(cpusFromCpuMax("100 0"), std::nullopt);
  EXPECT_EQ(cpusFromCpuMax("12x 100000"), std::nullopt);
}

TEST(CpuCount, CgroupPath) {
  EXPECT_EQ(cgroupV2Path("0::/system.slice/colony.service\n"), "/system.slice/colony.service");
  EXPECT_EQ(cgroupV2Path("12:cpu,cpuacct:/x\n0::/\n"), "/");
  EXPECT_EQ(cgroupV2Path("12:cpu,cpuacct:/x\n"), std::nullopt);
  EXPECT_GE(defaultProcessCount(), 1u);
}

TEST(SocketActivation, NamesAndPid) {
  auto named = parseSocketActivation("42", "2", "http:admin", 42);
  EXPECT_EQ(named.byName.size(), 2u);
  EXPECT_EQ(named.byName["http"], 3);
  EXPECT_EQ(named.byName["admin"], 4);
  EXPECT_TRUE(named.warnings.empty());

  auto otherPid = parseSocketActivation("41", "1", "http", 42);
  EXPECT_TRUE(otherPid.byName.empty());
  ASSERT_EQ(otherPid.warnings.size(), 1u);
  EXPECT_NE(otherPid.warnings[0].find("LISTEN_PID=41"), std::string::npos);

  auto single = parseSocketActivation("42", "1", "", 42);
  EXPECT_EQ(single.byName.at(""), 3);

  auto unnamed = parseSocketActivation("42", "2", "", 42);
  EXPECT_TRUE(unnamed.byName.empty());
  EXPECT_EQ(unnamed.warnings.size(), 2u);

  EXPECT_TRUE(parseSocketActivation("", "", "", 42).byName.empty());
}

TEST(LoadTable, BusiestProcessStepsAside) {
  auto table = LoadTable::create();
  uint64_t now = LoadTable::monotonicMs();
  table.setParticipating(0, true);
  table.setParticipating(1, true);
  table.publish(0, 10, now);
  table.publish(1, 10, now);
  EXPECT_TRUE(table.shouldAccept(0, now));
  EXPECT_TRUE(table.shouldAccept(1, now));
  // Slack above the fewest is 1 + fewest/16: 10 -> 11 allowed, 12 not.
  table.publish(0, 11, now);
  EXPECT_TRUE(table.shouldAccept(0, now));
  table.publish(0, 12, now);
  EXPECT_FALSE(table.shouldAccept(0, now));
  EXPECT_TRUE(table.shouldAccept(1, now)) << "the least loaded process always accepts";
  // A process that stopped participating (draining) does not hold the others back.
  table.setParticipating(1, false);
  EXPECT_TRUE(table.shouldAccept(0, now));
  // Nor does one whose heartbeat is stale (hung or dead).
  table.setParticipating(1, true);
  table.publish(1, 0, now);
  EXPECT_FALSE(table.shouldAccept(0, now));
  EXPECT_TRUE(table.shouldAccept(0, now + LoadTable::kStaleMs + 1));
  // Cleared rows are out.
  table.clear(1);
  EXPECT_TRUE(table.shouldAccept(0, now));
}

TEST(LoadTable, SharedThroughTheDescriptor) {
  auto table = LoadTable::create();
  auto other = LoadTable::attach(table.fd());
  uint64_t now = LoadTable::monotonicMs();
  other.setParticipating(3, true);
  other.publish(3, 0, now);
  table.setParticipating(0, true);
  table.publish(0, 5, now);
  EXPECT_FALSE(table.shouldAccept(0, now)) << "a row written through another mapping is seen";
}

TEST(Status, JsonAndPrometheus) {
  SupervisorStatus s;
  s.pid = 7;
  s.generation = 3;
  s.state = "serving";
  s.requestsServedByExited = 5;
  ProcessStatus p;
  p.index = 1;
  p.pid = 99;
  p.generation = 3;
  p.state = "serving";
  p.requestsServed = 10;
  p.restarts = 2;
  s.processes.push_back(p);
  auto json = statusJson(s);
  EXPECT_NE(json.find("\"generation\":3"), std::string::npos);
  EXPECT_NE(json.find("\"pid\":99"), std::string::npos);
  EXPECT_NE(json.find("\"restarts\":2"), std::string::npos);
  auto metrics = statusPrometheus(s);
  EXPECT_NE(metrics.find("colony_requests_served_total 15\n"), std::string::npos);
  EXPECT_NE(metrics.find(
                "colony_process_restarts_total{index=\"1\",pid=\"99\",generation=\"3\","
                "state=\"serving\"} 2\n"),
            std::string::npos);
}

}  // namespace
}  // namespace colony
