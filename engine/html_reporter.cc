#include "engine/html_reporter.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string_view>

#include "engine/html_report_template.h"  // generated from engine/html_report_template.html
#include "engine/json_reporter.h"

namespace jackd {
namespace {

// Where the template takes the run's data; it occurs once, inside the data <script> element.
constexpr std::string_view kDataPlaceholder = "@JACKD_REPORT_DATA@";
static_assert(std::string_view(kHtmlReportTemplate).find(kDataPlaceholder) != std::string_view::npos,
              "engine/html_report_template.html lost its data placeholder");

}  // namespace

std::string ScriptSafeJson(const std::string& json_text) {
  std::string out;
  out.reserve(json_text.size() + json_text.size() / 64);
  for (char c : json_text) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

std::string HtmlReport(const RunContext& context, const RunResult& result) {
  // Compact: the file is read by a script, and a 10,000-test run stays a few megabytes.
  const std::string data = ScriptSafeJson(
      JsonReport(context, result).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  const std::string_view page = kHtmlReportTemplate;
  const std::size_t at = page.find(kDataPlaceholder);
  std::string out;
  out.reserve(page.size() + data.size());
  out.append(page.substr(0, at));
  out.append(data);
  out.append(page.substr(at + kDataPlaceholder.size()));
  return out;
}

void HtmlReporter::RunFinished(const RunContext& context, const RunResult& result) {
  const std::string page = HtmlReport(context, result);
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ignored);
  std::ofstream out(path_, std::ios::binary);
  out << page;
  if (!out) std::fprintf(stderr, "jackd: error: cannot write the HTML report to %s\n", path_.c_str());
}

}  // namespace jackd
