#include "engine/worker_count.h"

#include <gtest/gtest.h>

namespace jackd {
namespace {

TEST(WorkerCountTest, ResolvesEverySpelling) {
  CpuFacts cpus{.usable = 6, .logical = 8, .auto_override = ""};
  EXPECT_EQ(*ResolveWorkerCount("auto", cpus), 6);
  EXPECT_EQ(*ResolveWorkerCount("logical", cpus), 8);
  EXPECT_EQ(*ResolveWorkerCount("3", cpus), 3);
  EXPECT_EQ(*ResolveWorkerCount("-2", cpus), 3);
  EXPECT_EQ(*ResolveWorkerCount("-10", cpus), 1);
  EXPECT_EQ(*ResolveWorkerCount("0", cpus), 1);
  EXPECT_EQ(*ResolveWorkerCount("1", cpus), 1);
  EXPECT_FALSE(ResolveWorkerCount("many", cpus).ok());
  EXPECT_FALSE(ResolveWorkerCount("", cpus).ok());
}

TEST(WorkerCountTest, OverrideChangesOnlyAuto) {
  CpuFacts cpus{.usable = 6, .logical = 8, .auto_override = "2"};
  EXPECT_EQ(*ResolveWorkerCount("auto", cpus), 2);
  EXPECT_EQ(*ResolveWorkerCount("4", cpus), 4);
  cpus.auto_override = "lots";
  EXPECT_FALSE(ResolveWorkerCount("auto", cpus).ok());
}

TEST(WorkerCountTest, UsableCpusIsWithinTheMachine) {
  EXPECT_GE(UsableCpus(), 1);
  EXPECT_LE(UsableCpus(), LogicalCpus());
}

}  // namespace
}  // namespace jackd
