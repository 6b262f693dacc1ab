#include "engine/cli.h"

#include <gtest/gtest.h>

namespace jackd {
namespace {

Command Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "jackd");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return ParseCommandLine(static_cast<int>(argv.size()), argv.data());
}

TEST(CliTest, UnknownArgumentsPassThroughToPytestInOrder) {
  Command command =
      Parse({"run", "-k", "not slow", "-n", "3", "tests/", "-x", "--tb=short", "-p", "no:cacheprovider"});
  auto* options = std::get_if<RunOptions>(&command);
  ASSERT_NE(options, nullptr);
  EXPECT_EQ(options->workers, "3");
  EXPECT_EQ(options->pytest_args, (std::vector<std::string>{"-k", "not slow", "tests/", "-x", "--tb=short",
                                                            "-p", "no:cacheprovider"}));
}

TEST(CliTest, NegativeWorkerCountsKeepTheirValue) {
  Command command = Parse({"run", "-n", "-2", "tests"});
  auto* options = std::get_if<RunOptions>(&command);
  ASSERT_NE(options, nullptr);
  EXPECT_EQ(options->workers, "-2");
  EXPECT_EQ(options->pytest_args, std::vector<std::string>{"tests"});
}

TEST(CliTest, JackdOptionsAnywhereOnTheLine) {
  Command command =
      Parse({"run", "tests", "--python", "/usr/bin/python3", "-v", "--json-report=out.json", "-nauto"});
  auto* options = std::get_if<RunOptions>(&command);
  ASSERT_NE(options, nullptr);
  EXPECT_EQ(options->python, "/usr/bin/python3");
  EXPECT_EQ(options->json_report, "out.json");
  EXPECT_EQ(options->workers, "auto");
  EXPECT_EQ(options->pytest_args, (std::vector<std::string>{"tests", "-v"}));
}

TEST(CliTest, HtmlReportBesideJsonReport) {
  Command command = Parse({"run", "--json-report", "r.json", "--html-report=r.html", "tests"});
  auto* options = std::get_if<RunOptions>(&command);
  ASSERT_NE(options, nullptr);
  EXPECT_EQ(options->json_report, "r.json");
  EXPECT_EQ(options->html_report, "r.html");
  EXPECT_EQ(options->pytest_args, std::vector<std::string>{"tests"});
}

TEST(CliTest, DetectFlakyTakesAnOptionalCount) {
  Command bare_command = Parse({"run", "--detect-flaky", "tests/"});
  auto* bare = std::get_if<RunOptions>(&bare_command);
  ASSERT_NE(bare, nullptr);
  EXPECT_EQ(bare->detect_flaky, 5);
  EXPECT_EQ(bare->pytest_args, std::vector<std::string>{"tests/"});
  Command counted = Parse({"run", "--detect-flaky", "3", "tests/"});
  ASSERT_NE(std::get_if<RunOptions>(&counted), nullptr);
  EXPECT_EQ(std::get<RunOptions>(counted).detect_flaky, 3);
  EXPECT_EQ(std::get<RunOptions>(counted).pytest_args, std::vector<std::string>{"tests/"});
  Command too_few = Parse({"run", "--detect-flaky", "1"});
  ASSERT_NE(std::get_if<EarlyExit>(&too_few), nullptr);
  EXPECT_EQ(std::get<EarlyExit>(too_few).exit_code, 4);
}

TEST(CliTest, RerunOptions) {
  Command command =
      Parse({"run", "--reruns", "2", "--reruns-delay", "0.5", "--fail-on-flaky", "--count", "3"});
  auto* options = std::get_if<RunOptions>(&command);
  ASSERT_NE(options, nullptr);
  EXPECT_EQ(options->reruns, 2);
  EXPECT_DOUBLE_EQ(options->reruns_delay, 0.5);
  EXPECT_TRUE(options->fail_on_flaky);
  EXPECT_EQ(options->count, 3);
  Command zero = Parse({"run", "--count", "0"});
  ASSERT_NE(std::get_if<EarlyExit>(&zero), nullptr);
}

TEST(CliTest, BadDistIsAUsageError) {
  Command command = Parse({"run", "--dist", "bogus"});
  auto* early = std::get_if<EarlyExit>(&command);
  ASSERT_NE(early, nullptr);
  EXPECT_EQ(early->exit_code, 4);
}

TEST(CliTest, VersionFlag) { EXPECT_TRUE(std::holds_alternative<VersionRequest>(Parse({"--version"}))); }

TEST(CliTest, NoSubcommandIsAUsageError) {
  Command command = Parse({});
  auto* early = std::get_if<EarlyExit>(&command);
  ASSERT_NE(early, nullptr);
  EXPECT_EQ(early->exit_code, 4);
}

TEST(CliTest, DurationsSubcommandTakesTopWorkersAndRootdir) {
  Command command = Parse({"durations", "--top", "3", "-n", "4", "--rootdir", "some/dir"});
  auto* options = std::get_if<DurationsOptions>(&command);
  ASSERT_NE(options, nullptr);
  EXPECT_EQ(options->top, 3u);
  EXPECT_EQ(options->workers, "4");
  EXPECT_EQ(options->rootdir, "some/dir");
  auto* defaults = std::get_if<DurationsOptions>(&(command = Parse({"durations"})));
  ASSERT_NE(defaults, nullptr);
  EXPECT_EQ(defaults->top, 10u);
  EXPECT_EQ(defaults->workers, "auto");
  EXPECT_TRUE(defaults->rootdir.empty());
}

TEST(CliTest, ShardOptions) {
  Command command = Parse({"run", "--shard", "2/3", "--shard-mode", "hash", "tests"});
  auto* options = std::get_if<RunOptions>(&command);
  ASSERT_NE(options, nullptr);
  EXPECT_EQ(options->shard, "2/3");
  EXPECT_EQ(options->shard_mode, "hash");
  EXPECT_EQ(options->pytest_args, std::vector<std::string>{"tests"});
  Command defaulted = Parse({"run", "tests"});
  EXPECT_EQ(std::get<RunOptions>(defaulted).shard_mode, "duration");
}

TEST(CliTest, BadShardsAreUsageErrors) {
  for (const char* bad : {"0/3", "4/3", "x"}) {
    Command command = Parse({"run", "--shard", bad});
    auto* early = std::get_if<EarlyExit>(&command);
    ASSERT_NE(early, nullptr) << bad;
    EXPECT_EQ(early->exit_code, 4);
  }
  Command mode = Parse({"run", "--shard", "1/2", "--shard-mode", "random"});
  ASSERT_TRUE(std::holds_alternative<EarlyExit>(mode));
}

TEST(CliTest, MergeSubcommand) {
  Command command = Parse({"merge", "-o", "all.json", "--junitxml", "all.xml", "--durations-store", ".jackd",
                           "--cov-combine", ".coverage", "a.json", "b.json", "a.xml"});
  auto* options = std::get_if<MergeOptions>(&command);
  ASSERT_NE(options, nullptr);
  EXPECT_EQ(options->output, "all.json");
  EXPECT_EQ(options->junitxml, "all.xml");
  EXPECT_EQ(options->durations_store, ".jackd");
  EXPECT_EQ(options->cov_combine, ".coverage");
  EXPECT_EQ(options->inputs, (std::vector<std::string>{"a.json", "b.json", "a.xml"}));
  Command no_output = Parse({"merge", "a.json"});
  ASSERT_TRUE(std::holds_alternative<EarlyExit>(no_output));
  EXPECT_EQ(std::get<EarlyExit>(no_output).exit_code, 4);
}

}  // namespace
}  // namespace jackd
