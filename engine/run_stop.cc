#include "engine/run_stop.h"

namespace jackd {

bool RunStop::Escalate(StopKind kind, const std::string& reason) {
  if (stopped() && kind <= kind_) return false;
  const bool first = !stopped();
  kind_ = kind;
  if (first || Kills()) reason_ = reason;
  return true;
}

}  // namespace jackd
