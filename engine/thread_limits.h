// Thread-pool sizes for the workers of one host (`--thread-limits auto`, the default), so that N workers'
// BLAS and OpenMP pools together fit the CPUs jackd may use instead of each starting one thread per CPU.
//
// numpy's OpenBLAS, MKL, OpenMP runtimes, numexpr and Accelerate size their pools from these variables
// once, when they load, and use every CPU without them: serial pytest then gets the whole machine, but N
// workers run N pools of N threads each on N CPUs, and the suite slows down (issue 25 measured 71-81 s
// against 61-64 s with the variables set, on two workers and two cores). pytest-xdist leaves this to its
// users; jackd gives each worker max(1, cpus / workers) threads, as joblib does for its own workers,
// unless the user set a variable already: a value someone chose is never changed.
//
// Pure: the caller says which variables are set, so the rule is unit-tested without an environment.
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jackd {

// The variables, in the order the header names them. Not NUMBA_NUM_THREADS, which joblib sets too: it is
// numba's upper bound, and numba.set_num_threads(n) raises for n above it, so a test that asks numba for
// two threads would fail under jackd and pass under pytest; numba's default layer is OpenMP anyway.
inline constexpr std::array<std::string_view, 6> kThreadPoolVariables = {
    "OMP_NUM_THREADS",         // OpenMP: scikit-learn, PyTorch, GNU and LLVM libgomp/libomp builds
    "OPENBLAS_NUM_THREADS",    // OpenBLAS: numpy's and scipy's wheels
    "MKL_NUM_THREADS",         // Intel MKL: conda's numpy, PyTorch on x86
    "NUMEXPR_NUM_THREADS",     // numexpr (pandas' eval)
    "VECLIB_MAXIMUM_THREADS",  // Apple Accelerate, on macOS
    "BLIS_NUM_THREADS",        // BLIS (AMD's BLAS)
};

struct ThreadLimits {
  int threads = 0;                 // per worker; 0: no limits (--thread-limits off, or no workers)
  std::vector<std::string> given;  // the variables jackd sets, by name
  std::vector<std::string> kept;   // "NAME=value": set by the user, left as they are
};

// The value of a variable in the environment the workers inherit; nullopt when it is not set.
using EnvironmentLookup = std::function<std::optional<std::string>(std::string_view name)>;

// max(1, cpus / workers) threads for each variable of kThreadPoolVariables that `lookup` finds unset. A
// variable set to anything, even empty, counts as set. No limits for `workers` < 1.
ThreadLimits PlanThreadLimits(int cpus, int workers, const EnvironmentLookup& lookup);

// "NAME=value" for every variable in `limits.given`, for a worker's environment.
std::vector<std::string> ThreadLimitEnvironment(const ThreadLimits& limits);

// The header line: "thread pools: 1 thread per worker (OMP_NUM_THREADS, ...; kept OMP_NUM_THREADS=3)";
// empty when there are no limits and nothing was kept.
std::string ThreadLimitsLine(const ThreadLimits& limits);

// The engine's own environment, which EnvironmentWith passes on to every child.
std::optional<std::string> EngineEnvironmentValue(std::string_view name);

}  // namespace jackd
