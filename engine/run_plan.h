// What one run is given: the plain values the run loop, worker launch (engine/worker_launch.h) and the
// prestarted workers (engine/prestart.h) start workers from. In a header of its own, so that launching a
// worker does not depend on the run loop that calls it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "scheduler/test_item.h"

namespace jackd {

class ForkServer;

struct RunPlan {
  std::string python;
  std::vector<std::string> pytest_args;
  int workers = 1;
  std::string address;  // gRPC target the workers connect to
  std::string run_directory;
  std::string token;
  std::string run_uid;
  // Replacement workers started after crashes, in total; past it, unrun tests end as not run.
  int max_worker_restarts = 4;
  double timeout = 0;          // seconds per test, 0: none (a test's own timeout mark wins)
  double session_timeout = 0;  // seconds for the whole run, 0: none
  int retry_crashed = 0;       // extra attempts for a test that crashed its worker
  int reruns = 0;              // --reruns: extra attempts for a failed test (its flaky mark wins)
  double reruns_delay = 0;     // seconds between a failure and its rerun
  int detect_flaky = 0;        // --detect-flaky N: every test runs N times; 0: off
  bool fail_on_flaky = false;  // a flaky test fails the run (always so with --detect-flaky)
  std::chrono::milliseconds worker_start_timeout{0};
  std::string collection_report;  // the engine's CollectionReport, for workers to diff against
  std::vector<std::string> worker_env =
      {};  // more "NAME=value" for every worker (the shims' variables, JACKD_COVERAGE)
  // Workers started while the engine collected (engine/prestart.h), by slot: adopted instead of started,
  // and told to go on through `start_file`.
  std::map<scheduler::WorkerId, pid_t> prestarted = {};
  // Forks local workers when set (--worker-start fork); null: every worker is exec'd. Not owned.
  ForkServer* fork_server = nullptr;
  std::string start_file = {};
  // Prestarted workers collect a share of the files each (engine/split_collection.h), unless the run
  // needs the whole collection everywhere (--collection whole, or options the shim recognises).
  bool split_collection = false;
  // --collection lazy: a worker of a split collection imports only the test modules it collects or runs,
  // not every collected one as pytest would (JACKD_COLLECT_IMPORTS=lazy).
  bool lazy_imports = false;
  // How often reporters hear what each worker is doing (Reporter::Tick); 0: never.
  std::chrono::milliseconds tick_period{0};
  bool stream_output = false;  // pass the workers' stdout and stderr on as they write (-s, live logs)
  // jackd run --listen: remote workers may join (engine/run_loop_remote.cc). They authenticate with
  // `auth_token` (empty only with --insecure and no token: then anyone may join).
  bool listening = false;
  std::string auth_token = {};
  std::string revision = {};  // the engine's checkout (engine/project_revision.h); empty: unknown
  // --thread-limits auto: the CPUs the local workers' thread pools share (engine/thread_limits.h), and
  // remote hosts are told to share theirs; 0: off, the workers inherit the engine's environment as it is.
  int thread_pool_cpus = 0;
};

}  // namespace jackd
