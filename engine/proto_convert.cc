#include "engine/proto_convert.h"

namespace jackd {
namespace {

std::vector<std::string> Strings(const google::protobuf::RepeatedPtrField<std::string>& field) {
  return {field.begin(), field.end()};
}

PytestSettings FromProto(const pb::PytestSettings& s) {
  PytestSettings out;
  out.verbosity = s.verbosity();
  out.maxfail = s.maxfail();
  if (!s.tb_style().empty()) out.tb_style = s.tb_style();
  out.report_chars = s.report_chars();
  out.durations = s.durations();
  out.durations_min = s.durations_min();
  out.junitxml_path = s.junitxml_path();
  if (!s.junit_suite_name().empty()) out.junit_suite_name = s.junit_suite_name();
  if (!s.color().empty()) out.color = s.color();
  out.rootdir = s.rootdir();
  out.configfile = s.configfile();
  out.plugins = Strings(s.plugins());
  out.pytest_version = s.pytest_version();
  out.python_version = s.python_version();
  out.platform = s.platform();
  out.pluggy_version = s.pluggy_version();
  out.capture_disabled = s.capture_disabled();
  out.live_logging = s.live_logging();
  out.collect_only = s.collect_only();
  out.continue_on_collection_errors = s.continue_on_collection_errors();
  out.benchmark_disable = s.benchmark_disable();
  out.benchmark_only = s.benchmark_only();
  out.cache_dir = s.cache_dir();
  out.invocation_dir = s.invocation_dir();
  out.basetemp = s.basetemp();
  out.debugger = s.debugger();
  out.stepwise_blocked = s.stepwise_blocked();
  if (s.has_pytest_cov()) {
    const pb::PytestCovOptions& cov = s.pytest_cov();
    out.pytest_cov =
        PytestCovOptions{Strings(cov.sources()),
                         Strings(cov.reports()),
                         cov.config(),
                         cov.branch(),
                         cov.has_fail_under() ? std::optional<double>(cov.fail_under()) : std::nullopt,
                         cov.no_cov()};
  }
  if (s.has_stepwise()) {
    const pb::Stepwise& sw = s.stepwise();
    out.stepwise = StepwiseSettings{sw.skip(), Strings(sw.status()), sw.last_failed(), sw.stores_test_count(),
                                    sw.test_count() >= 0 ? std::optional(sw.test_count()) : std::nullopt};
  }
  return out;
}

std::optional<Outcome> WorkerOutcome(pb::Outcome outcome) {
  switch (outcome) {
    case pb::OUTCOME_PASSED:
      return Outcome::kPassed;
    case pb::OUTCOME_FAILED:
      return Outcome::kFailed;
    case pb::OUTCOME_ERROR:
      return Outcome::kError;
    case pb::OUTCOME_SKIPPED:
      return Outcome::kSkipped;
    case pb::OUTCOME_XFAILED:
      return Outcome::kXfailed;
    case pb::OUTCOME_XPASSED:
      return Outcome::kXpassed;
    default:
      return std::nullopt;  // crashed, timeout and not run are the engine's to decide
  }
}

Phase FromProto(pb::Phase phase) {
  switch (phase) {
    case pb::PHASE_SETUP:
      return Phase::kSetup;
    case pb::PHASE_TEARDOWN:
      return Phase::kTeardown;
    default:
      return Phase::kCall;
  }
}

}  // namespace

Collection FromProto(const pb::CollectionReport& report) {
  Collection out;
  out.items.reserve(report.items_size());
  for (const auto& item : report.items()) {
    scheduler::TestItem& test = out.items.emplace_back();
    test.node_id = item.node_id();
    test.file = item.file();
    test.class_chain = Strings(item.class_chain());
    test.xdist_group = item.xdist_group();
    test.marks = Strings(item.marks());
    test.fixtures = Strings(item.fixtures());
    out.timeouts.push_back(item.timeout_seconds());
    out.flaky.push_back(item.has_reruns()
                            ? std::optional<FlakyMark>(FlakyMark{item.reruns(), item.reruns_delay()})
                            : std::nullopt);
    if (item.has_limit())
      test.limit = scheduler::ConcurrencyLimit{item.limit().pool(), item.limit().max_running()};
  }
  for (const auto& error : report.errors())
    out.errors.push_back({error.node_id(), error.longrepr(), error.summary()});
  for (const auto& skip : report.skips())
    out.skips.push_back({skip.node_id(), skip.reason(), skip.location(), skip.longrepr()});
  out.deselected = report.deselected();
  for (const auto& warning : report.warnings())
    out.warnings.push_back({warning.message(), warning.location()});
  out.settings = FromProto(report.settings());
  out.digest = report.digest();
  out.pytest_exit = report.pytest_exit();
  out.internal_error = report.internal_error();
  out.usage_errors.assign(report.usage_errors().begin(), report.usage_errors().end());
  if (report.has_session_exit()) {
    out.session_exit = SessionExitLine(report.session_exit().reason());
    out.pytest_exit = report.session_exit().returncode();
  }
  return out;
}

std::optional<TestRecord> FromProto(const pb::TestResult& result, const std::string& worker) {
  auto outcome = WorkerOutcome(result.outcome());
  if (!outcome) return std::nullopt;
  TestRecord record;
  record.outcome = *outcome;
  record.worker = worker;
  record.setup_seconds = result.setup_seconds();
  record.call_seconds = result.call_seconds();
  record.teardown_seconds = result.teardown_seconds();
  record.started = result.started();
  record.finished = result.finished();
  record.reason = result.reason();
  record.skip_location = result.skip_location();
  record.xfailed_in = FromProto(result.xfailed_in());
  record.head_line = result.head_line();
  record.warnings = Strings(result.warnings());
  for (const pb::UserProperty& property : result.user_properties())
    record.user_properties.emplace_back(property.name(), property.value());
  for (const auto& report : result.reports()) {
    PhaseReport phase{FromProto(report.when()), report.longrepr(),  report.summary(), {},
                      report.crash_line(),      report.head_line(), report.subtest()};
    for (const auto& section : report.sections())
      phase.sections.emplace_back(section.title(), section.content());
    record.reports.push_back(std::move(phase));
  }
  for (const pb::SubtestStatus& status : result.subtests()) {
    record.subtests.push_back({status.category(), status.letter(), status.word(), status.message(),
                               status.skip_location(),
                               WorkerOutcome(status.outcome()).value_or(Outcome::kPassed), status.title()});
  }
  return record;
}

pb::EngineMessage RunBatchMessage(const scheduler::Assignment& assignment,
                                  const scheduler::Inventory& inventory) {
  pb::EngineMessage message;
  pb::RunBatch* run = message.mutable_run();
  run->set_report_at(assignment.report_at);
  run->mutable_tests()->Reserve(static_cast<int>(assignment.tests.size()));
  for (scheduler::TestIndex index : assignment.tests) {
    pb::TestRef* ref = run->add_tests();
    ref->set_index(index);
    ref->set_node_id(inventory[index].node_id);
  }
  return message;
}

pb::EngineMessage FinishMessage() {
  pb::EngineMessage message;
  message.mutable_finish();
  return message;
}

pb::EngineMessage StopMessage() {
  pb::EngineMessage message;
  message.mutable_stop();
  return message;
}

}  // namespace jackd
