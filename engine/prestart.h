// Workers started before the engine knows the collection, so that the suite is collected once, by all
// of them in parallel, instead of by the engine's collect process first and by every worker after it
// (the biggest part of a parallel run's start-up on large suites). Worker gw0 writes the engine's
// CollectionReport as soon as it has collected, and then serves tests like the others.
//
// They are started with everything but what only the collection tells (its digest, the run's basetemp):
// that comes through the start file, which the run loop writes once its server listens. If the collection
// shows that they do not fit the run (fewer workers are useful, coverage configured in pytest's options,
// nothing to run), they are killed and the run loop starts its own.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "engine/collection.h"
#include "engine/process.h"
#include "scheduler/test_item.h"

namespace jackd {

struct RunPlan;

class PrestartedWorkers {
 public:
  // Starts `plan.workers` workers, gw0..., as the run loop would start them; gw0 also writes the
  // engine's CollectionReport (plan.collection_report) as soon as it has collected (see Collector).
  // `env_key` names what their environment was made from (see Fits).
  PrestartedWorkers(const RunPlan& plan, std::string start_file, std::string env_key);
  PrestartedWorkers(const PrestartedWorkers&) = delete;
  PrestartedWorkers& operator=(const PrestartedWorkers&) = delete;
  // Kills and reaps the workers nobody took.
  ~PrestartedWorkers();

  // True when the run needs exactly these workers, started from the same environment.
  bool Fits(int workers, const std::string& env_key) const {
    return !pids_.empty() && static_cast<int>(pids_.size()) == workers && env_key == env_key_;
  }
  // Hands the workers over (to RunPlan::prestarted); this object forgets them.
  std::map<scheduler::WorkerId, pid_t> Release() { return std::move(pids_); }
  const std::string& start_file() const { return start_file_; }
  // The workers that collect for the engine: gw0, or all of them when the collection is split (gw0 first);
  // empty when gw0 could not be started.
  const std::vector<RunningCollector>& collectors() const { return collectors_; }

 private:
  std::map<scheduler::WorkerId, pid_t> pids_;
  std::string start_file_;
  std::string env_key_;
  std::vector<RunningCollector> collectors_;
};

}  // namespace jackd
