// The run loop's clock: the time now and timers, behind an interface so that unit tests drive time by
// hand (engine/run_loop_test.cc) while the engine uses CLOCK_MONOTONIC and the io_context's timers.
#pragma once

#include <asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace jackd {

// A pending call. Destroying it cancels the call if it has not fired; it fires at most once.
class Timer {
 public:
  virtual ~Timer() = default;
};

class Clock {
 public:
  virtual ~Clock() = default;
  // CLOCK_MONOTONIC nanoseconds: the clock the shim stamps tests with (engine/monotonic_clock.h), so
  // the engine's moments compare with the workers' status slots and records.
  virtual std::int64_t Nanos() const = 0;
  double Seconds() const { return static_cast<double>(Nanos()) * 1e-9; }
  // Calls `fired` on the loop's thread once `delay` has passed, unless the returned timer is destroyed
  // first.
  virtual std::unique_ptr<Timer> After(std::chrono::nanoseconds delay, std::function<void()> fired) = 0;
};

// The real clock: MonotonicNanos and asio::steady_timer on `io`.
class SteadyClock final : public Clock {
 public:
  explicit SteadyClock(asio::io_context& io) : io_(io) {}
  std::int64_t Nanos() const override;
  std::unique_ptr<Timer> After(std::chrono::nanoseconds delay, std::function<void()> fired) override;

 private:
  asio::io_context& io_;
};

}  // namespace jackd
