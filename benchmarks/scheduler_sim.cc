// jackd_scheduler_sim: how close the scheduler gets to the best possible makespan, on synthetic suites,
// in virtual time (see event_simulation.h). Prints, for each duration distribution x dist mode x worker
// count, makespan / lower bound with expected durations known and unknown; the lower bound is
// max(total / workers, longest unit of the mode), which no schedule can beat (latency not counted).
//
//   jackd_scheduler_sim                  the table (about 10,000 tests)
//   jackd_scheduler_sim --quick          tiny sizes: an invariant smoke test for ctest
//   jackd_scheduler_sim --scale 100000   the scheduler's own CPU time and peak RSS on a large suite
//   --tests N, --seed S                  suite size and seed for the table
//
// Exits 1 if any simulated run lost or duplicated a test or left a worker without Finish; 2 on usage.
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "benchmarks/event_simulation.h"
#include "benchmarks/synthetic_suite.h"
#include "scheduler/distribution.h"
#include "scheduler/expected_durations.h"
#include "scheduler/scheduler.h"
#include "scheduler/work_plan.h"

namespace jackd::bench {
namespace {

using scheduler::DistMode;

constexpr DistMode kModes[] = {DistMode::kLoad, DistMode::kLoadFile, DistMode::kWorkSteal};
constexpr std::uint32_t kWorkerCounts[] = {2, 4, 8, 32, 128, 512};
// Average tests per file: pytest suites commonly hold a few dozen tests per module.
constexpr std::size_t kTestsPerFile = 40;
// The targets for --scale: planning and dispatching 100,000 tests.
constexpr double kScaleCpuTarget = 0.5;
constexpr double kScaleRssTargetMb = 200;
// --scale uses a mid-sized pool of workers: enough that dispatch, not one worker, dominates.
constexpr std::uint32_t kScaleWorkers = 32;

struct Options {
  std::size_t tests = 10'000;
  std::uint64_t seed = 1;
  bool quick = false;
  std::size_t scale = 0;
};

struct Measured {
  double ratio = 0;
  bool sound = true;
};

double CpuSeconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

double PeakRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

// What the engine would do: expected durations from the measurements, as the durations store hands
// them over, or none.
std::vector<double> Expected(const Suite& suite, bool known) {
  return known ? scheduler::ExpectDurations(suite.inventory, suite.measured) : std::vector<double>{};
}

double LowerBound(const scheduler::WorkPlan& plan, const std::vector<double>& seconds,
                  std::uint32_t workers) {
  double total = 0, longest = 0;
  for (const scheduler::Unit& unit : plan.units) {
    const double unit_seconds = scheduler::ExpectedSeconds(unit, seconds);
    total += unit_seconds;
    longest = std::max(longest, unit_seconds);
  }
  return std::max(total / workers, longest);
}

Measured RunOne(const Suite& suite, DistMode mode, std::uint32_t workers, bool known, const char* label) {
  scheduler::Policy policy;
  policy.mode = mode;
  scheduler::WorkPlan plan = scheduler::PlanWork(suite.inventory, policy, workers, Expected(suite, known));
  const double bound = LowerBound(plan, suite.seconds, workers);
  scheduler::Scheduler sched(std::move(plan));
  SimOutcome outcome = Simulate(sched, suite.seconds, workers);
  for (const std::string& violation : outcome.violations) {
    std::fprintf(stderr, "jackd_scheduler_sim: %s %s -n %u (%s durations): %s\n", label,
                 std::string(scheduler::DistModeName(mode)).c_str(), workers, known ? "known" : "unknown",
                 violation.c_str());
  }
  return {bound > 0 ? outcome.makespan / bound : 1.0, outcome.violations.empty()};
}

// One row per distribution x mode; each cell is "known/unknown" makespan over the lower bound.
bool PrintTable(const Options& options) {
  std::printf(
      "makespan / max(total/N, longest unit); cell = durations known / unknown; %zu tests, "
      "%zu per file on average, seed %llu, round trip %.1f ms\n",
      options.tests, kTestsPerFile, static_cast<unsigned long long>(options.seed), kRoundTripSeconds * 1000);
  std::printf("%-12s %-10s", "distribution", "mode");
  for (std::uint32_t n : kWorkerCounts) std::printf(" %11s", ("-n " + std::to_string(n)).c_str());
  std::printf("\n");
  bool sound = true;
  for (Shape shape : kAllShapes) {
    const Suite suite = MakeSuite(shape, options.tests, kTestsPerFile, options.seed);
    const std::string name(ShapeName(shape));
    for (DistMode mode : kModes) {
      std::printf("%-12s %-10s", name.c_str(), std::string(scheduler::DistModeName(mode)).c_str());
      for (std::uint32_t n : kWorkerCounts) {
        Measured known = RunOne(suite, mode, n, true, name.c_str());
        Measured unknown = RunOne(suite, mode, n, false, name.c_str());
        sound = sound && known.sound && unknown.sound;
        std::printf(" %5.2f/%5.2f", known.ratio, unknown.ratio);
      }
      std::printf("\n");
      std::fflush(stdout);
    }
  }
  return sound;
}

// Plans and dispatches `tests` tests per mode; the CPU time includes the simulator's own bookkeeping,
// so it is an upper bound on the scheduler's.
bool Scale(std::size_t tests, std::uint64_t seed) {
  const Suite suite = MakeSuite(Shape::kLognormal, tests, kTestsPerFile, seed);
  std::printf("--scale: %zu tests, -n %u, lognormal durations, known; CPU seconds (target < %.1f)\n", tests,
              kScaleWorkers, kScaleCpuTarget);
  std::printf("%-10s %9s %9s %9s %12s\n", "mode", "plan", "dispatch", "total", "assignments");
  bool sound = true;
  for (DistMode mode : kModes) {
    scheduler::Policy policy;
    policy.mode = mode;
    const double start = CpuSeconds();
    scheduler::WorkPlan plan =
        scheduler::PlanWork(suite.inventory, policy, kScaleWorkers, Expected(suite, true));
    scheduler::Scheduler sched(std::move(plan));
    const double planned = CpuSeconds();
    SimOutcome outcome = Simulate(sched, suite.seconds, kScaleWorkers);
    const double done = CpuSeconds();
    sound = sound && outcome.violations.empty();
    std::printf("%-10s %9.3f %9.3f %9.3f %12zu%s\n", std::string(scheduler::DistModeName(mode)).c_str(),
                planned - start, done - planned, done - start, outcome.assignments,
                done - start < kScaleCpuTarget ? "" : "  over target");
  }
  const double rss = PeakRssMb();
  std::printf("peak RSS %.1f MB (target < %.0f MB; the whole process, suite included)%s\n", rss,
              kScaleRssTargetMb, rss < kScaleRssTargetMb ? "" : "  over target");
  return sound;
}

[[noreturn]] void Usage(const std::string& what) {
  std::fprintf(stderr,
               "jackd_scheduler_sim: error: %s (usage: jackd_scheduler_sim [--quick] [--scale N] "
               "[--tests N] [--seed S])\n",
               what.c_str());
  std::exit(2);
}

std::size_t Number(int argc, char** argv, int& i) {
  if (i + 1 >= argc) Usage(std::string(argv[i]) + " needs a number");
  char* end = nullptr;
  const unsigned long long value = std::strtoull(argv[++i], &end, 10);
  if (end == argv[i] || *end != '\0') Usage(std::string("not a number: ") + argv[i]);
  return static_cast<std::size_t>(value);
}

Options Parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") {
      options.quick = true;
    } else if (arg == "--scale") {
      options.scale = Number(argc, argv, i);
    } else if (arg == "--tests") {
      options.tests = Number(argc, argv, i);
    } else if (arg == "--seed") {
      options.seed = Number(argc, argv, i);
    } else {
      Usage("unknown argument " + arg);
    }
  }
  // Quick: fewer tests than the largest worker count, so idle workers must be told to finish too.
  if (options.quick) options.tests = 300;
  if (options.tests == 0) Usage("--tests must be at least 1");
  return options;
}

}  // namespace
}  // namespace jackd::bench

int main(int argc, char** argv) {
  using namespace jackd::bench;
  const Options options = Parse(argc, argv);
  const bool sound = options.scale > 0 ? Scale(options.scale, options.seed) : PrintTable(options);
  if (!sound) std::fprintf(stderr, "jackd_scheduler_sim: invariant violated (see above)\n");
  return sound ? 0 : 1;
}
