#include "engine/thread_limits.h"

#include <gtest/gtest.h>

#include <map>

namespace jackd {
namespace {

EnvironmentLookup From(std::map<std::string, std::string, std::less<>> env) {
  return [env = std::move(env)](std::string_view name) -> std::optional<std::string> {
    auto found = env.find(name);
    if (found == env.end()) return std::nullopt;
    return found->second;
  };
}

TEST(ThreadLimitsTest, SharesTheCpusAmongTheWorkers) {
  EXPECT_EQ(PlanThreadLimits(2, 2, From({})).threads, 1);
  EXPECT_EQ(PlanThreadLimits(8, 2, From({})).threads, 4);
  EXPECT_EQ(PlanThreadLimits(2, 1, From({})).threads, 2);
  EXPECT_EQ(PlanThreadLimits(7, 2, From({})).threads, 3);  // rounded down: never more threads than CPUs
  EXPECT_EQ(PlanThreadLimits(2, 8, From({})).threads, 1);  // more workers than CPUs: still one each
}

TEST(ThreadLimitsTest, GivesEveryVariableTheSameSize) {
  const ThreadLimits limits = PlanThreadLimits(8, 4, From({}));
  EXPECT_EQ(limits.given.size(), kThreadPoolVariables.size());
  EXPECT_TRUE(limits.kept.empty());
  const std::vector<std::string> env = ThreadLimitEnvironment(limits);
  ASSERT_EQ(env.size(), kThreadPoolVariables.size());
  EXPECT_EQ(env[0], "OMP_NUM_THREADS=2");
  EXPECT_EQ(env[1], "OPENBLAS_NUM_THREADS=2");
  for (const std::string& entry : env) EXPECT_TRUE(entry.ends_with("=2")) << entry;
}

TEST(ThreadLimitsTest, NeverChangesWhatTheUserSet) {
  // Set to anything, even empty, is the user's choice.
  const ThreadLimits limits =
      PlanThreadLimits(2, 2, From({{"OMP_NUM_THREADS", "3"}, {"MKL_NUM_THREADS", ""}}));
  EXPECT_EQ(limits.kept, (std::vector<std::string>{"OMP_NUM_THREADS=3", "MKL_NUM_THREADS="}));
  for (const std::string& entry : ThreadLimitEnvironment(limits)) {
    EXPECT_FALSE(entry.starts_with("OMP_NUM_THREADS=")) << entry;
    EXPECT_FALSE(entry.starts_with("MKL_NUM_THREADS=")) << entry;
  }
  EXPECT_EQ(ThreadLimitEnvironment(limits).size(), kThreadPoolVariables.size() - 2);
}

TEST(ThreadLimitsTest, NoWorkersNoLimits) {
  const ThreadLimits limits = PlanThreadLimits(4, 0, From({{"OMP_NUM_THREADS", "3"}}));
  EXPECT_EQ(limits.threads, 0);
  EXPECT_TRUE(ThreadLimitEnvironment(limits).empty());
  EXPECT_EQ(ThreadLimitsLine(limits), "");
}

TEST(ThreadLimitsTest, HeaderLineSaysWhatWasSetAndWhatWasKept) {
  EXPECT_EQ(ThreadLimitsLine(PlanThreadLimits(2, 2, From({}))),
            "thread pools: 1 thread per worker (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, MKL_NUM_THREADS, "
            "NUMEXPR_NUM_THREADS, VECLIB_MAXIMUM_THREADS, BLIS_NUM_THREADS)");
  EXPECT_EQ(ThreadLimitsLine(PlanThreadLimits(8, 2,
                                              From({{"OMP_NUM_THREADS", "3"},
                                                    {"MKL_NUM_THREADS", "1"},
                                                    {"VECLIB_MAXIMUM_THREADS", "1"},
                                                    {"NUMEXPR_NUM_THREADS", "1"}}))),
            "thread pools: 4 threads per worker (OPENBLAS_NUM_THREADS, BLIS_NUM_THREADS; kept "
            "OMP_NUM_THREADS=3, MKL_NUM_THREADS=1, NUMEXPR_NUM_THREADS=1, VECLIB_MAXIMUM_THREADS=1)");
  std::map<std::string, std::string, std::less<>> all;
  for (std::string_view name : kThreadPoolVariables) all.emplace(name, "2");
  EXPECT_EQ(ThreadLimitsLine(PlanThreadLimits(2, 2, From(all))),
            "thread pools: as set (OMP_NUM_THREADS=2, OPENBLAS_NUM_THREADS=2, MKL_NUM_THREADS=2, "
            "NUMEXPR_NUM_THREADS=2, VECLIB_MAXIMUM_THREADS=2, BLIS_NUM_THREADS=2)");
}

}  // namespace
}  // namespace jackd
