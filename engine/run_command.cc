#include "engine/run_command.h"

#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <time.h>

#include <asio/signal_set.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/basetemp_lock.h"
#include "engine/collection.h"
#include "engine/coverage.h"
#include "engine/durations_store.h"
#include "engine/exit_code.h"
#include "engine/fork_server.h"
#include "engine/html_reporter.h"
#include "engine/json_reporter.h"
#include "engine/junit_reporter.h"
#include "engine/key_listener.h"
#include "engine/monotonic_clock.h"
#include "engine/prestart.h"
#include "engine/project_revision.h"
#include "engine/pytest_alone.h"
#include "engine/pytest_cache.h"
#include "engine/python_interpreter.h"
#include "engine/run_directory.h"
#include "engine/run_loop.h"
#include "engine/shard_selection.h"
#include "engine/ssh_launcher.h"
#include "engine/terminal_reporter.h"
#include "engine/thread_limits.h"
#include "engine/tls_credentials.h"
#include "engine/worker_count.h"
#include "engine/worker_launch.h"
#include "engine/worker_service.h"
#include "scheduler/expected_durations.h"
#include "scheduler/work_plan.h"

namespace jackd {
namespace {

// pytest-xdist's default for --max-worker-restart.
constexpr int kRestartsPerWorker = 4;

// How long the engine waits for worker gw0's collection before it collects itself instead (unless
// --worker-start-timeout says otherwise): far beyond the collection of any suite we know, so it only
// catches a collection that hangs in workers.
constexpr std::chrono::milliseconds kCollectorPatience{120'000};

// pytest's --collect-only (or --co) among the arguments: only a listing, no worker needed.
bool AsksForCollectOnly(const std::vector<std::string>& pytest_args) {
  for (const std::string& arg : pytest_args) {
    if (arg == "--") break;
    if (arg == "--collect-only" || arg == "--co") return true;
  }
  return false;
}

int UserError(const std::string& message, int exit_code = kExitUsageError) {
  std::fprintf(stderr, "jackd: error: %s\n", message.c_str());
  return exit_code;
}

std::string RandomHex(int bytes) {
  std::random_device device;
  std::string out;
  for (int i = 0; i < bytes; ++i) absl::StrAppendFormat(&out, "%02x", device() & 0xff);
  return out;
}

// How often the live view hears from the run loop: on a terminal a few redraws a second; workers' live
// output (-s) sooner, so it reads as live; in a log only slow tests and the progress line need it.
constexpr std::chrono::milliseconds kLiveTick{250};
constexpr std::chrono::milliseconds kStreamTick{100};
constexpr std::chrono::milliseconds kLogTick{1000};

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// What pytest's cacheprovider writes at the end of a session that ran (engine/pytest_cache.h).
void UpdatePytestCache(const Collection& collection, const RunResult& result) {
  const std::string& cache_dir = collection.settings.cache_dir;
  if (!UpdateLastFailed(cache_dir, collection, result))
    spdlog::warn("could not update pytest's last-failed cache in {}", cache_dir);
  if (!UpdateNodeIds(cache_dir, collection))
    spdlog::warn("could not update pytest's node-ID cache in {}", cache_dir);
  if (!UpdateStepwise(cache_dir, collection, result))
    spdlog::warn("could not update pytest's stepwise cache in {}", cache_dir);
}

// The line for a collection that failed. A usage error after collection errors is their doing (with
// --pyargs, a package's conftest.py that fails to import leaves "found no collectors for <the package>").
std::string CollectionFailedMessage(const Collection& collection) {
  if (!collection.usage_errors.empty()) {
    return absl::StrCat(absl::StrJoin(collection.usage_errors, "; "),
                        " (the collection errors shown above keep pytest from collecting what the "
                        "arguments name; fix them)");
  }
  const std::size_t n = collection.errors.size();
  return absl::StrCat(n, n == 1 ? " error" : " errors",
                      " during collection (fix the import errors shown above, or pass "
                      "--continue-on-collection-errors to run the tests that did collect)");
}

void ConfigureLogging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("jackd");
  logger->set_pattern("jackd %H:%M:%S.%e %^%l%$ %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
}

}  // namespace

int RunCommand(const RunOptions& options, const std::vector<std::string>& command_line) {
  const auto started = std::chrono::steady_clock::now();
  const double started_monotonic = MonotonicSeconds();
  const auto started_at = std::chrono::system_clock::now();
  ConfigureLogging(options.log_level);
  auto python = FindPython(options.python);
  if (!python.ok()) return UserError(std::string(python.status().message()));
  // --listen: checked before anything runs, so a risky listener never starts.
  std::optional<ServerAccess> remote_access;
  if (!options.listen.empty()) {
    auto access = ResolveServerAccess({.tls_cert = options.tls_cert,
                                       .tls_key = options.tls_key,
                                       .tls_client_ca = options.tls_client_ca,
                                       .token_file = options.token_file,
                                       .insecure = options.insecure},
                                      options.listen);
    if (!access.ok()) return UserError(std::string(access.status().message()));
    if (!access->warning.empty()) std::fprintf(stderr, "jackd: warning: %s\n", access->warning.c_str());
    remote_access = *std::move(access);
  }
  // -n 0 with --listen: remote workers only.
  const bool remote_only = remote_access && options.workers == "0";
  auto requested_workers = ResolveWorkerCount(options.workers, ReadCpuFacts());
  if (!requested_workers.ok()) return UserError(std::string(requested_workers.status().message()));
  auto mode = scheduler::ParseDistMode(options.dist);
  if (!mode) return UserError("unknown --dist mode '" + options.dist + "' (see 'jackd run --help')");
  auto fallback = scheduler::ParseDistMode(options.dist_fallback);
  if (!fallback) return UserError("unknown --dist-fallback mode '" + options.dist_fallback + "'");
  auto shard = ResolveShard(options.shard, options.shard_mode);
  if (!shard.ok()) return UserError(std::string(shard.status().message()));
  // --ssh: checked before collection, started once the listener is up (engine/ssh_launcher.h).
  std::optional<SshLaunch> ssh_launch;
  if (!options.ssh.hosts.empty()) {
    // The listener's token (resolved above; none without --listen, which ResolveSshLaunch reports).
    const std::string token = remote_access ? remote_access->token : std::string();
    auto launch = ResolveSshLaunch(options.ssh, options.listen, token, options.insecure,
                                   std::filesystem::current_path().string());
    if (!launch.ok()) return UserError(std::string(launch.status().message()));
    ssh_launch = std::move(*launch);
  }
  auto directory = RunDirectory::Create();
  if (!directory.ok()) return UserError(std::string(directory.status().message()), kExitInternalError);
  // --fixtures, --markers, --version, ...: nothing to distribute (engine/pytest_alone.h).
  if (AnsweredAlone(options.pytest_args))
    return RunPytestAlone(*python, options.pytest_args, directory->File("pytest.stderr"));

  // A worker that dies mid-write must not kill the engine.
  signal(SIGPIPE, SIG_IGN);
  asio::io_context io;
  ChildReaper reaper(io);
  asio::signal_set signals(io, SIGINT, SIGTERM, SIGUSR1);
  bool interrupted = false;
  RunLoop* loop = nullptr;
  std::function<void()> arm_signals = [&] {
    signals.async_wait([&](const std::error_code& error, int signal_number) {
      if (error) return;
      if (signal_number == SIGUSR1) {
        if (loop) loop->ShowActivity();
      } else {
        interrupted = true;
        if (loop) loop->Interrupt(signal_number);
      }
      arm_signals();
    });
  };
  arm_signals();

  // The shim registers the serial mark under the name the engine groups by.
  setenv("JACKD_SERIAL_MARK", options.serial_mark.c_str(), 1);
  // --count: the shim parametrizes every test, in collection and in every worker alike.
  setenv("JACKD_COUNT", std::to_string(options.count).c_str(), 1);
  // --cov needs coverage.py in the test environment; the shim's bootstrap says so before pytest starts.
  if (!options.coverage.sources.empty() && !options.coverage.no_cov)
    setenv(kNeedsModulesVariable, "coverage", 1);

  // Never more workers than asked for (`--dist no` means one); the collection may show fewer are useful.
  std::uint32_t requested = static_cast<std::uint32_t>(*requested_workers);
  if (options.max_processes > 0) requested = std::min(requested, options.max_processes);
  if (*mode == scheduler::DistMode::kNo) requested = 1;
  const std::string address = "unix:" + directory->File("engine.sock");
  RunPlan plan{*python,
               options.pytest_args,
               static_cast<int>(requested),
               address,
               directory->path(),
               RandomHex(16),
               RandomHex(16),
               0,  // set once the worker count is known
               options.timeout,
               options.session_timeout,
               options.retry_crashed,
               options.reruns,
               options.reruns_delay,
               options.detect_flaky,
               options.fail_on_flaky,
               std::chrono::milliseconds(static_cast<long>(options.worker_start_timeout * 1000)),
               directory->File("collection.pb"),
               {},
               {},
               nullptr,
               {}};
  // Before the fork server and the prestarted workers start: they get the same variables.
  if (options.thread_limits == "auto") plan.thread_pool_cpus = UsableCpus();
  plan.lazy_imports = options.collection == "lazy";
  auto coverage_json_for = [&](const std::optional<CoverageSettings>& coverage) {
    if (!coverage) return std::string();
    const std::string worker_data = coverage->keep_worker_data ? "" : directory->File("coverage");
    return CoverageSettingsJson(*coverage, worker_data, "jackd-" + plan.run_uid.substr(0, 8));
  };
  auto with_coverage = [&](RunPlan& into, const std::string& coverage_json) {
    into.worker_env.clear();
    if (!coverage_json.empty())
      into.worker_env.push_back(absl::StrCat(kCoverageEnvironment, "=", coverage_json));
  };
  // How long the fork server and the prestarted workers' collection may take before the engine does
  // without them.
  const std::chrono::milliseconds early_patience =
      plan.worker_start_timeout.count() > 0 ? plan.worker_start_timeout : kCollectorPatience;
  // The workers collect while the engine does (engine/prestart.h); not for a listing.
  std::optional<ForkServer> fork_server;
  std::optional<PrestartedWorkers> prestarted;
  if (!AsksForCollectOnly(options.pytest_args) && !remote_only) {
    if (options.worker_start == "fork") {
      // The server imports no user module, and each forked worker's environment is its request's; it
      // gets the thread-pool variables anyway, so that nothing it loads could size a pool without them.
      fork_server.emplace(*python, EnvironmentWith(ThreadPoolEnvironment(plan)),
                          directory->File("forkserver.stderr"), early_patience);
      plan.fork_server = &*fork_server;
    }
    const std::string early_coverage = coverage_json_for(ResolveCoverage(options.coverage, std::nullopt));
    RunPlan early = plan;
    early.split_collection = options.collection != "whole";
    with_coverage(early, early_coverage);
    prestarted.emplace(early, directory->File("start"), early_coverage);
  }
  // gw0 collects for the engine. If it gives no report (it hangs or fails, maybe only because it is a
  // worker), or the suite asks only for a listing, the engine's own collect process collects instead
  // and the run goes on as without prestarted workers.
  CollectionOutcome outcome = CollectionUnavailable{};
  // Prestarted workers that exited while they collected (a crash, a plugin that ends the session): the
  // run starts workers of its own instead of waiting for them.
  std::vector<pid_t> exited_collectors;
  if (prestarted && !prestarted->collectors().empty()) {
    outcome = CollectFrom(io, reaper, *python, prestarted->collectors(), interrupted, early_patience,
                          exited_collectors);
    const auto* listing = std::get_if<Collection>(&outcome);
    if (listing && listing->settings.collect_only) outcome = CollectionUnavailable{};
  }
  if (std::holds_alternative<CollectionUnavailable>(outcome)) {
    prestarted.reset();
    std::filesystem::remove(directory->File("collection.pb"));
    outcome = Collect(io, reaper, *python, options.pytest_args, directory->path(), interrupted);
  }
  if (std::holds_alternative<CollectionInterrupted>(outcome)) {
    std::fprintf(stdout, "\n!!! Interrupted: KeyboardInterrupt during collection !!!\n");
    return kExitInterrupted;
  }
  if (auto* failure = std::get_if<CollectionFailure>(&outcome)) {
    if (!failure->details.empty()) std::fputs(failure->details.c_str(), stderr);
    return UserError(failure->message, failure->exit_code);
  }
  Collection& collection = std::get<Collection>(outcome);
  if (collection.settings.debugger && !collection.settings.collect_only) {
    // pytest-xdist refuses them too: the debugger would prompt in a worker, which has no terminal.
    return UserError(
        "--pdb and --trace need a test process attached to your terminal, which jackd's workers are not "
        "(to debug a test, run it with pytest itself: pytest --pdb ...)");
  }
  const BasetempLock basetemp_lock(collection.settings.basetemp);

  TerminalStyle style = DetectTerminalStyle(stdout, collection.settings.color);
  style.slow_seconds = options.slow;
  style.progress_interval = options.progress_interval;
  TerminalReporter terminal(stdout, style);
  ReporterList files;  // written also when the run ends at collection: CI reads a broken run's JUnit too
  if (!collection.settings.junitxml_path.empty()) {
    files.Add(std::make_unique<JunitReporter>(collection.settings.junitxml_path));
  }
  if (!options.json_report.empty()) files.Add(std::make_unique<JsonReporter>(options.json_report));
  if (!options.html_report.empty()) files.Add(std::make_unique<HtmlReporter>(options.html_report));
  ReporterList reporters;
  reporters.Add(terminal);
  reporters.Add(files);

  scheduler::Policy policy;
  policy.mode = *mode;
  policy.fallback = *fallback;
  policy.exclusion.serial_mark = options.serial_mark;
  policy.exclusion.benchmarks_run_alone = !collection.settings.benchmark_disable;
  policy.exclusion.everything_runs_alone = collection.settings.benchmark_only;
  // Earlier runs' durations, so the longest work goes out first; only for runs that will run tests (no
  // .jackd/ appears for --collect-only or a broken collection).
  const bool runs_tests = !collection.settings.collect_only && !collection.items.empty() &&
                          (collection.errors.empty() || collection.settings.continue_on_collection_errors);
  // A shard only reads an existing store (see the Record call below), so it never creates one either.
  std::error_code no_store;
  const bool store_usable =
      runs_tests &&
      (!*shard ||
       std::filesystem::exists(DurationStore::FileIn(DurationStore::DirectoryIn(collection.settings.rootdir)),
                               no_store));
  RunDurations durations(store_usable ? collection.settings.rootdir : std::string());
  std::vector<double> expected = scheduler::ExpectDurations(collection.items, durations.Measured(collection));
  // A shard runs its share only; the rest is deselected. Applied before planning and before the reporters
  // see the collection, and only when tests run (a listing or a broken collection shows everything).
  if (*shard && runs_tests) expected = ApplyShard(collection, **shard, *mode, *fallback, expected);
  scheduler::WorkPlan work = scheduler::PlanWork(collection.items, policy, requested, expected);
  const std::size_t useful = std::max<std::size_t>(1, work.units.size());
  const int workers = remote_only ? 0 : static_cast<int>(std::min<std::size_t>(requested, useful));
  if (!remote_only && static_cast<std::uint32_t>(workers) != requested)
    work = scheduler::PlanWork(collection.items, policy, workers, expected);
  if (options.detect_flaky > 1) work = scheduler::RepeatPlan(std::move(work), options.detect_flaky);
  // For the header; the same rule as ThreadPoolEnvironment's, with the run's worker count.
  const ThreadLimits thread_limits =
      plan.thread_pool_cpus > 0 ? PlanThreadLimits(plan.thread_pool_cpus, workers, EngineEnvironmentValue)
                                : ThreadLimits{};
  RunContext context{.collection = &collection,
                     .command_line = command_line,
                     .workers = workers,
                     .dist = std::string(scheduler::DistModeName(*mode)),
                     .detect_flaky = options.detect_flaky,
                     .expected_seconds = expected,
                     .thread_limits = thread_limits,
                     .started_monotonic = started_monotonic,
                     .started_at = started_at};

  // Runs that end at collection: the terminal has its say already; the file reports list every test.
  auto finish_early = [&](int exit_code) {
    RunResult result;
    result.exit_code = exit_code;
    result.seconds = SecondsSince(started);
    if (collection.session_exit) {
      result.stop_reason = *collection.session_exit;
      result.session_exit = true;
    }
    TestRecord not_run;
    not_run.reason = collection.session_exit ? *collection.session_exit : "collection failed";
    result.records.assign(collection.items.size(), not_run);
    files.RunFinished(context, result);
    UpdatePytestCache(collection, result);  // as pytest: collection errors are last-failed too
    return exit_code;
  };
  if (collection.session_exit) {  // pytest.exit() in a collection hook: pytest runs nothing either
    terminal.NothingToRun(collection, SecondsSince(started));
    return finish_early(collection.pytest_exit);
  }
  if (!collection.internal_error.empty()) {  // pytest prints its INTERNALERROR and runs nothing either
    terminal.NothingToRun(collection, SecondsSince(started));
    finish_early(kExitInternalError);
    return UserError(
        "pytest stopped with an internal error while collecting (its INTERNALERROR traceback is above, "
        "and plain pytest stops the same way; a common cause is a warning in a collection hook that "
        "`filterwarnings = error` turns into an exception)",
        kExitInternalError);
  }
  if (collection.settings.collect_only) {
    terminal.CollectOnly(collection);
    if (!collection.usage_errors.empty()) return UserError(CollectionFailedMessage(collection));
    return collection.pytest_exit;
  }
  // A usage error stops pytest whatever --continue-on-collection-errors says.
  const bool usage_error = !collection.usage_errors.empty();
  if (!collection.errors.empty() && (!collection.settings.continue_on_collection_errors || usage_error)) {
    terminal.CollectionFailed(collection, SecondsSince(started));
    UserError(CollectionFailedMessage(collection));
    return finish_early(usage_error ? kExitUsageError : kExitInterrupted);
  }
  if (collection.items.empty()) {
    terminal.NothingToRun(collection, SecondsSince(started));
    // An empty shard (more shards than units) is no error: the other shards run the suite.
    return finish_early(collection.shard ? kExitOk : kExitNoTestsCollected);
  }

  plan.workers = workers;
  plan.max_worker_restarts =
      options.max_worker_restart >= 0 ? options.max_worker_restart : kRestartsPerWorker * workers;
  // Coverage asked for here or in pytest's options (pytest-cov's --cov in addopts).
  const std::optional<CoverageSettings> coverage =
      ResolveCoverage(options.coverage, collection.settings.pytest_cov);
  const std::string coverage_json = coverage_json_for(coverage);
  with_coverage(plan, coverage_json);
  if (prestarted && exited_collectors.empty() && prestarted->Fits(workers, coverage_json)) {
    plan.start_file = prestarted->start_file();
    plan.prestarted = prestarted->Release();
    // They collected a share each: each runs mostly the files it has imported.
    scheduler::PreferCollectors(work, collection.items, collection.collected_by,
                                static_cast<std::uint32_t>(workers));
  }
  plan.listening = remote_access.has_value();
  if (remote_access) {
    plan.auth_token = remote_access->token;
    plan.revision = ProjectRevision(collection.settings.rootdir);
  }
  plan.stream_output = collection.settings.LiveOutput();
  plan.tick_period = plan.stream_output ? kStreamTick : style.live ? kLiveTick : kLogTick;
  prestarted.reset();  // kills those not adopted: fewer workers are useful, or coverage changed their setup
  ProcessLauncher launcher(reaper);
  SteadyClock clock(io);
  RunLoop run(io, launcher, clock, std::move(plan), collection, std::move(work), reporters, context);
  WorkerService service(io, run);
  std::optional<RemoteListener> listener;
  if (remote_access) listener = RemoteListener{options.listen, remote_access->credentials};
  std::unique_ptr<grpc::Server> server = StartServer(address, service, listener ? &*listener : nullptr);
  if (!server) {
    return UserError(absl::StrCat("cannot listen on ", address, listener ? " or " + options.listen : "",
                                  listener ? " (is the port in use, or the address not on this host?)" : ""),
                     kExitInternalError);
  }
  // Remote workers over SSH. When none can join and there are no local workers, the run cannot go on.
  std::string ssh_failure;
  std::optional<SshLauncher> ssh;
  if (ssh_launch) {
    ssh.emplace(io, reaper, std::move(*ssh_launch), directory->path(), [&](const std::string& message) {
      // Local workers, or remote ones that joined another way, carry the run; the warnings said what failed.
      if (workers > 0 || run.RemoteWorkerJoined()) return;
      ssh_failure = message;
      run.Interrupt(SIGTERM);
    });
    if (auto started = ssh->Start(); !started.ok()) return UserError(std::string(started.message()));
  }

  reporters.RunStarted(context);
  loop = &run;
  // 't' on a terminal asks for what SIGUSR1 shows.
  KeyListener keys(io, style.live, [&run](char key) {
    if (key == 't') run.ShowActivity();
  });
  // Not by a shard: every shard of a run must plan from the same durations, so shards only read the store;
  // `jackd merge --durations-store` records. Also after an interrupt: the tests that finished count.
  const bool records_durations = !collection.shard;
  if (records_durations) {
    run.OnOutcomesFinal([&](const std::vector<TestRecord>& records) {
      durations.StartRecording(SamplesOf(collection, records));
    });
  }
  run.Start();
  if (interrupted) run.Interrupt(SIGINT);
  io.run();
  loop = nullptr;
  if (ssh) ssh->Stop();
  RunResult result = run.TakeResult();
  if (!ssh_failure.empty()) {
    result.errors.push_back({ssh_failure, ""});
    result.exit_code = kExitInternalError;
  }
  if (collection.shard) result.notes.push_back(ShardNote(*collection.shard));
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  // A run that could not go on (a worker that cannot start, say) has its error; no report on top of it.
  if (coverage && result.errors.empty())
    CombineCoverage(io, reaper, *python, coverage_json, directory->path(), *coverage, result);
  result.seconds = SecondsSince(started);
  reporters.RunFinished(context, result);
  UpdatePytestCache(collection, result);
  if (records_durations) durations.FinishRecording(collection, result.records);
  // Last, so they are the last thing a user reads.
  for (const RunResult::Error& error : result.errors) {
    std::fflush(stdout);
    UserError(error.message, result.exit_code);
    if (!error.details.empty()) std::fprintf(stderr, "%s\n", error.details.c_str());
  }
  return result.exit_code;
}

}  // namespace jackd
