#include "engine/coverage.h"

#include <gtest/gtest.h>

#include "engine/coverage_options.h"

namespace jackd {
namespace {

using Args = std::vector<std::string>;

TEST(CoverageOptionsTest, TakesPytestCovSpellingsAndLeavesTheRest) {
  Args args = {"run",
               "--cov",
               "--cov=pkg",
               "--cov",
               "other",
               "tests/",
               "--cov-report=",
               "--cov-report",
               "xml:out.xml",
               "-k",
               "x",
               "--cov-branch",
               "--cov-fail-under=90.5",
               "--cov-config",
               "setup.cfg",
               "--",
               "--cov=after"};
  auto options = TakeCoverageOptions(args);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->sources, (Args{"", "pkg", "other"}));  // a bare --cov, then argparse's nargs='?'
  EXPECT_EQ(options->reports, (Args{"", "xml:out.xml"}));
  EXPECT_TRUE(options->branch);
  EXPECT_EQ(options->fail_under, 90.5);
  EXPECT_EQ(options->config, "setup.cfg");
  EXPECT_EQ(args, (Args{"run", "tests/", "-k", "x", "--", "--cov=after"}));
}

TEST(CoverageOptionsTest, BareCovBeforeAnOptionTakesNoValue) {
  Args args = {"--cov", "-n", "2"};
  auto options = TakeCoverageOptions(args);
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->sources, Args{""});
  EXPECT_EQ(args, (Args{"-n", "2"}));
}

TEST(CoverageOptionsTest, BadValuesAreErrors) {
  for (Args args : {Args{"--cov-report=bogus"}, Args{"--cov-report=term:xml"}, Args{"--cov-fail-under=101"},
                    Args{"--cov-fail-under", "x"}, Args{"--cov-report"}, Args{"--cov-branch=1"}}) {
    EXPECT_FALSE(TakeCoverageOptions(args).ok()) << args[0];
  }
  Args fine = {"--cov-report=term-missing:skip-covered", "--cov-report=html:dir"};
  EXPECT_TRUE(TakeCoverageOptions(fine).ok());
}

TEST(ResolveCoverageTest, NothingAskedNothingMeasured) {
  EXPECT_FALSE(ResolveCoverage(CoverageOptions{}, std::nullopt));
  EXPECT_FALSE(ResolveCoverage(CoverageOptions{}, PytestCovOptions{}));
  CoverageOptions off;
  off.sources = {"pkg"};
  off.no_cov = true;
  EXPECT_FALSE(ResolveCoverage(off, std::nullopt));
}

TEST(ResolveCoverageTest, PytestCovOptionsCountAsIfGivenToJackd) {
  PytestCovOptions pytest;
  pytest.sources = {"pkg"};
  pytest.reports = {"xml"};
  pytest.config = ".coveragerc";  // pytest-cov's default: let coverage.py look
  pytest.fail_under = 80;
  CoverageOptions jackd;
  jackd.sources = {"other"};
  jackd.reports = {"term-missing"};
  jackd.fail_under = 90;
  auto settings = ResolveCoverage(jackd, pytest);
  ASSERT_TRUE(settings);
  EXPECT_EQ(settings->sources, (Args{"pkg", "other"}));
  EXPECT_EQ(settings->reports, (Args{"xml", "term-missing"}));
  EXPECT_EQ(settings->config, "");
  EXPECT_EQ(settings->fail_under, 90);  // the command line wins
  EXPECT_TRUE(settings->pytest_cov_installed);

  jackd.sources = {""};  // a bare --cov: no source filter at all
  EXPECT_FALSE(ResolveCoverage(jackd, pytest)->sources.has_value());
}

TEST(CoverageSettingsJsonTest, NullsLeaveTheDecisionToTheConfiguration) {
  CoverageSettings settings;
  const std::string json = CoverageSettingsJson(settings, "/run/cov", "jackd-1234");
  EXPECT_NE(json.find("\"source\":null"), std::string::npos) << json;
  EXPECT_NE(json.find("\"branch\":null"), std::string::npos) << json;
  EXPECT_NE(json.find("\"config_file\":true"), std::string::npos) << json;
  EXPECT_NE(json.find("\"fail_under\":null"), std::string::npos) << json;
  EXPECT_NE(json.find("\"data_dir\":\"/run/cov\""), std::string::npos) << json;
}

}  // namespace
}  // namespace jackd
