// Sharding: which share of the suite one of N independent CI jobs runs (`jackd run --shard I/N`).
//
// Each job collects the whole suite and computes the same partition from the same input, so the N jobs
// together run every test exactly once without talking to each other. Tests that must share a worker
// under the distribution mode (a file under loadfile, a scope under loadscope, an xdist_group under
// loadgroup) form one unit (distribution.h) and stay in one shard.
//
// Two modes:
// - duration (default): longest-processing-time first over the units, by the expected seconds of earlier
//   runs (expected_durations.h), so the shards take about the same time. Every job must see the same
//   durations (CI restores one cache for all of them); a job with other durations may compute another
//   partition, which `jackd merge` then reports as missing or duplicated tests.
// - hash: a stable hash (FNV-1a, the same in every build and on every machine, unlike std::hash) of the
//   unit's key, modulo N. Adding or removing tests never moves another test to another shard.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scheduler/distribution.h"
#include "scheduler/test_item.h"

namespace jackd::scheduler {

enum class ShardMode { kDuration, kHash };

std::optional<ShardMode> ParseShardMode(std::string_view name);
std::string_view ShardModeName(ShardMode mode);

// One job's share: shard `index` (0-based) of `total`.
struct ShardSpec {
  std::uint32_t index = 0;
  std::uint32_t total = 1;
  ShardMode mode = ShardMode::kDuration;
};

// "I/N" as the command line writes it: I counts from 1 (as Playwright's and Jest's --shard), 1 <= I <= N.
// Returns the 0-based spec (mode left at its default), nullopt for anything else ("0/3", "4/3", "x").
std::optional<ShardSpec> ParseShardArgument(std::string_view text);

// 64-bit FNV-1a: stable across builds, compilers and machines.
std::uint64_t StableHash(std::string_view text);

// The shard of every test of `inventory`, by TestIndex, each in [0, total). `expected` is every test's
// expected seconds by TestIndex (ExpectDurations), empty when nothing was measured: each test then counts
// as one second. Deterministic: units are ordered by expected seconds, then by their key (a unit key is
// unique), never by collection order, so a reordered collection gives the same partition.
std::vector<std::uint32_t> AssignShards(const Inventory& inventory, DistMode mode, DistMode fallback,
                                        const std::vector<double>& expected, std::uint32_t total,
                                        ShardMode shard_mode);

// The tests assigned to `index`, in collection order.
std::vector<TestIndex> TestsOfShard(const std::vector<std::uint32_t>& assignment, std::uint32_t index);

}  // namespace jackd::scheduler
