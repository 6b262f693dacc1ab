#include "engine/worker_count.h"

#include <sched.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

namespace jackd {
namespace {

std::optional<long> ParseLong(std::string_view text) {
  long value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The CPU quota of our cgroup in CPUs, if one is set.
std::optional<double> CgroupQuota() {
  // cgroup v2: "max 100000" or "150000 100000" in our own cgroup's cpu.max.
  std::ifstream v2("/sys/fs/cgroup/cpu.max");
  std::string quota, period;
  if (v2 >> quota >> period) {
    if (quota == "max") return std::nullopt;
    auto q = ParseLong(quota), p = ParseLong(period);
    if (q && p && *q > 0 && *p > 0) return static_cast<double>(*q) / static_cast<double>(*p);
    return std::nullopt;
  }
  std::ifstream v1q("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"), v1p("/sys/fs/cgroup/cpu/cpu.cfs_period_us");
  long q = -1, p = -1;
  if (v1q >> q && v1p >> p && q > 0 && p > 0) return static_cast<double>(q) / static_cast<double>(p);
  return std::nullopt;
}

}  // namespace

int LogicalCpus() { return std::max(1u, std::thread::hardware_concurrency()); }

int UsableCpus() {
  int cpus = LogicalCpus();
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) cpus = std::max(1, CPU_COUNT(&set));
  if (auto quota = CgroupQuota()) cpus = std::min(cpus, std::max(1, static_cast<int>(std::ceil(*quota))));
  return cpus;
}

CpuFacts ReadCpuFacts() {
  CpuFacts facts{UsableCpus(), LogicalCpus(), ""};
  for (const char* name : {"JACKD_WORKERS", "PYTEST_XDIST_AUTO_NUM_WORKERS"}) {
    const char* value = std::getenv(name);
    if (value && *value) {
      facts.auto_override = value;
      break;
    }
  }
  return facts;
}

absl::StatusOr<int> ResolveWorkerCount(const std::string& spec, const CpuFacts& cpus) {
  if (spec == "auto") {
    if (cpus.auto_override.empty()) return cpus.usable;
    auto n = ParseLong(cpus.auto_override);
    if (!n || *n < 1) {
      return absl::InvalidArgumentError(
          "JACKD_WORKERS/PYTEST_XDIST_AUTO_NUM_WORKERS must be a positive number, not '" +
          cpus.auto_override + "' (unset it to use every usable CPU)");
    }
    return static_cast<int>(*n);
  }
  if (spec == "logical") return cpus.logical;
  auto n = ParseLong(spec);
  if (!n) {
    return absl::InvalidArgumentError("-n expects auto, logical, N or -N, not '" + spec +
                                      "' (for example -n auto, -n 4, or -n -2 for half the CPUs)");
  }
  if (*n < 0) return std::max<int>(1, cpus.usable / static_cast<int>(-*n));
  return std::max<int>(1, static_cast<int>(*n));
}

}  // namespace jackd
