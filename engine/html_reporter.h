// --html-report: one self-contained HTML file (inline CSS and JavaScript, nothing fetched) with the
// summary, failures and their tracebacks, the slowest and flaky tests, and a timeline with one lane per
// worker. The page is engine/html_report_template.html; the data is the JSON report (engine/json_reporter.h)
// embedded in a <script type="application/json"> element and drawn by the page's own script.
#pragma once

#include <string>

#include "engine/reporter.h"

namespace jackd {

class HtmlReporter final : public Reporter {
 public:
  explicit HtmlReporter(std::string path) : path_(std::move(path)) {}
  void RunFinished(const RunContext& context, const RunResult& result) override;

 private:
  std::string path_;
};

// The whole page for a finished run.
std::string HtmlReport(const RunContext& context, const RunResult& result);

// JSON text made safe to sit inside a <script> element: every "<" becomes the JSON escape \u003c, so no
// string in it (a test's output, say) can end the element ("</script>") or open a comment ("<!--").
// JSON has "<" only inside strings, so the value parses the same.
std::string ScriptSafeJson(const std::string& json_text);

}  // namespace jackd
