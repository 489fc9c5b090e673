// How many runtime processes `colony serve` starts by default: the CPUs this process may run on
// (its affinity mask), lowered by a cgroup v2 CPU quota (cpu.max) on its cgroup or any ancestor,
// at least 1.
#pragma once

#include <optional>
#include <string>

namespace colony {

// The CPUs a cpu.max line allows ("max 100000" → nullopt; "200000 100000" → 2; "150000 100000"
// → 2, rounded up; at least 1). nullopt also for text that is not a cpu.max line.
std::optional<unsigned> cpusFromCpuMax(const std::string& text);

// The cgroup v2 path of this process from /proc/self/cgroup text ("0::/user.slice/x" →
// "/user.slice/x"); nullopt when there is no v2 entry.
std::optional<std::string> cgroupV2Path(const std::string& procSelfCgroup);

// The default process count for this process.
unsigned defaultProcessCount();

}  // namespace colony
