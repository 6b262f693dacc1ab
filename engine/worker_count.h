// How many workers a run starts: `-n auto | logical | N | -N`, as pytest-xdist users know it.
#pragma once

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"

namespace jackd {

// CPUs this process may use: its affinity mask, further limited by a cgroup CPU quota (v2 cpu.max or
// v1 cfs_quota_us), rounded up. At least 1.
int UsableCpus();

// Logical CPUs of the machine, ignoring affinity and quotas.
int LogicalCpus();

struct CpuFacts {
  int usable = 1;
  int logical = 1;
  // JACKD_WORKERS, else PYTEST_XDIST_AUTO_NUM_WORKERS, when set: what `auto` means instead of `usable`.
  std::string auto_override;
};

CpuFacts ReadCpuFacts();

// Resolves a `-n` value. `auto` is the usable CPUs (or the override), `logical` the logical CPUs, N is N,
// -N is max(1, usable / N); 0 and 1 both mean one worker. Returns an error message for anything else.
absl::StatusOr<int> ResolveWorkerCount(const std::string& spec, const CpuFacts& cpus);

}  // namespace jackd
