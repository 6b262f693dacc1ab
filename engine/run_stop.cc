#include "engine/run_stop.h"

#include "engine/exit_code.h"

namespace jackd {

bool RunStop::Escalate(StopKind kind, const std::string& reason, int exit_code) {
  if (stopped() && kind <= kind_) return false;
  const bool first = !stopped();
  kind_ = kind;
  exit_code_ = exit_code;
  if (first || Kills()) reason_ = reason;
  return true;
}

int RunStop::ExitCode(bool tests_failed) const {
  switch (kind_) {
    case StopKind::kFatal:
    case StopKind::kSessionExit:
      return exit_code_;
    case StopKind::kStepwise:
    case StopKind::kSessionTimeout:
    case StopKind::kInterrupt:
      return kExitInterrupted;
    case StopKind::kNone:
    case StopKind::kMaxfail:
    case StopKind::kExhausted:
      break;
  }
  return tests_failed ? kExitTestsFailed : kExitOk;
}

}  // namespace jackd
