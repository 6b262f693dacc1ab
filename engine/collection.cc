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

CollectionOutcome CollectFrom(asio::io_context& io, ChildReaper& reaper, const std::string& python,
                              const std::vector<RunningCollector>& collectors, const bool& interrupted,
                              std::chrono::milliseconds limit, std::vector<pid_t>& exited_pids) {
  if (collectors.empty()) return CollectionUnavailable{};
  const auto started = std::chrono::steady_clock::now();
  const std::size_t n = collectors.size();
  std::vector<bool> exited(n, false);
  std::vector<ExitStatus> status(n);
  for (std::size_t i = 0; i < n; ++i) {
    reaper.Watch(collectors[i].pid, [&, i](ExitStatus s) {
      status[i] = s;
      exited[i] = true;
    });
  }
  // The reports in hand, by collector, each read once. gw0's tells whether the others write one too (a
  // split collection) or not; of a split collection, the shares in hand may be complete before every
  // worker has reported (IncompleteShares): those still waiting for a CPU are not waited for.
  std::vector<std::optional<pb::CollectionReport>> reports(n);
  std::size_t needed = 1;
  enum class Wait { kPending, kReady, kUnavailable } wait = Wait::kPending;
  auto check = [&] {
    for (std::size_t i = 0; i < n; ++i) {
      if (reports[i] || !std::filesystem::exists(collectors[i].report_path)) continue;
      std::ifstream in(collectors[i].report_path, std::ios::binary);
      // gw0's unreadable report goes to ReadReport, which tells what its process left instead.
      if (!reports[i].emplace().ParseFromIstream(&in)) {
        if (i > 0) return Wait::kUnavailable;
        reports[i]->Clear();
      }
    }
    if (reports[0]) {
      needed = reports[0]->split_ways() > 0 ? reports[0]->split_ways() : 1;
      // A share whose worker never started: the shares cannot make the whole collection.
      if (needed > n) return Wait::kUnavailable;
      if (needed == 1) return Wait::kReady;
      std::vector<const pb::CollectionReport*> in_hand;
      for (std::size_t i = 0; i < needed; ++i) {
        if (reports[i]) in_hand.push_back(&*reports[i]);
      }
      if (IncompleteShares(in_hand).empty()) return Wait::kReady;
    }
    for (std::size_t i = 0; i < needed; ++i) {
      if (!reports[i] && exited[i]) return Wait::kUnavailable;  // it exited without its report
    }
    return std::chrono::steady_clock::now() - started > limit ? Wait::kUnavailable : Wait::kPending;
  };
  // Reports appear by rename, whole. Looking for them this often costs nothing next to a collection, and
  // every millisecond between the last share and the plan is one in which no worker runs a test.
  constexpr auto kReportPoll = std::chrono::milliseconds(2);
  asio::steady_timer poll(io);
  std::function<void()> arm = [&] {
    poll.expires_after(kReportPoll);
    poll.async_wait([&](const std::error_code& error) {
      if (error) return;
      wait = check();
      if (wait == Wait::kPending) arm();
    });
  };
  arm();
  while (wait == Wait::kPending && !interrupted && io.run_one() > 0) {
  }
  poll.cancel();
  io.poll();  // the cancelled wait's handler
  io.restart();
  // Those still running go on as workers; the run loop watches them then.
  for (std::size_t i = 0; i < n; ++i) {
    if (exited[i]) {
      exited_pids.push_back(collectors[i].pid);
    } else {
      reaper.Forget(collectors[i].pid);
    }
  }
  if (interrupted) return CollectionInterrupted{};
  if (wait != Wait::kReady) return CollectionUnavailable{};
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (needed == 1) {
    return ReadReport(python, collectors[0].report_path, collectors[0].stdout_path, collectors[0].stderr_path,
                      status[0], seconds);
  }
  std::vector<pb::CollectionReport> shares;
  for (std::size_t i = 0; i < needed; ++i) {
    if (reports[i]) shares.push_back(std::move(*reports[i]));
  }
  reports.clear();
  MergedCollection merged;
  std::string error;
  if (!MergeShares(shares, merged, error)) {
    spdlog::warn("cannot merge the workers' collections ({}); collecting again in one process", error);
    return CollectionUnavailable{};
  }
  shares.clear();
  // Where the whole-collection workers that join later (replacements, remote hosts) read it.
  {
    std::ofstream out(collectors[0].report_path + ".merged", std::ios::binary);
    merged.report.SerializeToOstream(&out);
  }
  std::filesystem::rename(collectors[0].report_path + ".merged", collectors[0].report_path);
  CollectionOutcome outcome = FromReport(python, merged.report, collectors[0].stdout_path, seconds);
  if (auto* collection = std::get_if<Collection>(&outcome))
    collection->collected_by = std::move(merged.collected_by);
  return outcome;
}

}  // namespace jackd
