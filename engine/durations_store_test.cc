#include "engine/durations_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "engine/sqlite.h"

namespace jackd {
namespace {

namespace fs = std::filesystem;

class DurationsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/jackd-durations-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
    directory_ = DurationStore::DirectoryIn(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  DurationStore OpenStore() {
    auto store = DurationStore::Open(directory_);
    EXPECT_TRUE(store.ok()) << store.status();
    return std::move(*store);
  }

  std::string root_;
  std::string directory_;
};

DurationSample Sample(std::string node_id, double seconds, Outcome outcome = Outcome::kPassed) {
  std::string file = node_id.substr(0, node_id.find("::"));
  return {std::move(node_id), std::move(file), seconds, outcome};
}

TEST_F(DurationsStoreTest, RoundTripThroughAReopenedStore) {
  {
    DurationStore store = OpenStore();
    ASSERT_TRUE(store.Record({Sample("a.py::t1", 0.5), Sample("b.py::t2", 2.0, Outcome::kFailed)}).ok());
  }
  EXPECT_EQ(directory_, root_ + "/.jackd");
  std::ifstream gitignore(directory_ + "/.gitignore");
  std::string text((std::istreambuf_iterator<char>(gitignore)), {});
  EXPECT_NE(text.find("*"), std::string::npos) << "the store stays out of version control";

  auto reopened = DurationStore::Open(directory_, /*create=*/false);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  auto tests = reopened->Read();
  ASSERT_TRUE(tests.ok()) << tests.status();
  ASSERT_EQ(tests->size(), 2u);
  EXPECT_EQ((*tests)[0].node_id, "a.py::t1");
  EXPECT_EQ((*tests)[0].file, "a.py");
  EXPECT_EQ((*tests)[0].seconds, std::vector<double>{0.5});
  EXPECT_EQ((*tests)[0].last_outcome, "passed");
  EXPECT_EQ((*tests)[1].node_id, "b.py::t2");
  EXPECT_EQ((*tests)[1].last_outcome, "failed");
  EXPECT_DOUBLE_EQ((*tests)[1].Expected(), 2.0);
  EXPECT_EQ(reopened->RunCount().value_or(-1), 1);
}

TEST_F(DurationsStoreTest, HistoryKeepsTheNewestSamplesOnly) {
  DurationStore store = OpenStore();
  for (int run = 1; run <= kDurationHistory + 5; ++run) {
    const Outcome outcome = run % 2 == 0 ? Outcome::kPassed : Outcome::kTimeout;
    ASSERT_TRUE(store.Record({Sample("a.py::t", run, outcome), Sample("a.py::other", 1)}).ok());
  }
  auto tests = store.Read();
  ASSERT_TRUE(tests.ok()) << tests.status();
  ASSERT_EQ(tests->size(), 2u);
  const TestHistory& t = (*tests)[1];
  ASSERT_EQ(t.node_id, "a.py::t");
  std::vector<double> newest_first;
  for (int run = kDurationHistory + 5; run > 5; --run) newest_first.push_back(run);
  EXPECT_EQ(t.seconds, newest_first);
  EXPECT_EQ(t.last_outcome, "timeout");
  EXPECT_DOUBLE_EQ(t.Expected(), 10.5);  // the median of 6..15
}

TEST_F(DurationsStoreTest, MedianIgnoresOneOutlier) {
  EXPECT_DOUBLE_EQ((TestHistory{"t", "f", {1.0, 100.0, 1.2}, "passed"}.Expected()), 1.2);
  EXPECT_DOUBLE_EQ((TestHistory{"t", "f", {}, ""}.Expected()), 0.0);
}

TEST_F(DurationsStoreTest, ConcurrentWritersFromTwoConnectionsBothLand) {
  { OpenStore(); }  // created once; the writers below open it side by side
  constexpr int kRuns = 25;
  auto writer = [&](std::string prefix, bool* ok) {
    auto store = DurationStore::Open(directory_);
    *ok = store.ok();
    for (int run = 0; *ok && run < kRuns; ++run) {
      std::vector<DurationSample> samples;
      for (int t = 0; t < 20; ++t) samples.push_back(Sample(prefix + ".py::t" + std::to_string(t), run));
      *ok = store->Record(samples).ok();
    }
  };
  bool ok_a = false, ok_b = false;
  std::thread a(writer, "a", &ok_a), b(writer, "b", &ok_b);
  a.join();
  b.join();
  EXPECT_TRUE(ok_a);
  EXPECT_TRUE(ok_b);
  DurationStore store = OpenStore();
  EXPECT_EQ(store.RunCount().value_or(-1), 2 * kRuns);
  auto tests = store.Read();
  ASSERT_TRUE(tests.ok()) << tests.status();
  ASSERT_EQ(tests->size(), 40u);
  for (const TestHistory& t : *tests) EXPECT_EQ(t.seconds.size(), static_cast<std::size_t>(kDurationHistory));
}

TEST_F(DurationsStoreTest, AWriterWaitsForAnotherConnectionsTransaction) {
  { OpenStore(); }
  auto raw = sqlite::Database::Open(DurationStore::FileIn(directory_), false);
  ASSERT_TRUE(raw.ok());
  auto held = sqlite::Transaction::Begin(*raw);
  ASSERT_TRUE(held.ok()) << held.status();
  bool recorded = false;
  std::thread writer([&] {
    auto store = DurationStore::Open(directory_);
    recorded = store.ok() && store->Record({Sample("a.py::t", 1)}).ok();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_TRUE(held->Commit().ok());
  writer.join();
  EXPECT_TRUE(recorded) << "the busy timeout lets the second writer wait instead of failing";
}

TEST_F(DurationsStoreTest, ACorruptFileIsAnErrorValue) {
  fs::create_directories(directory_);
  std::ofstream(DurationStore::FileIn(directory_)) << std::string(4096, 'x');
  auto store = DurationStore::Open(directory_);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(std::string(store.status().message()).find("durations.sqlite3"), std::string::npos)
      << store.status();
}

TEST_F(DurationsStoreTest, AnUncreatableDirectoryIsAnErrorValue) {
  std::ofstream(root_ + "/blocker") << "a file where the directory would go";
  auto store = DurationStore::Open(root_ + "/blocker/.jackd");
  EXPECT_FALSE(store.ok());
}

TEST_F(DurationsStoreTest, OpeningWithoutCreateNeedsAStore) {
  auto store = DurationStore::Open(directory_, /*create=*/false);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(fs::exists(directory_));
}

TEST(DurationSamplesTest, TestsThatRanCountAndTimeoutsCountTheirTimeUntilTheKill) {
  Collection collection;
  for (const char* id : {"a.py::ran", "a.py::never", "b.py::slow"}) {
    scheduler::TestItem item;
    item.node_id = id;
    item.file = std::string(id).substr(0, 4);
    collection.items.push_back(item);
  }
  RunResult result;
  result.records.resize(3);
  result.records[0].outcome = Outcome::kPassed;
  result.records[0].worker = "gw0";
  result.records[0].setup_seconds = 0.1;
  result.records[0].call_seconds = 0.2;
  result.records[0].teardown_seconds = 0.05;
  result.records[1].outcome = Outcome::kNotRun;
  result.records[2].outcome = Outcome::kTimeout;
  result.records[2].worker = "gw1";
  result.records[2].started = 100;
  result.records[2].finished = 103.5;
  std::vector<DurationSample> samples = SamplesOf(collection, result.records);
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0].node_id, "a.py::ran");
  EXPECT_NEAR(samples[0].seconds, 0.35, 1e-12);
  EXPECT_EQ(samples[1].node_id, "b.py::slow");
  EXPECT_EQ(samples[1].file, "b.py");
  EXPECT_DOUBLE_EQ(samples[1].seconds, 3.5);
  EXPECT_EQ(samples[1].outcome, Outcome::kTimeout);
}

TEST_F(DurationsStoreTest, ARunWithAnUnusableStoreWarnsOnceAndGoesOn) {
  fs::create_directories(directory_);
  std::ofstream(DurationStore::FileIn(directory_)) << std::string(4096, 'x');
  Collection collection;
  collection.items.resize(1);
  collection.items[0].node_id = "a.py::t";
  RunResult result;
  result.records.resize(1);
  result.records[0].outcome = Outcome::kPassed;
  result.records[0].worker = "gw0";

  RunDurations durations(root_);
  ::testing::internal::CaptureStderr();
  EXPECT_TRUE(durations.Measured(collection).empty());
  durations.FinishRecording(collection, result.records);
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(err.rfind("jackd: warning: ", 0), 0u) << err;
  EXPECT_EQ(err.find('\n'), err.size() - 1) << "one line, once: " << err;
}

TEST_F(DurationsStoreTest, ARunReadsWhatTheLastRunRecorded) {
  Collection collection;
  collection.items.resize(2);
  collection.items[0].node_id = "a.py::known";
  collection.items[1].node_id = "a.py::new";
  RunResult result;
  result.records.resize(2);
  result.records[0].outcome = Outcome::kFailed;
  result.records[0].worker = "gw0";
  result.records[0].call_seconds = 1.5;
  RunDurations first(root_);
  EXPECT_EQ(first.Measured(collection), (std::vector<std::optional<double>>{std::nullopt, std::nullopt}));
  // Started while the workers exit, finished at the end: one run recorded, once.
  first.StartRecording(SamplesOf(collection, result.records));
  first.FinishRecording(collection, result.records);
  RunDurations second(root_);
  EXPECT_EQ(second.Measured(collection), (std::vector<std::optional<double>>{1.5, std::nullopt}));
  auto store = DurationStore::Open(DurationStore::DirectoryIn(root_));
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(store->RunCount().value_or(-1), 1);
}

}  // namespace
}  // namespace jackd
