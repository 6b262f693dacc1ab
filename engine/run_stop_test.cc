#include "engine/run_stop.h"

#include <gtest/gtest.h>

#include "engine/exit_code.h"

namespace jackd {
namespace {

TEST(RunStopTest, AMoreSevereStopOverridesAndAKillingOneTakesTheReason) {
  RunStop stop;
  EXPECT_TRUE(stop.Escalate(StopKind::kMaxfail, "stopping after 1 failures"));
  EXPECT_FALSE(stop.Kills());
  EXPECT_TRUE(stop.Escalate(StopKind::kInterrupt, "Interrupted: KeyboardInterrupt"));
  EXPECT_EQ(stop.kind(), StopKind::kInterrupt);
  EXPECT_EQ(stop.reason(), "stopping after 1 failures");  // the first reason is the one to read
  EXPECT_TRUE(stop.Escalate(StopKind::kSessionTimeout, "session timeout (5s) expired"));
  EXPECT_TRUE(stop.Kills());
  EXPECT_EQ(stop.reason(), "session timeout (5s) expired");
}

TEST(RunStopTest, AnEqualOrLessSevereStopChangesNothing) {
  RunStop stop;
  EXPECT_TRUE(stop.Escalate(StopKind::kInterrupt, "Interrupted: SIGTERM"));
  EXPECT_FALSE(stop.Escalate(StopKind::kInterrupt, "Interrupted: KeyboardInterrupt"));
  EXPECT_FALSE(stop.Escalate(StopKind::kMaxfail, "stopping after 1 failures"));
  EXPECT_EQ(stop.kind(), StopKind::kInterrupt);
  EXPECT_EQ(stop.reason(), "Interrupted: SIGTERM");
}

TEST(RunStopTest, ExitCodeFollowsTheStop) {
  EXPECT_EQ(RunStop().ExitCode(false), kExitOk);
  EXPECT_EQ(RunStop().ExitCode(true), kExitTestsFailed);
  RunStop maxfail;
  maxfail.Escalate(StopKind::kMaxfail, "x");
  EXPECT_EQ(maxfail.ExitCode(true), kExitTestsFailed);
  RunStop stepwise;
  stepwise.Escalate(StopKind::kStepwise, "x");
  EXPECT_EQ(stepwise.ExitCode(true), kExitInterrupted);
  RunStop exit;
  exit.Escalate(StopKind::kSessionExit, "x", 7);
  EXPECT_EQ(exit.ExitCode(false), 7);
  exit.Escalate(StopKind::kFatal, "y", kExitCollectionMismatch);
  EXPECT_EQ(exit.ExitCode(false), kExitCollectionMismatch);
}

}  // namespace
}  // namespace jackd
