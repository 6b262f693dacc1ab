#include "engine/outcome.h"

namespace jackd {

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPassed:
      return "passed";
    case Outcome::kFlaky:
      return "flaky";
    case Outcome::kFailed:
      return "failed";
    case Outcome::kError:
      return "error";
    case Outcome::kSkipped:
      return "skipped";
    case Outcome::kXfailed:
      return "xfailed";
    case Outcome::kXpassed:
      return "xpassed";
    case Outcome::kCrashed:
      return "crashed";
    case Outcome::kTimeout:
      return "timeout";
    case Outcome::kNotRun:
      return "not_run";
  }
  return "unknown";
}

bool IsFailure(Outcome outcome) {
  switch (outcome) {
    case Outcome::kFailed:
    case Outcome::kError:
    case Outcome::kCrashed:
    case Outcome::kTimeout:
    case Outcome::kNotRun:
      return true;
    default:
      return false;
  }
}

}  // namespace jackd
