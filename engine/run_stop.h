// Why a run stopped dispatching, and the rule that decides between reasons: a later, more severe stop
// overrides an earlier one, a less severe or equal one changes nothing. The stop also decides the run's
// exit code.
#pragma once

#include <string>

namespace jackd {

// By severity. kSessionTimeout and kFatal kill running workers; the others let running tests finish.
// kStepwise: --sw stopped at a failure (pytest's -x/--maxfail wins when both stop at the same one).
// kSessionExit: pytest.exit() in a worker, which ends pytest's session with the code it asked for.
enum class StopKind {
  kNone,
  kMaxfail,
  kStepwise,
  kExhausted,
  kSessionExit,
  kInterrupt,
  kSessionTimeout,
  kFatal
};

class RunStop {
 public:
  // Takes `kind` if it is more severe than the stop so far; false (and nothing changes) otherwise. The
  // first reason stays the one reported, unless the new stop kills running tests: then the run ends
  // for the new reason. `exit_code`: the code a kFatal or kSessionExit stop ends the run with.
  bool Escalate(StopKind kind, const std::string& reason, int exit_code = 0);

  StopKind kind() const { return kind_; }
  bool stopped() const { return kind_ != StopKind::kNone; }
  // Running tests cannot be waited for: their workers are killed.
  bool Kills() const { return kind_ >= StopKind::kSessionTimeout; }
  // Empty while not stopped.
  const std::string& reason() const { return reason_; }

  // The run's exit code: a fatal error's or pytest.exit()'s own; pytest's "interrupted" after the stops
  // pytest counts as one (its stepwise plugin's among them); else whether tests failed.
  int ExitCode(bool tests_failed) const;

 private:
  StopKind kind_ = StopKind::kNone;
  std::string reason_;
  int exit_code_ = 0;
};

}  // namespace jackd
