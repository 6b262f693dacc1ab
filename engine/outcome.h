// The closed set of final outcomes a test can end with. The engine's vocabulary: the scheduler decides
// from none of them (it hears only that a test finished), so they live here, not in scheduler/.
#pragma once

#include <array>
#include <cstddef>
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

// How an outcome is written. One row per outcome, so that a new outcome cannot get a name in the reports
// but no letter or word on the terminal.
struct OutcomeSpelling {
  Outcome outcome;
  std::string_view name;  // reports, stores and `jackd merge`: "passed", "not_run"
  char letter;            // the progress line: pytest's letters, plus jackd's own ('C', 'T', 'n')
  std::string_view word;  // verbose lines and short summaries: "PASSED", "XFAIL", "NOT RUN"
};

// In the enum's order, so that an outcome is its row's index (outcome.cc checks this at compile time).
inline constexpr std::array<OutcomeSpelling, 10> kOutcomeSpellings = {{
    {Outcome::kPassed, "passed", '.', "PASSED"},
    {Outcome::kFlaky, "flaky", 'f', "FLAKY"},
    {Outcome::kFailed, "failed", 'F', "FAILED"},
    {Outcome::kError, "error", 'E', "ERROR"},
    {Outcome::kSkipped, "skipped", 's', "SKIPPED"},
    {Outcome::kXfailed, "xfailed", 'x', "XFAIL"},
    {Outcome::kXpassed, "xpassed", 'X', "XPASS"},
    {Outcome::kCrashed, "crashed", 'C', "CRASHED"},
    {Outcome::kTimeout, "timeout", 'T', "TIMEOUT"},
    {Outcome::kNotRun, "not_run", 'n', "NOT RUN"},
}};

// For a value outside the enum, which only a bad cast could make.
inline constexpr OutcomeSpelling kUnknownSpelling = {static_cast<Outcome>(-1), "unknown", '?', "?"};

constexpr const OutcomeSpelling& SpellingOf(Outcome outcome) {
  const auto row = static_cast<std::size_t>(outcome);
  return row < kOutcomeSpellings.size() ? kOutcomeSpellings[row] : kUnknownSpelling;
}

// The lower-case name used in reports ("passed", "not_run").
constexpr std::string_view OutcomeName(Outcome outcome) { return SpellingOf(outcome).name; }

// True for outcomes that make a run fail (exit code 1).
bool IsFailure(Outcome outcome);

}  // namespace jackd
