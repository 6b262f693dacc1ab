#include "engine/junit_merge.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <pugixml.hpp>
#include <string>
#include <vector>

namespace jackd {
namespace {

namespace fs = std::filesystem;

class JunitMergeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("jackd-junit-merge-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // `tests` as the file says: its testcases, plus its subtests.
  std::string Write(const std::string& name, const std::string& cases, double time, int tests) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << "<?xml version=\"1.0\" encoding=\"utf-8\"?><testsuites name=\"pytest tests\">"
                        << "<testsuite name=\"pytest\" errors=\"9\" failures=\"9\" skipped=\"9\" tests=\""
                        << tests << "\" time=\"" << time << "\" hostname=\"h\">" << cases
                        << "</testsuite></testsuites>";
    return path;
  }

  // Merges `inputs` and returns the merged file's <testsuite> (empty when the merge or the read failed).
  pugi::xml_node MergedSuite(const std::vector<std::string>& inputs) {
    const std::string out = (dir_ / "out.xml").string();
    if (!MergeJunit(inputs, out).ok() || !merged_.load_file(out.c_str())) return {};
    return merged_.child("testsuites").child("testsuite");
  }

  fs::path dir_;
  pugi::xml_document merged_;
};

// What every shard's file holds: a file that failed to collect and one skipped whole.
constexpr const char* kCollectionOutcomes =
    "<testcase classname=\"\" name=\"test_broken\"><error message=\"collection "
    "failure\">boom</error></testcase>"
    "<testcase classname=\"\" name=\"test_gpu\"><skipped message=\"collection "
    "skipped\">('/p/test_gpu.py', 3, 'Skipped: no GPU')</skipped></testcase>";

TEST_F(JunitMergeTest, CombinesCasesRecountsAndKeepsCollectionOutcomesOnce) {
  const std::string a =
      Write("a.xml",
            std::string(kCollectionOutcomes) +
                "<testcase classname=\"t\" name=\"ok\" time=\"0.1\"/>"
                "<testcase classname=\"t\" name=\"bad\"><failure message=\"x\"/></testcase>",
            2.5, 4);
  const std::string b =
      Write("b.xml",
            std::string(kCollectionOutcomes) +
                "<testcase classname=\"u\" name=\"skip\"><skipped message=\"s\"/></testcase>",
            4.0, 3);
  pugi::xml_node suite = MergedSuite({a, b});
  ASSERT_TRUE(suite);
  EXPECT_EQ(suite.attribute("tests").as_int(), 5);
  EXPECT_EQ(suite.attribute("errors").as_int(), 1);
  EXPECT_EQ(suite.attribute("failures").as_int(), 1);
  EXPECT_EQ(suite.attribute("skipped").as_int(), 2);
  EXPECT_DOUBLE_EQ(suite.attribute("time").as_double(), 4.0);  // the longest shard's
  EXPECT_STREQ(suite.attribute("name").as_string(), "pytest");
}

TEST_F(JunitMergeTest, ATestInTwoFilesIsRefused) {
  const std::string a = Write("a.xml", "<testcase classname=\"t\" name=\"ok\"/>", 1, 1);
  const std::string b = Write("b.xml", "<testcase classname=\"t\" name=\"ok\"/>", 1, 1);
  absl::Status status = MergeJunit({a, b}, (dir_ / "out.xml").string());
  EXPECT_TRUE(absl::IsFailedPrecondition(status)) << status;
  EXPECT_NE(std::string(status.message()).find("t::ok"), std::string::npos);
}

// pytest counts every subtest in `tests` and gives each failed one a <failure>: a shard's subtests stay
// counted, and failures are counted by element, not by testcase.
TEST_F(JunitMergeTest, SubtestsKeepTheirCounts) {
  const std::string a = Write("a.xml",
                              "<testcase classname=\"t\" name=\"sub\"><failure message=\"i=1\"/>"
                              "<failure message=\"contains 1 failed subtest\"/></testcase>",
                              1, 4);  // 1 testcase, 3 subtests
  const std::string b = Write("b.xml", "<testcase classname=\"u\" name=\"plain\"/>", 1, 1);
  pugi::xml_node suite = MergedSuite({a, b});
  ASSERT_TRUE(suite);
  EXPECT_EQ(suite.attribute("tests").as_int(), 5);
  EXPECT_EQ(suite.attribute("failures").as_int(), 2);
  EXPECT_EQ(suite.attribute("errors").as_int(), 0);
}

TEST_F(JunitMergeTest, AnUnreadableFileIsAnInputError) {
  const std::string broken = (dir_ / "broken.xml").string();
  std::ofstream(broken) << "<testsuites><testsuite>";
  EXPECT_TRUE(absl::IsInvalidArgument(MergeJunit({broken}, (dir_ / "out.xml").string())));
  EXPECT_TRUE(
      absl::IsInvalidArgument(MergeJunit({(dir_ / "missing.xml").string()}, (dir_ / "o.xml").string())));
}

}  // namespace
}  // namespace jackd
