// The watchdog: per-test timeouts (--timeout, @pytest.mark.timeout) and the session timeout
// (--session-timeout), on the run loop's clock. It decides when a limit is overrun; the run loop decides
// what that does to a worker. Invariants: checks run only while some test has a limit, the session
// expires at most once, and nothing fires after Stop.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/clock.h"
#include "engine/status_slot.h"
#include "scheduler/test_item.h"

namespace jackd {

class Watchdog {
 public:
  // `default_limit`: seconds per test, 0 for none; `own_limits`: by TestIndex, a test's own mark (0 for
  // none), which wins; `session_limit`: seconds for the whole run, 0 for none.
  Watchdog(Clock& clock, double default_limit, std::vector<double> own_limits, double session_limit);

  // `check` runs every period while some test has a limit; `expired` once, when the session limit passes.
  void Start(std::function<void()> check, std::function<void()> expired);
  void Stop();

  // The limit of `index` in seconds, 0 for none.
  double LimitOf(scheduler::TestIndex index) const;
  // The limit the test in `running` has overrun by now, or 0 when it has not.
  double Overrun(const RunningTest& running) const;
  // Why the session ended: "session timeout (30s) expired".
  std::string SessionExpired() const;

 private:
  void Arm();

  Clock& clock_;
  const double default_limit_;
  const std::vector<double> own_limits_;
  const double session_limit_;
  std::function<void()> check_;
  std::unique_ptr<Timer> period_;
  std::unique_ptr<Timer> session_;
};

}  // namespace jackd
