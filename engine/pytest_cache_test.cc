#include "engine/pytest_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace jackd {
namespace {

namespace fs = std::filesystem;

// UpdateStepwise; the other entries are checked end to end against pytest (tests/e2e/test_pytest_cache.py),
// as is this one's dict format with the pytest the tests run (tests/e2e/test_stepwise.py, also under
// pytest 7 and 8 in tests/e2e/test_pytest_versions.py).
class StepwiseCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/jackd-pytest-cache-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    cache_dir_ = pattern;
    for (const char* id : {"t.py::a", "t.py::b", "t.py::c", "t.py::d"}) {
      scheduler::TestItem item;
      item.node_id = id;
      item.file = "t.py";
      collection_.items.push_back(item);
    }
    collection_.settings.cache_dir = cache_dir_;
    collection_.settings.stepwise = StepwiseSettings{};
    collection_.settings.stepwise->stores_test_count = true;
    collection_.settings.stepwise->test_count = 4;
  }
  void TearDown() override { fs::remove_all(cache_dir_); }

  RunResult Result(std::initializer_list<Outcome> outcomes) {
    RunResult result;
    for (Outcome outcome : outcomes) {
      TestRecord record;
      record.outcome = outcome;
      result.records.push_back(std::move(record));
    }
    return result;
  }

  std::string Written() {
    std::ifstream in(fs::path(cache_dir_) / "v" / "cache" / "stepwise");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::string cache_dir_;
  Collection collection_;
};

TEST_F(StepwiseCacheTest, ResumesAtTheFirstTestInCollectionOrderThatDidNotPass) {
  // b was never run (the stop came first), d failed: b is where the next run must start.
  const RunResult result = Result({Outcome::kPassed, Outcome::kNotRun, Outcome::kPassed, Outcome::kFailed});
  ASSERT_TRUE(UpdateStepwise(cache_dir_, collection_, result));
  const nlohmann::ordered_json written = nlohmann::ordered_json::parse(Written());
  EXPECT_EQ(written["last_failed"], "t.py::b");
  EXPECT_EQ(written["last_test_count"], 4);
  // datetime.isoformat() with microseconds, which pytest reads back with datetime.fromisoformat.
  const std::string date = written["last_cache_date_str"];
  EXPECT_EQ(date.size(), 26u) << date;
  EXPECT_EQ(date[10], 'T') << date;
  // pytest's key order and json.dumps(indent=2) layout.
  EXPECT_EQ(Written(),
            "{\n  \"last_failed\": \"t.py::b\",\n  \"last_test_count\": 4,\n  \"last_cache_date_str\": \"" +
                date + "\"\n}");
}

TEST_F(StepwiseCacheTest, AFailureLetPassBySwSkipCountsAsPassed) {
  RunResult result = Result({Outcome::kPassed, Outcome::kFailed, Outcome::kSkipped, Outcome::kError});
  result.stepwise_skipped = 1;
  ASSERT_TRUE(UpdateStepwise(cache_dir_, collection_, result));
  EXPECT_EQ(nlohmann::json::parse(Written())["last_failed"], "t.py::d");
}

TEST_F(StepwiseCacheTest, ARunWhereEverythingPassedClearsTheState) {
  ASSERT_TRUE(
      UpdateStepwise(cache_dir_, collection_,
                     Result({Outcome::kPassed, Outcome::kXfailed, Outcome::kSkipped, Outcome::kFlaky})));
  EXPECT_TRUE(nlohmann::json::parse(Written())["last_failed"].is_null());
}

TEST_F(StepwiseCacheTest, WhenNoTestRanTheResumePointStays) {
  collection_.settings.stepwise->last_failed = "t.py::c";
  ASSERT_TRUE(UpdateStepwise(cache_dir_, collection_, Result({Outcome::kNotRun, Outcome::kNotRun})));
  EXPECT_EQ(nlohmann::json::parse(Written())["last_failed"], "t.py::c");
}

TEST_F(StepwiseCacheTest, OlderPytestsStoreTheNodeIdAlone) {
  collection_.settings.stepwise->stores_test_count = false;
  ASSERT_TRUE(UpdateStepwise(cache_dir_, collection_, Result({Outcome::kPassed, Outcome::kCrashed})));
  EXPECT_EQ(Written(), "\"t.py::b\"");
  ASSERT_TRUE(UpdateStepwise(cache_dir_, collection_, Result({Outcome::kPassed, Outcome::kPassed})));
  EXPECT_EQ(Written(), "null");
}

TEST_F(StepwiseCacheTest, NothingIsWrittenWithoutStepwise) {
  collection_.settings.stepwise.reset();
  collection_.settings.pytest_version = "8.4.0";
  ASSERT_TRUE(UpdateStepwise(cache_dir_, collection_, Result({Outcome::kFailed})));
  EXPECT_FALSE(fs::exists(fs::path(cache_dir_) / "v"));
}

TEST_F(StepwiseCacheTest, OlderPytestsClearTheEntryWithoutStepwise) {
  collection_.settings.stepwise.reset();
  collection_.settings.pytest_version = "8.3.5";
  ASSERT_TRUE(UpdateStepwise(cache_dir_, collection_, Result({Outcome::kFailed})));
  EXPECT_EQ(Written(), "[]");
}

TEST_F(StepwiseCacheTest, OlderPytestsLeaveTheEntryAloneWithoutThePlugin) {
  collection_.settings.stepwise.reset();
  collection_.settings.pytest_version = "8.3.5";
  collection_.settings.stepwise_blocked = true;  // -p no:stepwise
  ASSERT_TRUE(UpdateStepwise(cache_dir_, collection_, Result({Outcome::kFailed})));
  EXPECT_FALSE(fs::exists(fs::path(cache_dir_) / "v" / "cache" / "stepwise"));
}

}  // namespace
}  // namespace jackd
