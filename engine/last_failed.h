// pytest's last-failed list (.pytest_cache/v/cache/lastfailed), which `--lf` and `--ff` read. Workers
// see only their share of a run, so the engine writes it, with the rules of pytest's LFPlugin.
#pragma once

#include <string>

#include "engine/run_model.h"

namespace jackd {

// Updates `<cache_dir>/v/cache/lastfailed` from this run: failed, errored, crashed and timed-out tests and
// collection errors are added; tests that passed or were skipped are removed; tests that did not run keep
// their entry. Does nothing when `cache_dir` is empty (-p no:cacheprovider). Returns false if the file
// could not be written.
bool UpdateLastFailed(const std::string& cache_dir, const Collection& collection, const RunResult& result);

}  // namespace jackd
