#include "scheduler/shard.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <numeric>
#include <queue>
#include <utility>

#include "scheduler/expected_durations.h"

namespace jackd::scheduler {
namespace {

// FNV-1a's published 64-bit parameters.
constexpr std::uint64_t kFnvOffsetBasis = 14695981039346656037ull;
constexpr std::uint64_t kFnvPrime = 1099511628211ull;

// Joins key parts with a byte no path or node ID contains, so {"a", "b/c"} and {"a/b", "c"} differ.
constexpr char kKeySeparator = '\x1f';

// A unit's identity, the same in every job whatever the collection order: its grouping key, or the node
// ID of a test that is a unit of its own.
std::string UnitKey(const Inventory& inventory, const Unit& unit, DistMode mode, DistMode fallback) {
  const TestItem& first = inventory[unit.tests.front()];
  auto key = GroupingKey(first, mode, fallback);
  if (!key) return "test" + std::string(1, kKeySeparator) + first.node_id;
  std::string out;
  for (const std::string& part : *key) {
    if (!out.empty()) out.push_back(kKeySeparator);
    out += part;
  }
  return out;
}

std::optional<std::uint32_t> ParseCount(std::string_view text) {
  std::uint32_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || ptr != end) return std::nullopt;
  return value;
}

}  // namespace

std::optional<ShardMode> ParseShardMode(std::string_view name) {
  if (name == "duration") return ShardMode::kDuration;
  if (name == "hash") return ShardMode::kHash;
  return std::nullopt;
}

std::string_view ShardModeName(ShardMode mode) { return mode == ShardMode::kHash ? "hash" : "duration"; }

std::optional<ShardSpec> ParseShardArgument(std::string_view text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto index = ParseCount(text.substr(0, slash));
  auto total = ParseCount(text.substr(slash + 1));
  if (!index || !total || *index < 1 || *index > *total) return std::nullopt;
  ShardSpec spec;
  spec.index = *index - 1;
  spec.total = *total;
  return spec;
}

std::uint64_t StableHash(std::string_view text) {
  std::uint64_t hash = kFnvOffsetBasis;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= kFnvPrime;
  }
  return hash;
}

std::vector<std::uint32_t> AssignShards(const Inventory& inventory, DistMode mode, DistMode fallback,
                                        const std::vector<double>& expected, std::uint32_t total,
                                        ShardMode shard_mode) {
  std::vector<std::uint32_t> assignment(inventory.size(), 0);
  if (total <= 1 || inventory.empty()) return assignment;
  std::vector<TestIndex> all(inventory.size());
  std::iota(all.begin(), all.end(), 0);
  struct Keyed {
    std::string key;
    double seconds;
    const Unit* unit;
  };
  const std::vector<Unit> units = MakeUnits(inventory, all, mode, fallback);
  std::vector<Keyed> keyed;
  keyed.reserve(units.size());
  for (const Unit& unit : units) {
    // Nothing measured: every test counts alike, so shards get about the same number of tests.
    const double seconds =
        expected.empty() ? static_cast<double>(unit.tests.size()) : ExpectedSeconds(unit, expected);
    keyed.push_back({UnitKey(inventory, unit, mode, fallback), seconds, &unit});
  }
  auto assign = [&](const Unit& unit, std::uint32_t shard) {
    for (TestIndex test : unit.tests) assignment[test] = shard;
  };

  if (shard_mode == ShardMode::kHash) {
    for (const Keyed& k : keyed) assign(*k.unit, static_cast<std::uint32_t>(StableHash(k.key) % total));
    return assignment;
  }

  // LPT: the longest unit goes to the shard with the least work so far (ties: the lowest shard). Its
  // makespan is at most 4/3 of the optimum, and within one unit's length of the ideal sum/N.
  std::sort(keyed.begin(), keyed.end(), [](const Keyed& a, const Keyed& b) {
    if (a.seconds != b.seconds) return a.seconds > b.seconds;
    return a.key < b.key;
  });
  using Load = std::pair<double, std::uint32_t>;  // seconds so far, shard
  std::priority_queue<Load, std::vector<Load>, std::greater<>> least;
  for (std::uint32_t shard = 0; shard < total; ++shard) least.push({0.0, shard});
  for (const Keyed& k : keyed) {
    auto [seconds, shard] = least.top();
    least.pop();
    assign(*k.unit, shard);
    least.push({seconds + k.seconds, shard});
  }
  return assignment;
}

std::vector<TestIndex> TestsOfShard(const std::vector<std::uint32_t>& assignment, std::uint32_t index) {
  std::vector<TestIndex> out;
  for (TestIndex i = 0; i < assignment.size(); ++i) {
    if (assignment[i] == index) out.push_back(i);
  }
  return out;
}

}  // namespace jackd::scheduler
