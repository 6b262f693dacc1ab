#include "engine/collection.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <asio/steady_timer.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "engine/exit_code.h"
#include "engine/file_contents.h"
#include "engine/proto_convert.h"
#include "engine/python_interpreter.h"
#include "engine/split_collection.h"
#include "engine/version.h"

namespace jackd {
namespace {

// pytest's own usage errors ("pytest: error: unrecognized arguments: --bogus", "ERROR: file or directory
// not found: x") become one jackd line; anything else (a broken conftest's traceback) is shown as is.
CollectionFailure UsageFailure(const std::string& stderr_text) {
  std::istringstream lines(stderr_text);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("pytest: error: ")) {
      return {kExitUsageError, "",
              absl::StrCat("pytest: ", line.substr(15),
                           " (jackd passes options it does not know to pytest; see 'jackd run --help')")};
    }
    if (line.starts_with("ERROR: ") && !line.starts_with("ERROR: usage: ")) {
      return {kExitUsageError, "", absl::StrCat(line.substr(7), " (check the arguments given to pytest)")};
    }
  }
  return {kExitUsageError, stderr_text,
          "pytest could not start with these arguments and configuration (see its message above)"};
}

// The Collection a parsed report describes, unless its shim speaks another protocol.
CollectionOutcome FromReport(const std::string& python, const pb::CollectionReport& report,
                             const std::string& stdout_path, double seconds) {
  if (report.protocol_version() != kProtocolVersion) {
    return CollectionFailure{
        kExitUsageError, "",
        absl::StrCat(python, " has jackd-shim ", report.shim_version(), " (protocol ",
                     report.protocol_version(), "), this jackd ", kVersion, " needs protocol ",
                     kProtocolVersion, " (install the matching jackd-shim)")};
  }
  Collection collection = FromProto(report);
  collection.seconds = seconds;
  if (collection.settings.collect_only) collection.collect_only_output = ReadFile(stdout_path);
  return collection;
}

// The outcome of a collection from what its process left: the report, else its exit status and output.
CollectionOutcome ReadReport(const std::string& python, const std::string& report_path,
                             const std::string& stdout_path, const std::string& stderr_path,
                             const ExitStatus& status, double seconds) {
  const std::string stderr_text = ReadFile(stderr_path);
  if (status.exit_code == kBootstrapMissingModules) {
    return CollectionFailure{kExitUsageError, "", MissingModulesMessage(python, stderr_text)};
  }
  if (status.exit_code == 127) {
    return CollectionFailure{
        kExitUsageError, "",
        absl::StrCat("cannot run ", python, " (pass a working interpreter with --python)")};
  }
  pb::CollectionReport report;
  std::ifstream in(report_path, std::ios::binary);
  if (!in || !report.ParseFromIstream(&in)) {
    if (status.exit_code == kExitUsageError) return UsageFailure(stderr_text);
    std::string details = stderr_text.empty() ? ReadFile(stdout_path) : stderr_text;
    // pytest's own exit code where it has one (3: an internal error, such as a plugin raising at import).
    const int exit_code = status.exit_code > 0 && status.exit_code <= kExitNoTestsCollected
                              ? status.exit_code
                              : kExitInternalError;
    return CollectionFailure{
        exit_code, details,
        absl::StrCat("pytest stopped before collecting (", status.Describe(),
                     "; a plugin or conftest that fails at import does this; pytest's output is above)")};
  }
  return FromReport(python, report, stdout_path, seconds);
}

}  // namespace

CollectionOutcome Collect(asio::io_context& io, ChildReaper& reaper, const std::string& python,
                          const std::vector<std::string>& pytest_args, const std::string& run_directory,
                          const bool& interrupted, const std::vector<std::string>& shim_environment) {
  const std::string report_path = run_directory + "/collection.pb";
  const std::string stdout_path = run_directory + "/collect.stdout";
  const std::string stderr_path = run_directory + "/collect.stderr";
  std::vector<std::string> args = {report_path};
  args.insert(args.end(), pytest_args.begin(), pytest_args.end());

  const auto started = std::chrono::steady_clock::now();
  std::vector<std::string> env = shim_environment;
  env.push_back(RewriteCacheVariable(run_directory));
  pid_t pid = Spawn(
      SpawnRequest{ShimCommand(python, "collect", args), EnvironmentWith(env), stdout_path, stderr_path});
  if (pid < 0) return CollectionFailure{kExitInternalError, "", "cannot start the collection process"};
  bool done = false;
  ExitStatus status;
  reaper.Watch(pid, [&](ExitStatus s) {
    status = s;
    done = true;
  });
  bool killed = false;
  while (!done && io.run_one() > 0) {
    if (interrupted && !killed) {
      SignalGroup(pid, SIGKILL);
      killed = true;
    }
  }
  io.restart();
  if (killed || interrupted) return CollectionInterrupted{};
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  return ReadReport(python, report_path, stdout_path, stderr_path, status, seconds);
}

namespace {

enum class Wait { kPending, kReady, kUnavailable };

// The prestarted collectors while the engine waits for their reports: which exited, and the reports in
// hand, each read once. gw0's report tells whether the others write one too (a split collection) or not;
// of a split collection, the shares in hand may be complete before every worker has reported
// (IncompleteShares): those still waiting for a CPU are not waited for.
struct CollectorWatch {
  explicit CollectorWatch(const std::vector<RunningCollector>& watched)
      : collectors(watched), exited(watched.size(), false), status(watched.size()), reports(watched.size()) {}
  CollectorWatch(const CollectorWatch&) = delete;  // the reaper's callbacks point into it
  CollectorWatch& operator=(const CollectorWatch&) = delete;

  const std::vector<RunningCollector>& collectors;
  std::vector<bool> exited;
  std::vector<ExitStatus> status;
  std::vector<std::optional<pb::CollectionReport>> reports;
  std::size_t needed = 1;  // the reports that make the collection: 1, or the split's shares
};

// Reads the reports that have appeared since the last look. kUnavailable when a share's is unreadable.
Wait ReadNewReports(CollectorWatch& watch) {
  for (std::size_t i = 0; i < watch.collectors.size(); ++i) {
    if (watch.reports[i] || !std::filesystem::exists(watch.collectors[i].report_path)) continue;
    std::ifstream in(watch.collectors[i].report_path, std::ios::binary);
    // gw0's unreadable report goes to ReadReport, which tells what its process left instead.
    if (!watch.reports[i].emplace().ParseFromIstream(&in)) {
      if (i > 0) return Wait::kUnavailable;
      watch.reports[i]->Clear();
    }
  }
  return Wait::kPending;
}

// Whether the reports in hand make the collection, it cannot be made, or the engine waits on.
Wait CheckReports(CollectorWatch& watch, std::chrono::steady_clock::time_point started,
                  std::chrono::milliseconds limit) {
  if (ReadNewReports(watch) == Wait::kUnavailable) return Wait::kUnavailable;
  if (watch.reports[0]) {
    watch.needed = watch.reports[0]->split_ways() > 0 ? watch.reports[0]->split_ways() : 1;
    // A share whose worker never started: the shares cannot make the whole collection.
    if (watch.needed > watch.collectors.size()) return Wait::kUnavailable;
    if (watch.needed == 1) return Wait::kReady;
    std::vector<const pb::CollectionReport*> in_hand;
    for (std::size_t i = 0; i < watch.needed; ++i) {
      if (watch.reports[i]) in_hand.push_back(&*watch.reports[i]);
    }
    if (IncompleteShares(in_hand).empty()) return Wait::kReady;
  }
  for (std::size_t i = 0; i < watch.needed; ++i) {
    if (!watch.reports[i] && watch.exited[i]) return Wait::kUnavailable;  // it exited without its report
  }
  return std::chrono::steady_clock::now() - started > limit ? Wait::kUnavailable : Wait::kPending;
}

// Polls for the reports on `io` until they decide, or `interrupted` turns true.
Wait AwaitReports(asio::io_context& io, CollectorWatch& watch, const bool& interrupted,
                  std::chrono::steady_clock::time_point started, std::chrono::milliseconds limit) {
  // Reports appear by rename, whole. Looking for them this often costs nothing next to a collection, and
  // every millisecond between the last share and the plan is one in which no worker runs a test.
  constexpr auto kReportPoll = std::chrono::milliseconds(2);
  Wait wait = Wait::kPending;
  asio::steady_timer poll(io);
  std::function<void()> arm = [&] {
    poll.expires_after(kReportPoll);
    poll.async_wait([&](const std::error_code& error) {
      if (error) return;
      wait = CheckReports(watch, started, limit);
      if (wait == Wait::kPending) arm();
    });
  };
  arm();
  while (wait == Wait::kPending && !interrupted && io.run_one() > 0) {
  }
  poll.cancel();
  io.poll();  // the cancelled wait's handler
  io.restart();
  return wait;
}

// The shares merged into one collection, written where gw0's report was.
CollectionOutcome MergedCollectionOf(const std::string& python, CollectorWatch& watch, double seconds) {
  std::vector<pb::CollectionReport> shares;
  for (std::size_t i = 0; i < watch.needed; ++i) {
    if (watch.reports[i]) shares.push_back(std::move(*watch.reports[i]));
  }
  watch.reports.clear();
  MergedCollection merged;
  std::string error;
  if (!MergeShares(shares, merged, error)) {
    spdlog::warn("cannot merge the workers' collections ({}); collecting again in one process", error);
    return CollectionUnavailable{};
  }
  shares.clear();
  // Where the whole-collection workers that join later (replacements, remote hosts) read it.
  const RunningCollector& first = watch.collectors[0];
  {
    std::ofstream out(first.report_path + ".merged", std::ios::binary);
    merged.report.SerializeToOstream(&out);
  }
  std::filesystem::rename(first.report_path + ".merged", first.report_path);
  CollectionOutcome outcome = FromReport(python, merged.report, first.stdout_path, seconds);
  if (auto* collection = std::get_if<Collection>(&outcome))
    collection->collected_by = std::move(merged.collected_by);
  return outcome;
}

}  // namespace

CollectionOutcome CollectFrom(asio::io_context& io, ChildReaper& reaper, const std::string& python,
                              const std::vector<RunningCollector>& collectors, const bool& interrupted,
                              std::chrono::milliseconds limit, std::vector<pid_t>& exited_pids) {
  if (collectors.empty()) return CollectionUnavailable{};
  const auto started = std::chrono::steady_clock::now();
  CollectorWatch watch(collectors);
  for (std::size_t i = 0; i < collectors.size(); ++i) {
    reaper.Watch(collectors[i].pid, [&watch, i](ExitStatus s) {
      watch.status[i] = s;
      watch.exited[i] = true;
    });
  }
  const Wait wait = AwaitReports(io, watch, interrupted, started, limit);
  // Those still running go on as workers; the run loop watches them then.
  for (std::size_t i = 0; i < collectors.size(); ++i) {
    if (watch.exited[i]) {
      exited_pids.push_back(collectors[i].pid);
    } else {
      reaper.Forget(collectors[i].pid);
    }
  }
  if (interrupted) return CollectionInterrupted{};
  if (wait != Wait::kReady) return CollectionUnavailable{};
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (watch.needed == 1) {
    return ReadReport(python, collectors[0].report_path, collectors[0].stdout_path, collectors[0].stderr_path,
                      watch.status[0], seconds);
  }
  return MergedCollectionOf(python, watch, seconds);
}

}  // namespace jackd
