#include "engine/option_sources.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <set>

#include "engine/cli.h"

namespace jackd {
namespace {

namespace fs = std::filesystem;

// Runs each test in a fresh directory holding the given pyproject.toml, as `jackd` run from there.
class OptionSourcesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "jackd-options-test-XXXXXX").string();
    dir_ = mkdtemp(pattern.data());
    previous_ = fs::current_path();
    fs::current_path(dir_);
  }
  void TearDown() override {
    fs::current_path(previous_);
    fs::remove_all(dir_);
  }
  void Pyproject(const std::string& tool_jackd) {
    std::ofstream(dir_ / "pyproject.toml") << "[project]\nname = \"x\"\n\n[tool.jackd]\n" << tool_jackd;
  }
  Command Parse(std::vector<std::string> args) {
    args.insert(args.begin(), "jackd");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    return ParseCommandLine(static_cast<int>(argv.size()), argv.data());
  }
  int ExitCode(const Command& command) {
    auto* early = std::get_if<EarlyExit>(&command);
    return early ? early->exit_code : -1;
  }

  fs::path dir_;
  fs::path previous_;
};

TEST_F(OptionSourcesTest, ConfigurationSetsDefaultsAndTheCommandLineWins) {
  Pyproject("workers = 1\ndist = \"loadfile\"\ntimeout = 2.5\nfail_on_flaky = true\nreruns = 3\n");
  Command command = Parse({"run", "-n", "2", "--reruns=0", "tests"});
  auto* options = std::get_if<RunOptions>(&command);
  ASSERT_NE(options, nullptr);
  EXPECT_EQ(options->workers, "2");
  EXPECT_EQ(options->reruns, 0);
  EXPECT_EQ(options->dist, "loadfile");
  EXPECT_DOUBLE_EQ(options->timeout, 2.5);
  EXPECT_TRUE(options->fail_on_flaky);
  EXPECT_EQ(options->pytest_args, std::vector<std::string>{"tests"});
  // Untouched options keep their defaults.
  EXPECT_EQ(options->dist_fallback, "load");
  EXPECT_EQ(options->count, 1);
}

TEST_F(OptionSourcesTest, CoverageKeysMergeWithCoverageOptionsOnTheCommandLine) {
  Pyproject(
      "cov = [\"pkg\", \"lib\"]\ncov_branch = true\ncov_report = [\"term-missing\"]\ncov_fail_under = 80\n");
  Command command = Parse({"run", "--cov=other"});
  auto* options = std::get_if<RunOptions>(&command);
  ASSERT_NE(options, nullptr);
  EXPECT_EQ(options->coverage.sources, std::vector<std::string>{"other"});
  EXPECT_TRUE(options->coverage.branch);
  EXPECT_EQ(options->coverage.reports, std::vector<std::string>{"term-missing"});
  EXPECT_EQ(options->coverage.fail_under, 80.0);
  Command bare = (Pyproject("cov = true\n"), Parse({"run"}));
  ASSERT_NE(std::get_if<RunOptions>(&bare), nullptr);
  EXPECT_EQ(std::get<RunOptions>(bare).coverage.sources, std::vector<std::string>{""});
}

TEST_F(OptionSourcesTest, UnknownKeysTypeErrorsAndBadValuesAreUsageErrors) {
  Pyproject("workerz = 1\n");
  EXPECT_EQ(ExitCode(Parse({"run"})), 4);
  Pyproject("timeout = \"soon\"\n");
  EXPECT_EQ(ExitCode(Parse({"run"})), 4);
  Pyproject("dist = \"bogus\"\n");
  EXPECT_EQ(ExitCode(Parse({"run"})), 4);
  Pyproject("cov_report = [\"bogus\"]\n");
  EXPECT_EQ(ExitCode(Parse({"run"})), 4);
  // Given on the command line, a bad configured value is still reported: the file is wrong either way.
  Pyproject("timeout = \"soon\"\n");
  EXPECT_EQ(ExitCode(Parse({"run", "--timeout", "1"})), 4);
}

TEST_F(OptionSourcesTest, ConfigReportNamesEverySource) {
  Pyproject("workers = 1\n\ntimeout = 3\n");
  Command command = Parse({"config", "--timeout", "4", "--cov-branch"});
  auto* report = std::get_if<ConfigReport>(&command);
  ASSERT_NE(report, nullptr);
  EXPECT_NE(report->text.find("configuration: pyproject.toml [tool.jackd]"), std::string::npos)
      << report->text;
  auto line_of = [&](const std::string& key) {
    auto at = report->text.find("  " + key + " ");
    return report->text.substr(at, report->text.find('\n', at) - at);
  };
  EXPECT_NE(line_of("workers").find("pyproject.toml:5"), std::string::npos) << report->text;
  EXPECT_NE(line_of("timeout").find("command line"), std::string::npos);
  EXPECT_NE(line_of("timeout").find(" 4 "), std::string::npos);
  EXPECT_NE(line_of("cov_branch").find("true"), std::string::npos);
  EXPECT_NE(line_of("cov_branch").find("command line"), std::string::npos);
  EXPECT_NE(line_of("dist").find("default"), std::string::npos);
}

TEST_F(OptionSourcesTest, VersionReadsTheConfiguredPython) {
  Pyproject("python = \"/some/python\"\n");
  Command command = Parse({"--version"});
  ASSERT_NE(std::get_if<VersionRequest>(&command), nullptr);
  EXPECT_EQ(std::get<VersionRequest>(command).python, "/some/python");
  command = Parse({"--python", "/other/python", "--version"});
  EXPECT_EQ(std::get<VersionRequest>(command).python, "/other/python");
}

// The message for each kind of mistake, as ApplyConfigFile words it.
std::string ErrorFor(const std::string& tool_jackd) {
  CLI::App app;
  RunOptions options;
  AddRunOptions(app, options);
  ConfigTarget target;
  target.parsed = &app;
  target.bind = [&](CLI::App& probe) { AddRunOptions(probe, options); };
  auto file = ParseConfigText("[tool.jackd]\n" + tool_jackd, ConfigFileKind::kPyproject, "pyproject.toml");
  if (!file.ok()) return std::string(file.status().message());
  auto applied = ApplyConfigFile(target, &**file);
  return applied.ok() ? "" : std::string(applied.status().message());
}

TEST(ConfigErrorTest, EachMistakeGetsItsHint) {
  EXPECT_EQ(ErrorFor("workerz = 2\n"),
            "pyproject.toml:2: unknown key 'workerz' in [tool.jackd] (did you mean 'workers'?)");
  EXPECT_EQ(ErrorFor("numprocesses = 2\n"),
            "pyproject.toml:2: unknown key 'numprocesses' in [tool.jackd] (did you mean 'workers'?)");
  EXPECT_EQ(
      ErrorFor("session-timeout = 2\n"),
      "pyproject.toml:2: unknown key 'session-timeout' in [tool.jackd] (keys are spelt with '_': did you "
      "mean 'session_timeout'?)");
  EXPECT_EQ(ErrorFor("colour = \"yes\"\n"),
            "pyproject.toml:2: unknown key 'colour' in [tool.jackd] (see 'jackd config' for every key)");
  EXPECT_EQ(ErrorFor("reruns = 1.5\n"),
            "pyproject.toml:2: 'reruns' must be an integer, not a float (as for --reruns)");
  EXPECT_EQ(
      ErrorFor("cov = [1, 2]\n"),
      "pyproject.toml:2: 'cov' must be a string or an array of strings (or true for the bare option), not "
      "an array (as for --cov)");
  EXPECT_EQ(ErrorFor("timeout = 1\ncount = 0\n"),
            "pyproject.toml:3: bad value for 'count': --count: '0' is too small (give at least 1)");
  EXPECT_EQ(ErrorFor("timeout = 1\ncount = 2\n"), "");
}

// The table cannot drift: every run option is in a documented group, has a description, a configuration
// key, and shows its value in `jackd config`.
TEST(RunOptionTableTest, EveryOptionIsGroupedDocumentedAndConfigurable) {
  const std::set<std::string> groups = {"Workers & scheduling",
                                        "Timeouts & reliability",
                                        "Reruns & flaky tests",
                                        "Reports",
                                        "Coverage",
                                        "Engine",
                                        "Remote workers",
                                        "Remote workers over SSH"};
  CLI::App app;
  RunOptions options;
  AddRunOptions(app, options);
  ConfigTarget target;
  target.parsed = &app;
  target.bind = [&](CLI::App& probe) { AddRunOptions(probe, options); };
  auto effective = ApplyConfigFile(target, nullptr);
  ASSERT_TRUE(effective.ok());
  std::set<std::string> keys;
  for (const CLI::Option* option : app.get_options()) {
    if (option->get_lnames().front() == "help") continue;
    EXPECT_TRUE(groups.contains(option->get_group()))
        << option->get_name() << " is in " << option->get_group();
    EXPECT_FALSE(option->get_description().empty()) << option->get_name();
  }
  for (const EffectiveOption& option : *effective) {
    keys.insert(option.key);
    EXPECT_EQ(option.source, "default");
  }
  // A flag has no bound value CLI11 can show; without its default_function `jackd config` would show none.
  for (CLI::Option* option : app.get_options()) {
    if (option->get_expected_max() != 0 || option->get_lnames().front() == "help") continue;
    option->capture_default_str();
    EXPECT_EQ(option->get_default_str(), "false") << option->get_name() << " shows no value";
  }
  for (const char* key :
       {"workers",      "dist",          "dist_fallback",   "maxprocesses",  "max_worker_restart",
        "serial_mark",  "timeout",       "session_timeout", "retry_crashed", "reruns",
        "reruns_delay", "fail_on_flaky", "count",           "detect_flaky",  "worker_start_timeout",
        "json_report",  "log_level",     "python",          "cov",           "cov_report",
        "cov_config",   "cov_branch",    "cov_fail_under",  "no_cov",        "cov_keep_worker_data",
        "ssh",          "ssh_workers",   "ssh_option",      "advertise",     "thread_limits"}) {
    EXPECT_TRUE(keys.contains(key)) << key;
  }
}

}  // namespace
}  // namespace jackd
