#include "engine/watchdog.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"

namespace jackd {
namespace {

using namespace std::chrono_literals;

// How often the watchdog reads the status slots when timeouts are set: a tenth of a second is far below
// any sensible timeout and costs a few file reads.
constexpr auto kWatchdogPeriod = 100ms;

}  // namespace

Watchdog::Watchdog(Clock& clock, double default_limit, std::vector<double> own_limits, double session_limit)
    : clock_(clock),
      default_limit_(default_limit),
      own_limits_(std::move(own_limits)),
      session_limit_(session_limit) {}

void Watchdog::Start(std::function<void()> check, std::function<void()> expired) {
  const bool any_limit = default_limit_ > 0 || std::any_of(own_limits_.begin(), own_limits_.end(),
                                                           [](double limit) { return limit > 0; });
  if (any_limit) {
    check_ = std::move(check);
    Arm();
  }
  if (session_limit_ > 0) {
    session_ =
        clock_.After(std::chrono::milliseconds(static_cast<long>(session_limit_ * 1000)), std::move(expired));
  }
}

void Watchdog::Stop() {
  period_.reset();
  session_.reset();
}

void Watchdog::Arm() {
  period_ = clock_.After(kWatchdogPeriod, [this] {
    check_();
    // `check` may have stopped the run, and with it the watchdog.
    if (period_) Arm();
  });
}

double Watchdog::LimitOf(scheduler::TestIndex index) const {
  const double own = index < own_limits_.size() ? own_limits_[index] : 0;
  return own > 0 ? own : default_limit_;
}

double Watchdog::Overrun(const RunningTest& running) const {
  const double limit = LimitOf(running.index);
  const bool overrun = limit > 0 && static_cast<double>(clock_.Nanos() - running.started_ns) > limit * 1e9;
  return overrun ? limit : 0;
}

std::string Watchdog::SessionExpired() const {
  return absl::StrCat("session timeout (", session_limit_, "s) expired");
}

}  // namespace jackd
