#include "engine/clock.h"

#include <asio/steady_timer.hpp>

#include "engine/monotonic_clock.h"

namespace jackd {
namespace {

class SteadyTimer final : public Timer {
 public:
  SteadyTimer(asio::io_context& io, std::chrono::nanoseconds delay, std::function<void()> fired)
      : timer_(io, delay) {
    // The handler owns the callback: asio still runs it (with an error) after the timer is destroyed.
    timer_.async_wait([fired = std::move(fired)](const std::error_code& error) {
      if (!error) fired();
    });
  }
  ~SteadyTimer() override { timer_.cancel(); }

 private:
  asio::steady_timer timer_;
};

}  // namespace

std::int64_t SteadyClock::Nanos() const { return MonotonicNanos(); }

std::unique_ptr<Timer> SteadyClock::After(std::chrono::nanoseconds delay, std::function<void()> fired) {
  return std::make_unique<SteadyTimer>(io_, delay, std::move(fired));
}

}  // namespace jackd
