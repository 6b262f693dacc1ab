#include "scheduler/shard.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

namespace jackd::scheduler {
namespace {

TestItem Item(std::string file, std::string name, std::string group = "") {
  TestItem item;
  item.node_id = file + "::" + name;
  item.file = std::move(file);
  item.xdist_group = std::move(group);
  return item;
}

// A heavy-tailed suite: many short tests and a few long ones, as real suites have. Durations are
// multiples of 1/8 so sums are exact and the test does not depend on rounding.
struct Suite {
  Inventory inventory;
  std::vector<double> seconds;
};

Suite SkewedSuite(std::size_t files, std::size_t tests_per_file, unsigned seed) {
  Suite suite;
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> short_eighths(1, 16);   // 0.125 .. 2 s
  std::uniform_int_distribution<int> heavy_roll(0, 39);      // one test in 40 is long
  std::uniform_int_distribution<int> long_eighths(80, 240);  // 10 .. 30 s
  for (std::size_t f = 0; f < files; ++f) {
    for (std::size_t t = 0; t < tests_per_file; ++t) {
      suite.inventory.push_back(Item("tests/test_" + std::to_string(f) + ".py", "test_" + std::to_string(t)));
      const int eighths = heavy_roll(random) == 0 ? long_eighths(random) : short_eighths(random);
      suite.seconds.push_back(eighths / 8.0);
    }
  }
  return suite;
}

std::vector<double> ShardSeconds(const std::vector<std::uint32_t>& assignment,
                                 const std::vector<double>& seconds, std::uint32_t total) {
  std::vector<double> out(total, 0.0);
  for (std::size_t i = 0; i < assignment.size(); ++i) out[assignment[i]] += seconds[i];
  return out;
}

// --- parsing ----------------------------------------------------------------------------------------

TEST(ShardArgumentTest, CountsFromOne) {
  auto spec = ParseShardArgument("1/3");
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->index, 0u);
  EXPECT_EQ(spec->total, 3u);
  spec = ParseShardArgument("3/3");
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->index, 2u);
  EXPECT_TRUE(ParseShardArgument("1/1"));
}

TEST(ShardArgumentTest, RejectsWhatIsNotAShard) {
  for (const char* bad : {"0/3", "4/3", "x", "1/0", "0/0", "", "/", "1/", "/3", "-1/3", "1/3/5", "a/b",
                          "1.5/3", " 1/3", "1/3 ", "99999999999/3"}) {
    EXPECT_FALSE(ParseShardArgument(bad)) << bad;
  }
}

TEST(ShardModeTest, NamesRoundTrip) {
  EXPECT_EQ(ParseShardMode("duration"), ShardMode::kDuration);
  EXPECT_EQ(ParseShardMode("hash"), ShardMode::kHash);
  EXPECT_FALSE(ParseShardMode("random"));
  EXPECT_EQ(ShardModeName(ShardMode::kHash), "hash");
  EXPECT_EQ(ShardModeName(ShardMode::kDuration), "duration");
}

TEST(StableHashTest, IsFnv1a) {
  // The published FNV-1a 64-bit test vectors: the hash must never change between builds.
  EXPECT_EQ(StableHash(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(StableHash("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(StableHash("foobar"), 0x85944171f73967e8ull);
}

// --- partition properties ---------------------------------------------------------------------------

TEST(AssignShardsTest, EveryTestIsInExactlyOneShard) {
  const Suite suite = SkewedSuite(12, 9, 7);
  for (ShardMode shard_mode : {ShardMode::kDuration, ShardMode::kHash}) {
    for (DistMode mode : {DistMode::kLoad, DistMode::kLoadFile, DistMode::kLoadScope}) {
      for (std::uint32_t total : {1u, 2u, 3u, 5u, 7u, 200u}) {
        const auto assignment =
            AssignShards(suite.inventory, mode, DistMode::kLoad, suite.seconds, total, shard_mode);
        ASSERT_EQ(assignment.size(), suite.inventory.size());
        std::multiset<TestIndex> seen;
        for (std::uint32_t shard = 0; shard < total; ++shard) {
          for (TestIndex test : TestsOfShard(assignment, shard)) seen.insert(test);
        }
        ASSERT_EQ(seen.size(), suite.inventory.size());
        for (TestIndex i = 0; i < suite.inventory.size(); ++i) EXPECT_EQ(seen.count(i), 1u);
      }
    }
  }
}

TEST(AssignShardsTest, DurationModeIsBalancedOnASkewedSuite) {
  for (unsigned seed : {1u, 2u, 3u, 4u, 5u}) {
    const Suite suite = SkewedSuite(20, 25, seed);  // 500 tests, about a dozen of them long
    double sum = 0, longest = 0;
    for (double s : suite.seconds) sum += s, longest = std::max(longest, s);
    for (std::uint32_t total : {2u, 3u, 4u, 8u}) {
      const double ideal = sum / total;
      ASSERT_LT(longest, 0.5 * ideal) << "the longest test must leave room for balance";
      const auto assignment = AssignShards(suite.inventory, DistMode::kLoad, DistMode::kLoad, suite.seconds,
                                           total, ShardMode::kDuration);
      for (double shard_seconds : ShardSeconds(assignment, suite.seconds, total)) {
        EXPECT_NEAR(shard_seconds, ideal, 0.1 * ideal) << "seed " << seed << ", " << total << " shards";
      }
    }
  }
}

TEST(AssignShardsTest, DurationModeBalancesFilesUnderLoadfile) {
  // 40 files of uneven cost; no file is more than 10% of a shard's ideal share.
  const Suite suite = SkewedSuite(40, 12, 11);
  const std::uint32_t total = 3;
  const auto assignment = AssignShards(suite.inventory, DistMode::kLoadFile, DistMode::kLoad, suite.seconds,
                                       total, ShardMode::kDuration);
  double sum = 0;
  for (double s : suite.seconds) sum += s;
  for (double shard_seconds : ShardSeconds(assignment, suite.seconds, total))
    EXPECT_NEAR(shard_seconds, sum / total, 0.1 * sum / total);
}

TEST(AssignShardsTest, WithoutDurationsShardsGetAboutTheSameNumberOfTests) {
  const Suite suite = SkewedSuite(10, 10, 3);
  const auto assignment =
      AssignShards(suite.inventory, DistMode::kLoad, DistMode::kLoad, {}, 3, ShardMode::kDuration);
  EXPECT_EQ(TestsOfShard(assignment, 0).size(), 34u);
  EXPECT_EQ(TestsOfShard(assignment, 1).size(), 33u);
  EXPECT_EQ(TestsOfShard(assignment, 2).size(), 33u);
}

TEST(AssignShardsTest, GroupedTestsStayInOneShard) {
  Inventory inventory = {Item("a.py", "x", "db"), Item("b.py", "y", "db"), Item("c.py", "z"),
                         Item("a.py", "w", "db"), Item("d.py", "v"),       Item("c.py", "u")};
  const std::vector<double> seconds = {1, 1, 5, 1, 5, 1};
  for (ShardMode shard_mode : {ShardMode::kDuration, ShardMode::kHash}) {
    auto groups = AssignShards(inventory, DistMode::kLoadGroup, DistMode::kLoad, seconds, 3, shard_mode);
    EXPECT_EQ(groups[0], groups[1]);
    EXPECT_EQ(groups[0], groups[3]);
    auto files = AssignShards(inventory, DistMode::kLoadFile, DistMode::kLoad, seconds, 3, shard_mode);
    EXPECT_EQ(files[0], files[3]);
    EXPECT_EQ(files[2], files[5]);
  }
}

// node ID -> shard, so partitions of differently ordered collections compare.
std::map<std::string, std::uint32_t> ByNodeId(const Inventory& inventory,
                                              const std::vector<std::uint32_t>& shards) {
  std::map<std::string, std::uint32_t> out;
  for (std::size_t i = 0; i < inventory.size(); ++i) out[inventory[i].node_id] = shards[i];
  return out;
}

TEST(AssignShardsTest, TheSameInputGivesTheSamePartitionInAnyCollectionOrder) {
  const Suite suite = SkewedSuite(15, 8, 5);
  for (ShardMode shard_mode : {ShardMode::kDuration, ShardMode::kHash}) {
    for (DistMode mode : {DistMode::kLoad, DistMode::kLoadFile}) {
      const auto reference = ByNodeId(suite.inventory, AssignShards(suite.inventory, mode, DistMode::kLoad,
                                                                    suite.seconds, 4, shard_mode));
      EXPECT_EQ(reference, ByNodeId(suite.inventory, AssignShards(suite.inventory, mode, DistMode::kLoad,
                                                                  suite.seconds, 4, shard_mode)));
      std::vector<std::size_t> order(suite.inventory.size());
      for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::mt19937 random(42);
      for (int round = 0; round < 3; ++round) {
        std::shuffle(order.begin(), order.end(), random);
        Suite shuffled;
        for (std::size_t i : order) {
          shuffled.inventory.push_back(suite.inventory[i]);
          shuffled.seconds.push_back(suite.seconds[i]);
        }
        EXPECT_EQ(reference,
                  ByNodeId(shuffled.inventory, AssignShards(shuffled.inventory, mode, DistMode::kLoad,
                                                            shuffled.seconds, 4, shard_mode)));
      }
    }
  }
}

TEST(AssignShardsTest, EqualDurationsTieBreakByNodeId) {
  Inventory inventory = {Item("b.py", "t"), Item("a.py", "t"), Item("c.py", "t")};
  const auto assignment =
      AssignShards(inventory, DistMode::kLoad, DistMode::kLoad, {1, 1, 1}, 3, ShardMode::kDuration);
  // a.py first goes to shard 0, b.py to 1, c.py to 2.
  EXPECT_EQ(assignment, (std::vector<std::uint32_t>{1, 0, 2}));
}

TEST(AssignShardsTest, HashModeKeepsTestsInTheirShardAsTestsAreAddedOrRemoved) {
  Suite suite = SkewedSuite(10, 10, 9);
  const auto before = ByNodeId(
      suite.inventory,
      AssignShards(suite.inventory, DistMode::kLoad, DistMode::kLoad, suite.seconds, 3, ShardMode::kHash));
  Suite changed;
  for (std::size_t i = 0; i < suite.inventory.size(); ++i) {
    if (i % 7 == 0) continue;  // removed
    changed.inventory.push_back(suite.inventory[i]);
    changed.seconds.push_back(suite.seconds[i] * 3);  // durations do not matter to hash mode
  }
  for (int n = 0; n < 25; ++n) {
    changed.inventory.push_back(Item("tests/test_new.py", "test_" + std::to_string(n)));
    changed.seconds.push_back(4);
  }
  const auto after =
      ByNodeId(changed.inventory, AssignShards(changed.inventory, DistMode::kLoad, DistMode::kLoad,
                                               changed.seconds, 3, ShardMode::kHash));
  std::size_t kept = 0;
  for (const auto& [node_id, shard] : after) {
    auto old = before.find(node_id);
    if (old == before.end()) continue;
    EXPECT_EQ(shard, old->second) << node_id;
    ++kept;
  }
  EXPECT_GT(kept, 80u);
  // And hash mode still spreads the suite: no shard is empty.
  std::set<std::uint32_t> used;
  for (const auto& [node_id, shard] : after) used.insert(shard);
  EXPECT_EQ(used.size(), 3u);
}

TEST(AssignShardsTest, MoreShardsThanTestsLeavesSomeEmpty) {
  Inventory inventory = {Item("a.py", "x"), Item("b.py", "y")};
  const auto assignment =
      AssignShards(inventory, DistMode::kLoad, DistMode::kLoad, {}, 5, ShardMode::kDuration);
  std::size_t total = 0;
  for (std::uint32_t shard = 0; shard < 5; ++shard) total += TestsOfShard(assignment, shard).size();
  EXPECT_EQ(total, 2u);
}

}  // namespace
}  // namespace jackd::scheduler
