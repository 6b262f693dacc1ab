#include "engine/run_config.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace jackd {
namespace {

// Options that resolve without files, a listener or SSH: an interpreter every test machine has.
RunOptions Resolvable() {
  RunOptions options;
  options.python = "/bin/sh";
  options.workers = "3";
  return options;
}

bool Has(const std::vector<std::string>& env, const std::string& entry) {
  return std::find(env.begin(), env.end(), entry) != env.end();
}

TEST(RunConfigTest, TheCommandLinesStringsBecomeEnums) {
  RunOptions options = Resolvable();
  options.dist = "loadgroup";
  options.dist_fallback = "loadfile";
  options.worker_start = "exec";
  options.collection = "whole";
  options.shard = "2/3";
  options.shard_mode = "hash";
  auto config = ResolveRunConfig(options);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->dist, scheduler::DistMode::kLoadGroup);
  EXPECT_EQ(config->dist_fallback, scheduler::DistMode::kLoadFile);
  EXPECT_EQ(config->worker_start, WorkerStart::kExec);
  EXPECT_EQ(config->collection, CollectionMode::kWhole);
  ASSERT_TRUE(config->shard.has_value());
  EXPECT_EQ(config->shard->index, 1u);
  EXPECT_EQ(config->shard->total, 3u);
  EXPECT_EQ(config->shard->mode, scheduler::ShardMode::kHash);
}

TEST(RunConfigTest, DefaultsForkSplitAndLimitThreadPools) {
  auto config = ResolveRunConfig(Resolvable());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->worker_start, WorkerStart::kFork);
  EXPECT_EQ(config->collection, CollectionMode::kSplit);
  EXPECT_GT(config->thread_pool_cpus, 0);
  EXPECT_FALSE(config->max_worker_restart.has_value());  // 4 per worker, once the count is known
}

TEST(RunConfigTest, LazyCollectionIsItsOwnMode) {
  RunOptions options = Resolvable();
  options.collection = "lazy";
  auto config = ResolveRunConfig(options);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->collection, CollectionMode::kLazy);
}

TEST(RunConfigTest, ThreadLimitsOffGivesNoPoolSize) {
  RunOptions options = Resolvable();
  options.thread_limits = "off";
  auto config = ResolveRunConfig(options);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->thread_pool_cpus, 0);
}

TEST(RunConfigTest, WorkersAreCappedByMaxprocessesAndDistNo) {
  RunOptions options = Resolvable();
  options.max_processes = 2;
  EXPECT_EQ(ResolveRunConfig(options)->requested_workers, 2u);
  options.max_processes = 0;
  options.dist = "no";
  EXPECT_EQ(ResolveRunConfig(options)->requested_workers, 1u);
}

TEST(RunConfigTest, SecondsBecomeADurationAndAnExplicitRestartBudgetIsKept) {
  RunOptions options = Resolvable();
  options.worker_start_timeout = 2.5;
  options.max_worker_restart = 0;
  auto config = ResolveRunConfig(options);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->worker_start_timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(config->max_worker_restart, 0);
}

TEST(RunConfigTest, TheFirstBadOptionIsTheError) {
  RunOptions options = Resolvable();
  options.workers = "many";
  options.dist = "sideways";
  auto config = ResolveRunConfig(options);
  ASSERT_FALSE(config.ok());
  EXPECT_NE(std::string(config.status().message()).find("many"), std::string::npos) << config.status();
  options.workers = "2";
  EXPECT_NE(std::string(ResolveRunConfig(options).status().message()).find("--dist"), std::string::npos);
}

TEST(RunConfigTest, SshNeedsTheListener) {
  RunOptions options = Resolvable();
  options.ssh.hosts = {"build1"};
  EXPECT_FALSE(ResolveRunConfig(options).ok());
}

TEST(RunConfigTest, EveryShimLearnsTheSerialMarkAndTheCount) {
  RunOptions options;
  options.serial_mark = "db";
  options.count = 3;
  EXPECT_EQ(ShimEnvironment(options), (std::vector<std::string>{"JACKD_SERIAL_MARK=db", "JACKD_COUNT=3"}));
  EXPECT_EQ(LocalShimEnvironment(options), ShimEnvironment(options));
}

TEST(RunConfigTest, CoverageNeedsCoveragePyInLocalShimsOnly) {
  RunOptions options;
  options.coverage.sources = {"pkg"};
  EXPECT_TRUE(Has(LocalShimEnvironment(options), "JACKD_NEEDS_MODULES=coverage"));
  EXPECT_FALSE(Has(ShimEnvironment(options), "JACKD_NEEDS_MODULES=coverage"));
  options.coverage.no_cov = true;
  EXPECT_FALSE(Has(LocalShimEnvironment(options), "JACKD_NEEDS_MODULES=coverage"));
}

TEST(RunConfigTest, TheEnvironmentsAreInTheConfig) {
  RunOptions options = Resolvable();
  options.count = 2;
  options.coverage.sources = {""};
  auto config = ResolveRunConfig(options);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->shim_environment, ShimEnvironment(options));
  EXPECT_EQ(config->local_shim_environment, LocalShimEnvironment(options));
}

}  // namespace
}  // namespace jackd
