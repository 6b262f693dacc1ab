// A Clock for unit tests: time moves only when the test says so, and timers fire then, in deadline
// order, each at its own deadline.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "engine/clock.h"

namespace jackd {

class FakeClock final : public Clock {
 public:
  std::int64_t Nanos() const override { return now_; }

  std::unique_ptr<Timer> After(std::chrono::nanoseconds delay, std::function<void()> fired) override {
    auto alive = std::make_shared<bool>(true);
    pending_.push_back({now_ + delay.count(), next_++, std::move(fired), alive});
    return std::make_unique<FakeTimer>(alive);
  }

  void Advance(std::chrono::nanoseconds by) {
    const std::int64_t until = now_ + by.count();
    while (true) {
      std::erase_if(pending_, [](const PendingCall& p) { return !*p.alive; });
      auto next =
          std::min_element(pending_.begin(), pending_.end(), [](const PendingCall& a, const PendingCall& b) {
            return std::pair(a.due, a.order) < std::pair(b.due, b.order);
          });
      if (next == pending_.end() || next->due > until) break;
      now_ = next->due;
      // Out of the list before it runs: the call may destroy its own timer or start new ones.
      std::function<void()> fired = std::move(next->fired);
      pending_.erase(next);
      fired();
    }
    now_ = until;
  }

  // Timers that would still fire.
  std::size_t Pending() const {
    return static_cast<std::size_t>(
        std::count_if(pending_.begin(), pending_.end(), [](const PendingCall& p) { return *p.alive; }));
  }

 private:
  struct FakeTimer final : Timer {
    explicit FakeTimer(std::shared_ptr<bool> alive) : alive(std::move(alive)) {}
    ~FakeTimer() override { *alive = false; }
    std::shared_ptr<bool> alive;
  };
  struct PendingCall {
    std::int64_t due;
    std::uint64_t order;
    std::function<void()> fired;
    std::shared_ptr<bool> alive;
  };
  std::int64_t now_ = 1'000'000'000'000;  // 1000 s: moments stamped a little before "now" stay positive
  std::uint64_t next_ = 0;
  std::vector<PendingCall> pending_;
};

}  // namespace jackd
