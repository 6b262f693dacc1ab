#include "engine/html_reporter.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/json_reporter.h"

namespace jackd {
namespace {

// The data element's text, as the page's script reads it.
std::string EmbeddedData(const std::string& page) {
  const std::string open = "<script type=\"application/json\" id=\"jackd-report-data\">";
  const std::size_t begin = page.find(open);
  EXPECT_NE(begin, std::string::npos);
  const std::size_t end = page.find("</script>", begin);
  return page.substr(begin + open.size(), end - begin - open.size());
}

struct OneTestRun {
  Collection collection;
  RunContext context;
  RunResult result;

  explicit OneTestRun(const std::string& output) {
    collection.items.push_back({"test_a.py::test_x", "test_a.py", {}, "", {}, {}, std::nullopt});
    context.collection = &collection;
    context.started_monotonic = 1000;
    TestRecord record;
    record.outcome = Outcome::kFailed;
    record.worker = "gw1";
    record.started = 1001.5;
    record.finished = 1002.25;
    record.reports.push_back({Phase::kCall, output, "assert " + output, {}, "", ""});
    result.records.push_back(record);
    result.seconds = 3;
  }
};

TEST(ScriptSafeJsonTest, EscapesEveryLessThan) {
  EXPECT_EQ(ScriptSafeJson(R"({"a":"</script><!--x"})"), R"({"a":"\u003c/script>\u003c!--x"})");
  EXPECT_EQ(nlohmann::json::parse(ScriptSafeJson(R"(["<b>"])"))[0], "<b>");
}

TEST(HtmlReportTest, TestOutputCannotEndTheDataElement) {
  const std::string hostile = "</script><script>alert(1)</script><!-- <b>";
  OneTestRun run(hostile);
  const std::string page = HtmlReport(run.context, run.result);
  EXPECT_EQ(page.find("alert(1)</script>"), std::string::npos);
  const nlohmann::json data = nlohmann::json::parse(EmbeddedData(page));
  EXPECT_EQ(data["tests"][0]["reports"][0]["longrepr"], hostile);
}

TEST(HtmlReportTest, EmbedsTheJsonReportWithRunTimes) {
  OneTestRun run("boom");
  const nlohmann::json data = nlohmann::json::parse(EmbeddedData(HtmlReport(run.context, run.result)));
  EXPECT_EQ(data, JsonReport(run.context, run.result));
  EXPECT_DOUBLE_EQ(data["tests"][0]["start"].get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(data["tests"][0]["stop"].get<double>(), 2.25);
  EXPECT_EQ(data["worker_ids"], nlohmann::json::array({"gw1"}));
  EXPECT_EQ(HtmlReport(run.context, run.result).find("@JACKD_REPORT_DATA@"), std::string::npos);
}

TEST(JsonReportTest, WorkersInNumericOrderAndNullTimesForTestsThatNeverRan) {
  RunResult result;
  for (const char* worker : {"gw10", "gw2", "", "gw2"}) {
    TestRecord record;
    record.worker = worker;
    result.records.push_back(record);
  }
  result.records[2].attempts.push_back(TestRecord{});
  result.records[2].attempts[0].worker = "gw0";
  EXPECT_EQ(WorkersThatRan(result), (std::vector<std::string>{"gw0", "gw2", "gw10"}));

  Collection collection;
  collection.items.resize(4);
  RunContext context;
  context.collection = &collection;
  const nlohmann::json report = JsonReport(context, result);
  EXPECT_TRUE(report["tests"][2]["start"].is_null());
  EXPECT_TRUE(report["tests"][2]["stop"].is_null());
}

TEST(IsoUtcTest, FormatsWithMilliseconds) {
  const auto when = std::chrono::system_clock::time_point(std::chrono::milliseconds(1795184368123LL));
  EXPECT_EQ(IsoUtc(when), "2026-11-20T14:19:28.123Z");
}

}  // namespace
}  // namespace jackd
