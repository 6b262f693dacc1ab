#include "engine/watchdog.h"

#include <gtest/gtest.h>

#include "engine/fake_clock.h"

namespace jackd {
namespace {

using namespace std::chrono_literals;

TEST(WatchdogTest, ATestsOwnLimitWinsOverTheDefault) {
  FakeClock clock;
  Watchdog watchdog(clock, 10, {0, 2}, 0);
  EXPECT_EQ(watchdog.LimitOf(0), 10);
  EXPECT_EQ(watchdog.LimitOf(1), 2);
  EXPECT_EQ(watchdog.LimitOf(5), 10);  // beyond the marks: the default
}

TEST(WatchdogTest, OverrunOnlyPastTheLimit) {
  FakeClock clock;
  Watchdog watchdog(clock, 2, {0}, 0);
  const RunningTest running{.index = 0, .started_ns = clock.Nanos()};
  clock.Advance(2s);
  EXPECT_EQ(watchdog.Overrun(running), 0);
  clock.Advance(1ms);
  EXPECT_EQ(watchdog.Overrun(running), 2);
}

TEST(WatchdogTest, ChecksPeriodicallyOnlyWhenSomeTestHasALimit) {
  FakeClock clock;
  int checks = 0;
  Watchdog none(clock, 0, {0, 0}, 0);
  none.Start([&] { ++checks; }, [] {});
  clock.Advance(1s);
  EXPECT_EQ(checks, 0);
  Watchdog marked(clock, 0, {0, 3}, 0);
  marked.Start([&] { ++checks; }, [] {});
  clock.Advance(1s);
  EXPECT_EQ(checks, 10);
  marked.Stop();
  clock.Advance(1s);
  EXPECT_EQ(checks, 10);
}

TEST(WatchdogTest, TheSessionExpiresOnceUnlessStopped) {
  FakeClock clock;
  int expired = 0;
  Watchdog watchdog(clock, 0, {}, 1.5);
  watchdog.Start([] {}, [&] { ++expired; });
  clock.Advance(1499ms);
  EXPECT_EQ(expired, 0);
  clock.Advance(10s);
  EXPECT_EQ(expired, 1);
  EXPECT_EQ(watchdog.SessionExpired(), "session timeout (1.5s) expired");
  Watchdog stopped(clock, 0, {}, 1);
  stopped.Start([] {}, [&] { ++expired; });
  stopped.Stop();
  clock.Advance(10s);
  EXPECT_EQ(expired, 1);
}

}  // namespace
}  // namespace jackd
