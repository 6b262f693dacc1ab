// The engine's side of `--shard I/N`: which shard this job runs (the option, else Bazel's test-sharding
// variables), and the collection cut down to that shard's tests. The partition itself is pure logic in
// scheduler/shard.h.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/run_model.h"
#include "scheduler/distribution.h"
#include "scheduler/shard.h"

namespace jackd {

// The shard to run: `--shard` (`option`, "I/N", 1-based) wins; without it, Bazel's TEST_TOTAL_SHARDS and
// TEST_SHARD_INDEX (0-based) when both are set. Bazel's TEST_SHARD_STATUS_FILE, when set, is touched (that
// is how a test runner tells Bazel it shards). The spec gets `mode`. nullopt: no sharding. A usage error for
// malformed values.
absl::StatusOr<std::optional<scheduler::ShardSpec>> ResolveShard(const std::string& option,
                                                                 scheduler::ShardMode mode);

// Cuts `collection` down to the tests of `shard` (items, timeouts and flaky marks; the rest count as
// deselected; the collection digest stays the whole collection's, which workers compare against) and
// records ShardInfo. `expected` is every collected test's expected seconds (empty when unknown); returns
// the kept tests' expected seconds, by their new index.
std::vector<double> ApplyShard(Collection& collection, const scheduler::ShardSpec& shard,
                               scheduler::DistMode mode, scheduler::DistMode fallback,
                               const std::vector<double>& expected);

// "shard 2/3 (duration): 10 of 31 tests; 21 deselected by --shard", for the run's notes.
std::string ShardNote(const ShardInfo& shard);

}  // namespace jackd
