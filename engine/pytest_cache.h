// The entries of pytest's cache (.pytest_cache/v/cache/) that describe a whole run: the last-failed list,
// which `--lf` and `--ff` read, the node IDs seen so far, which `--nf` reads, and where `--sw` resumes.
// Workers see only their share of a run (and would overwrite each other's), so the shim takes pytest's
// writers of them out of the workers and the engine writes them, with the rules of pytest's LFPlugin,
// NFPlugin and StepwisePlugin.
#pragma once

#include <string>

#include "engine/run_model.h"

namespace jackd {

// Updates `<cache_dir>/v/cache/lastfailed` from this run: failed, errored, crashed and timed-out tests and
// collection errors are added; tests that passed or were skipped are removed; tests that did not run keep
// their entry. Does nothing when `cache_dir` is empty (-p no:cacheprovider). Returns false if the file
// could not be written.
bool UpdateLastFailed(const std::string& cache_dir, const Collection& collection, const RunResult& result);

// Adds the collected tests' node IDs to `<cache_dir>/v/cache/nodeids` (a sorted JSON list), as pytest
// does at the end of every session that is not --collect-only. Same contract as UpdateLastFailed.
bool UpdateNodeIds(const std::string& cache_dir, const Collection& collection);

// Writes `<cache_dir>/v/cache/stepwise` for a --sw run, in the format of the pytest at hand
// (StepwiseSettings::stores_test_count); without --sw, pytest 8.4 and later leave it alone and earlier
// releases write an empty list. The next run resumes at the first test, in
// collection order, that did not pass: a failure, or a test the stop left unrun (tests run in parallel
// and out of order, so tests before the failure may not have run). The failure --sw-skip let pass
// (RunResult::stepwise_skipped) counts as passed, as in pytest. When no test ran, the resume point
// stays where collection found it. Same contract as UpdateLastFailed.
bool UpdateStepwise(const std::string& cache_dir, const Collection& collection, const RunResult& result);

}  // namespace jackd
