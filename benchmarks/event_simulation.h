// A discrete-event simulation of one jackd run: a virtual clock, no sleeping, no processes. It drives a
// real Scheduler the way engine/run_loop.cc does, and plays the workers the way
// worker_shim/jackd_shim/worker_loop.py behaves:
//  - a worker runs the front of its queue only when it knows the next test or was told to finish
//    (pytest's nextitem);
//  - it sends its results in batches: when its queue is down to the assignment's report_at, after
//    kFlushResults results or kFlushSeconds, before it waits for work, and when it leaves;
//  - the engine, on each batch of results, calls TestFinished for each, Next for that worker, then Next
//    again for every Starving() worker; assignments and results each take half a round trip.
// It doubles as an invariant check: every test must run exactly once and every worker be told to finish.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "scheduler/scheduler.h"

namespace jackd::bench {

// What one message from engine to worker and back costs on a local gRPC stream: serialise, a loopback
// hop each way, wake the other side. Small, but it is paid per assignment, so a scheduler that sends one
// test at a time would leave workers idle for it; batching hides it.
inline constexpr double kRoundTripSeconds = 0.0002;

struct SimOutcome {
  double makespan = 0;                  // virtual seconds until the last test finished
  std::size_t assignments = 0;          // non-empty assignments sent
  std::size_t messages = 0;             // results messages received by the engine
  std::vector<std::string> violations;  // invariant breaches; empty when the run was sound
};

// Runs `scheduler` (fresh, no workers added yet) to the end with `workers` workers; `seconds` is each
// test's true duration by TestIndex.
SimOutcome Simulate(scheduler::Scheduler& scheduler, const std::vector<double>& seconds,
                    std::uint32_t workers);

}  // namespace jackd::bench
