// The closed set of final outcomes a test can end with. The engine's vocabulary: the scheduler decides
// from none of them (it hears only that a test finished), so they live here, not in scheduler/.
#pragma once

#include <array>
#include <string_view>

namespace jackd {

enum class Outcome {
  kPassed,
  kFlaky,   // passed after failing: on a rerun (--reruns), or in some of its --detect-flaky runs
  kFailed,  // the call phase failed (or a strict xpass)
  kError,   // setup or teardown failed
  kSkipped,
  kXfailed,
  kXpassed,
  kCrashed,  // its worker died while running it
  kTimeout,
  kNotRun,  // never started: cancelled, or no worker could run it
};

inline constexpr std::array kAllOutcomes = {
    Outcome::kFailed,  Outcome::kPassed, Outcome::kFlaky,   Outcome::kSkipped, Outcome::kXfailed,
    Outcome::kXpassed, Outcome::kError,  Outcome::kCrashed, Outcome::kTimeout, Outcome::kNotRun,
};

// The lower-case name used in reports ("passed", "not_run").
std::string_view OutcomeName(Outcome outcome);

// True for outcomes that make a run fail (exit code 1).
bool IsFailure(Outcome outcome);

}  // namespace jackd
