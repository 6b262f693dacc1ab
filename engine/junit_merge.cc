#include "engine/junit_merge.h"

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <pugixml.hpp>
#include <set>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/junit_reporter.h"

namespace jackd {
namespace {

// A file that failed to collect or was skipped whole: every shard's file has it.
bool IsCollectionOutcome(const pugi::xml_node& testcase) {
  return std::string(testcase.child("error").attribute("message").as_string()) == kJunitCollectionFailure ||
         std::string(testcase.child("skipped").attribute("message").as_string()) == kJunitCollectionSkipped;
}

}  // namespace

absl::Status MergeJunit(const std::vector<std::string>& inputs, const std::string& output) {
  pugi::xml_document merged;
  auto declaration = merged.append_child(pugi::node_declaration);
  declaration.append_attribute("version") = "1.0";
  declaration.append_attribute("encoding") = "utf-8";
  pugi::xml_node merged_suite;
  double longest = 0;
  std::set<std::pair<std::string, std::string>> seen;
  // Tests a file counts beyond its testcases: its subtests (pytest counts every report; a passed
  // subtest leaves no element behind).
  unsigned long long subtests = 0;
  for (const std::string& input : inputs) {
    pugi::xml_document doc;
    const pugi::xml_parse_result parsed = doc.load_file(input.c_str());
    pugi::xml_node suite = doc.child("testsuites").child("testsuite");
    if (!parsed || !suite) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot read JUnit XML ", input, " (",
                       parsed ? "no <testsuites><testsuite>" : parsed.description(), ")"));
    }
    longest = std::max(longest, suite.attribute("time").as_double());
    if (!merged_suite) {
      // The first file gives the shape (names, hostname, timestamp); its cases are added like the others'.
      pugi::xml_node suites = merged.append_child("testsuites");
      for (pugi::xml_attribute a : doc.child("testsuites").attributes()) suites.append_copy(a);
      merged_suite = suites.append_child("testsuite");
      for (pugi::xml_attribute a : suite.attributes()) merged_suite.append_copy(a);
    }
    const auto cases = static_cast<unsigned long long>(
        std::distance(suite.children("testcase").begin(), suite.children("testcase").end()));
    subtests += std::max(suite.attribute("tests").as_ullong(), cases) - cases;
    for (pugi::xml_node testcase : suite.children("testcase")) {
      std::pair<std::string, std::string> id{testcase.attribute("classname").as_string(),
                                             testcase.attribute("name").as_string()};
      if (!seen.insert(id).second) {
        if (IsCollectionOutcome(testcase)) continue;  // every shard reports the collection's
        return absl::FailedPreconditionError(absl::StrCat("test ", id.first, "::", id.second,
                                                          " is in more than one JUnit file (", input,
                                                          " repeats it; give each shard's file once)"));
      }
      merged_suite.append_copy(testcase);
    }
  }
  if (!merged_suite) return absl::InvalidArgumentError("no JUnit XML files to merge");

  // Counted by element, as pytest counts reports: a test with failed subtests has several <failure>s.
  unsigned long long tests = subtests, errors = 0, failures = 0, skipped = 0;
  for (pugi::xml_node testcase : merged_suite.children("testcase")) {
    ++tests;
    for (pugi::xml_node child : testcase.children()) {
      const std::string_view tag = child.name();
      errors += tag == "error";
      failures += tag == "failure";
      skipped += tag == "skipped";
    }
  }
  auto set = [&](const char* name, unsigned long long value) {
    pugi::xml_attribute a = merged_suite.attribute(name);
    if (!a) a = merged_suite.append_attribute(name);
    a = value;
  };
  set("tests", tests);
  set("errors", errors);
  set("failures", failures);
  set("skipped", skipped);
  pugi::xml_attribute time = merged_suite.attribute("time");
  if (!time) time = merged_suite.append_attribute("time");
  time = absl::StrFormat("%.3f", longest).c_str();

  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(output).parent_path(), ignored);
  if (!merged.save_file(output.c_str(), "", pugi::format_raw | pugi::format_no_declaration,
                        pugi::encoding_utf8)) {
    return absl::InvalidArgumentError("cannot write JUnit XML to " + output +
                                      " (check that its directory exists)");
  }
  return absl::OkStatus();
}

}  // namespace jackd
