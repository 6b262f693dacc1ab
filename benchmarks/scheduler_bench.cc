// jackd_scheduler_bench: Google Benchmark microbenchmarks of the scheduler's two hot paths.
//  - BM_PlanWork/<mode>/<tests>/<known>: cutting an inventory into a plan (with expected durations
//    known, as the durations store hands them over, or not).
//  - BM_Dispatch/<mode>/<tests>: draining a plan through Next + TestFinished with 8 workers taking turns,
//    the engine's per-result work; items/s is tests dispatched and finished per second.
// Suites come from synthetic_suite.h (lognormal durations, seeded), built once per size.
#include <benchmark/benchmark.h>

#include <deque>
#include <map>
#include <vector>

#include "benchmarks/synthetic_suite.h"
#include "scheduler/expected_durations.h"
#include "scheduler/scheduler.h"
#include "scheduler/work_plan.h"

namespace jackd::bench {
namespace {

using scheduler::DistMode;
using scheduler::TestIndex;
using scheduler::WorkerId;

constexpr DistMode kModes[] = {DistMode::kLoad, DistMode::kLoadFile, DistMode::kWorkSteal};
constexpr std::size_t kTestsPerFile = 40;
constexpr std::uint32_t kWorkers = 8;
constexpr std::uint64_t kSeed = 1;

struct Prepared {
  Suite suite;
  std::vector<double> expected;
};

// Building a 100,000-test suite takes longer than planning it: once per size, outside the timing.
const Prepared& SuiteOf(std::size_t tests) {
  static std::map<std::size_t, Prepared> cache;
  auto it = cache.find(tests);
  if (it == cache.end()) {
    Prepared prepared{MakeSuite(Shape::kLognormal, tests, kTestsPerFile, kSeed), {}};
    prepared.expected = scheduler::ExpectDurations(prepared.suite.inventory, prepared.suite.measured);
    it = cache.emplace(tests, std::move(prepared)).first;
  }
  return it->second;
}

scheduler::Policy PolicyOf(std::int64_t mode_index) {
  scheduler::Policy policy;
  policy.mode = kModes[mode_index];
  return policy;
}

void BM_PlanWork(benchmark::State& state) {
  const scheduler::Policy policy = PolicyOf(state.range(0));
  const Prepared& prepared = SuiteOf(static_cast<std::size_t>(state.range(1)));
  const std::vector<double> none;
  const std::vector<double>& expected = state.range(2) != 0 ? prepared.expected : none;
  for (auto _ : state) {
    scheduler::WorkPlan plan = scheduler::PlanWork(prepared.suite.inventory, policy, kWorkers, expected);
    benchmark::DoNotOptimize(plan.units.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(1));
}

// Plays the engine and the workers without a clock: each worker in turn runs the front of its queue
// when it may (it knows the next test, or was told to finish), reports it, and asks again.
std::size_t Drain(scheduler::Scheduler& sched) {
  std::vector<std::deque<TestIndex>> queues(kWorkers);
  std::vector<bool> finished(kWorkers, false);
  auto ask = [&](WorkerId w) {
    scheduler::Assignment a = sched.Next(w);
    queues[w].insert(queues[w].end(), a.tests.begin(), a.tests.end());
    finished[w] = finished[w] || a.finish;
  };
  for (WorkerId w = 0; w < kWorkers; ++w) sched.AddWorker(w);
  for (WorkerId w = 0; w < kWorkers; ++w) ask(w);
  std::size_t done = 0;
  for (bool progress = true; progress;) {
    progress = false;
    for (WorkerId w = 0; w < kWorkers; ++w) {
      auto& queue = queues[w];
      if (queue.empty() || (queue.size() < 2 && !finished[w])) continue;
      sched.TestFinished(w, queue.front());
      queue.pop_front();
      ++done;
      progress = true;
      ask(w);
      for (WorkerId s : sched.Starving()) ask(s);
    }
  }
  return done;
}

void BM_Dispatch(benchmark::State& state) {
  const scheduler::Policy policy = PolicyOf(state.range(0));
  const Prepared& prepared = SuiteOf(static_cast<std::size_t>(state.range(1)));
  const scheduler::WorkPlan plan =
      scheduler::PlanWork(prepared.suite.inventory, policy, kWorkers, prepared.expected);
  for (auto _ : state) {
    state.PauseTiming();
    scheduler::Scheduler sched(plan);
    state.ResumeTiming();
    const std::size_t done = Drain(sched);
    if (done != prepared.suite.inventory.size()) state.SkipWithError("a test was lost or duplicated");
  }
  state.SetItemsProcessed(state.iterations() * state.range(1));
}

// Args: mode index (0 load, 1 loadfile, 2 worksteal), tests, expected durations known (1) or not (0).
BENCHMARK(BM_PlanWork)
    ->ArgNames({"mode", "tests", "known"})
    ->ArgsProduct({{0, 1, 2}, {1'000, 10'000, 100'000}, {0, 1}})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Dispatch)
    ->ArgNames({"mode", "tests"})
    ->ArgsProduct({{0, 1, 2}, {10'000, 100'000}})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace jackd::bench

BENCHMARK_MAIN();
