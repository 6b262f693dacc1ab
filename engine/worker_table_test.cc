#include "engine/worker_table.h"

#include <gtest/gtest.h>

namespace jackd {
namespace {

TEST(WorkerTableTest, StatesMoveForwardOnly) {
  Worker worker;
  EXPECT_FALSE(worker.Connected());
  worker.MarkReady();
  EXPECT_TRUE(worker.TakesWork());
  worker.MarkFinishing();
  EXPECT_FALSE(worker.TakesWork());
  EXPECT_TRUE(worker.Connected());
  worker.MarkRetired();
  EXPECT_TRUE(worker.Retired());
  EXPECT_FALSE(worker.Connected());
}

TEST(WorkerTableDeathTest, AnIllegalMoveAborts) {
  EXPECT_DEATH(Worker().MarkFinishing(), "cannot become finishing");
  Worker ready;
  ready.MarkReady();
  EXPECT_DEATH(ready.MarkReady(), "cannot become ready");
  Worker retired;
  retired.MarkRetired();
  EXPECT_DEATH(retired.MarkRetired(), "cannot become retired");
}

TEST(WorkerTableTest, WillTakeWorkUntilToldToFinishOrGone) {
  Worker worker;
  EXPECT_TRUE(worker.WillTakeWork());  // starting: it will ask once connected
  worker.exited = true;
  EXPECT_FALSE(worker.WillTakeWork());
  Worker remote;
  remote.remote = true;
  remote.exited = true;  // a remote worker has no process here
  remote.MarkReady();
  EXPECT_TRUE(remote.WillTakeWork());
  remote.MarkFinishing();
  EXPECT_FALSE(remote.WillTakeWork());
}

TEST(WorkerTableTest, FindsWorkersBySlotLinkAndAwaitedId) {
  WorkerTable table;
  EXPECT_EQ(table.NextSlot(2), 2u);
  Worker& gw0 = table.Reset(0);
  gw0.id = "gw0";
  Worker& gw3 = table.Reset(3);
  gw3.id = "gw3";
  gw3.link = std::make_shared<WorkerLink>(1);
  EXPECT_EQ(table.NextSlot(2), 4u);
  EXPECT_EQ(table.Find(3), &gw3);
  EXPECT_EQ(table.Find(1), nullptr);
  EXPECT_EQ(table.FindByLink(gw3.link), &gw3);
  EXPECT_EQ(table.AwaitingConnection("gw0"), &gw0);
  EXPECT_EQ(table.AwaitingConnection("gw3"), nullptr);  // connected already
  gw0.exited = true;
  EXPECT_EQ(table.AwaitingConnection("gw0"), nullptr);  // its process is gone
  EXPECT_FALSE(table.AllRetired());
  gw0.MarkRetired();
  gw3.MarkRetired();
  EXPECT_TRUE(table.AllRetired());
  EXPECT_EQ(table.Reset(3).state, WorkerState::kStarting);  // a replacement starts over
}

}  // namespace
}  // namespace jackd
