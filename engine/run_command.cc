// `jackd run` in phases: resolve the options (engine/run_config.h), start workers early and collect, plan
// the work, run it, report. Each phase is a function of its own; what they share lives in RunScope.
#include "engine/run_command.h"

#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <random>
#include <variant>

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
#include "engine/join_environment.h"
#include "engine/json_reporter.h"
#include "engine/junit_reporter.h"
#include "engine/key_listener.h"
#include "engine/monotonic_clock.h"
#include "engine/prestart.h"
#include "engine/project_revision.h"
#include "engine/pytest_alone.h"
#include "engine/pytest_cache.h"
#include "engine/run_config.h"
#include "engine/run_directory.h"
#include "engine/run_loop.h"
#include "engine/run_signals.h"
#include "engine/shard_selection.h"
#include "engine/ssh_launcher.h"
#include "engine/terminal_reporter.h"
#include "engine/thread_limits.h"
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

// How often the live view hears from the run loop: on a terminal a few redraws a second; workers' live
// output (-s) sooner, so it reads as live; in a log only slow tests and the progress line need it.
constexpr std::chrono::milliseconds kLiveTick{250};
constexpr std::chrono::milliseconds kStreamTick{100};
constexpr std::chrono::milliseconds kLogTick{1000};

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

void ConfigureLogging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("jackd");
  logger->set_pattern("jackd %H:%M:%S.%e %^%l%$ %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
}

// When `jackd run` started, on each clock the reports use.
struct RunStart {
  std::chrono::steady_clock::time_point steady = std::chrono::steady_clock::now();
  double monotonic = MonotonicSeconds();
  std::chrono::system_clock::time_point wall = std::chrono::system_clock::now();

  double SecondsSince() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - steady).count();
  }
};

// What every phase of one run shares: its configuration and directory, the event loop every child and
// signal is watched on, and the signals.
struct RunScope {
  RunScope(const RunConfig& config, const RunDirectory& directory, const RunStart& start)
      : config(config), directory(directory), start(start), reaper(io), signals(io) {}

  const RunConfig& config;
  const RunDirectory& directory;
  const RunStart& start;
  asio::io_context io;
  ChildReaper reaper;
  RunSignals signals;
};

// Workers started while the engine collects (engine/prestart.h), and the fork server that forks them and
// the run's later workers. Outlives the run loop, whose plan points at the server.
struct EarlyWorkers {
  std::optional<ForkServer> fork_server;
  std::optional<PrestartedWorkers> prestarted;
  // Prestarted workers that exited while they collected (a crash, a plugin that ends the session): the
  // run starts workers of its own instead of waiting for them.
  std::vector<pid_t> exited_collectors;
};

// ---------------------------------------------------------------------------------------------------
// The plan every worker is started from, and its environment.

RunPlan BasePlan(const RunConfig& config, const RunDirectory& directory) {
  return RunPlan{.python = config.python,
                 .pytest_args = config.pytest_args,
                 .workers = static_cast<int>(config.requested_workers),
                 .address = "unix:" + directory.File("engine.sock"),
                 .run_directory = directory.path(),
                 .token = RandomHex(16),
                 .run_uid = RandomHex(16),
                 .max_worker_restarts = 0,  // set once the worker count is known
                 .timeout = config.timeout,
                 .session_timeout = config.session_timeout,
                 .retry_crashed = config.retry_crashed,
                 .reruns = config.reruns,
                 .reruns_delay = config.reruns_delay,
                 .detect_flaky = config.detect_flaky,
                 .fail_on_flaky = config.fail_on_flaky,
                 .worker_start_timeout = config.worker_start_timeout,
                 .collection_report = directory.File("collection.pb"),
                 .lazy_imports = config.collection == CollectionMode::kLazy,
                 // Before the fork server and the prestarted workers start: they get the same variables.
                 .thread_pool_cpus = config.thread_pool_cpus};
}

// The coverage settings the workers get, as JSON; empty without coverage.
std::string CoverageJson(const std::optional<CoverageSettings>& coverage, const RunDirectory& directory,
                         const std::string& run_uid) {
  if (!coverage) return std::string();
  const std::string worker_data = coverage->keep_worker_data ? "" : directory.File("coverage");
  return CoverageSettingsJson(*coverage, worker_data, "jackd-" + run_uid.substr(0, 8));
}

// What every local worker gets over the engine's environment: the shims' variables and the coverage
// settings (RunPlan::worker_env).
std::vector<std::string> WorkerEnvironment(const RunConfig& config, const std::string& coverage_json) {
  std::vector<std::string> env = config.local_shim_environment;
  if (!coverage_json.empty()) env.push_back(absl::StrCat(kCoverageEnvironment, "=", coverage_json));
  return env;
}

// How long the fork server and the prestarted workers' collection may take before the engine does
// without them.
std::chrono::milliseconds EarlyPatience(const RunConfig& config) {
  return config.worker_start_timeout.count() > 0 ? config.worker_start_timeout : kCollectorPatience;
}

// ---------------------------------------------------------------------------------------------------
// Collect

// Starts the fork server and the workers that collect while the engine does; not for a listing, nor
// when only remote workers run tests.
void StartEarly(const RunScope& scope, RunPlan& plan, EarlyWorkers& early) {
  const RunConfig& config = scope.config;
  if (AsksForCollectOnly(config.pytest_args) || config.remote_only) return;
  if (config.worker_start == WorkerStart::kFork) {
    // The server imports no user module, and each forked worker's environment is its request's; it
    // gets the thread-pool variables anyway, so that nothing it loads could size a pool without them.
    std::vector<std::string> env = ThreadPoolEnvironment(plan);
    env.insert(env.end(), config.local_shim_environment.begin(), config.local_shim_environment.end());
    early.fork_server.emplace(config.python, EnvironmentWith(env), scope.directory.File("forkserver.stderr"),
                              EarlyPatience(config));
    plan.fork_server = &*early.fork_server;
  }
  const std::string coverage_json =
      CoverageJson(ResolveCoverage(config.coverage, std::nullopt), scope.directory, plan.run_uid);
  RunPlan prestart = plan;
  prestart.split_collection = config.collection != CollectionMode::kWhole;
  prestart.worker_env = WorkerEnvironment(config, coverage_json);
  early.prestarted.emplace(prestart, scope.directory.File("start"), coverage_json);
}

// gw0 collects for the engine. If it gives no report (it hangs or fails, maybe only because it is a
// worker), or the suite asks only for a listing, the engine's own collect process collects instead and
// the run goes on as without prestarted workers.
CollectionOutcome CollectSuite(RunScope& scope, EarlyWorkers& early) {
  const RunConfig& config = scope.config;
  CollectionOutcome outcome = CollectionUnavailable{};
  if (early.prestarted && !early.prestarted->collectors().empty()) {
    outcome = CollectFrom(scope.io, scope.reaper, config.python, early.prestarted->collectors(),
                          scope.signals.interrupted(), EarlyPatience(config), early.exited_collectors);
    const auto* listing = std::get_if<Collection>(&outcome);
    if (listing && listing->settings.collect_only) outcome = CollectionUnavailable{};
  }
  if (std::holds_alternative<CollectionUnavailable>(outcome)) {
    early.prestarted.reset();
    std::filesystem::remove(scope.directory.File("collection.pb"));
    outcome = Collect(scope.io, scope.reaper, config.python, config.pytest_args, scope.directory.path(),
                      scope.signals.interrupted(), config.local_shim_environment);
  }
  return outcome;
}

// The exit code when the collection gives nothing to go on with (interrupted, failed, or asking for a
// debugger); nullopt when it holds a Collection to run.
std::optional<int> RefuseCollection(const CollectionOutcome& outcome) {
  if (std::holds_alternative<CollectionInterrupted>(outcome)) {
    std::fprintf(stdout, "\n!!! Interrupted: KeyboardInterrupt during collection !!!\n");
    return kExitInterrupted;
  }
  if (const auto* failure = std::get_if<CollectionFailure>(&outcome)) {
    if (!failure->details.empty()) std::fputs(failure->details.c_str(), stderr);
    return UserError(failure->message, failure->exit_code);
  }
  const Collection& collection = std::get<Collection>(outcome);
  if (collection.settings.debugger && !collection.settings.collect_only) {
    // pytest-xdist refuses them too: the debugger would prompt in a worker, which has no terminal.
    return UserError(
        "--pdb and --trace need a test process attached to your terminal, which jackd's workers are not "
        "(to debug a test, run it with pytest itself: pytest --pdb ...)");
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------------
// Plan

// The terminal and the report files of one run.
struct RunReporters {
  RunReporters(const RunConfig& config, const Collection& collection);

  TerminalStyle style;
  TerminalReporter terminal;
  ReporterList files;  // written also when the run ends at collection: CI reads a broken run's JUnit too
  ReporterList all;    // the terminal, then the files
};

TerminalStyle StyleFor(const RunConfig& config, const Collection& collection) {
  TerminalStyle style = DetectTerminalStyle(stdout, collection.settings.color);
  style.slow_seconds = config.slow;
  style.progress_interval = config.progress_interval;
  return style;
}

RunReporters::RunReporters(const RunConfig& config, const Collection& collection)
    : style(StyleFor(config, collection)), terminal(stdout, style) {
  if (!collection.settings.junitxml_path.empty()) {
    files.Add(std::make_unique<JunitReporter>(collection.settings.junitxml_path));
  }
  if (!config.json_report.empty()) files.Add(std::make_unique<JsonReporter>(config.json_report));
  if (!config.html_report.empty()) files.Add(std::make_unique<HtmlReporter>(config.html_report));
  all.Add(terminal);
  all.Add(files);
}

// The work, how many local workers do it, the durations store, and what the reports are told.
struct PlannedRun {
  scheduler::WorkPlan work;
  int workers = 0;
  RunDurations durations;
  RunContext context;
};

// Earlier runs' durations, so the longest work goes out first; only for runs that will run tests (no
// .jackd/ appears for --collect-only or a broken collection).
bool RunsTests(const Collection& collection) {
  return !collection.settings.collect_only && !collection.items.empty() &&
         (collection.errors.empty() || collection.settings.continue_on_collection_errors);
}

// A shard only reads an existing store (see Execute's OnOutcomesFinal), so it never creates one either.
bool StoreUsable(const RunConfig& config, const Collection& collection) {
  if (!RunsTests(collection)) return false;
  if (!config.shard) return true;
  std::error_code no_store;
  return std::filesystem::exists(
      DurationStore::FileIn(DurationStore::DirectoryIn(collection.settings.rootdir)), no_store);
}

scheduler::Policy PolicyFor(const RunConfig& config, const Collection& collection) {
  scheduler::Policy policy;
  policy.mode = config.dist;
  policy.fallback = config.dist_fallback;
  policy.exclusion.serial_mark = config.serial_mark;
  policy.exclusion.benchmarks_run_alone = !collection.settings.benchmark_disable;
  policy.exclusion.everything_runs_alone = collection.settings.benchmark_only;
  return policy;
}

PlannedRun PlanRun(const RunScope& scope, Collection& collection,
                   const std::vector<std::string>& command_line) {
  const RunConfig& config = scope.config;
  const scheduler::Policy policy = PolicyFor(config, collection);
  RunDurations durations(StoreUsable(config, collection) ? collection.settings.rootdir : std::string());
  std::vector<double> expected = scheduler::ExpectDurations(collection.items, durations.Measured(collection));
  // A shard runs its share only; the rest is deselected. Applied before planning and before the reporters
  // see the collection, and only when tests run (a listing or a broken collection shows everything).
  if (config.shard && RunsTests(collection))
    expected = ApplyShard(collection, *config.shard, config.dist, config.dist_fallback, expected);
  const std::uint32_t requested = config.requested_workers;
  scheduler::WorkPlan work = scheduler::PlanWork(collection.items, policy, requested, expected);
  const std::size_t useful = std::max<std::size_t>(1, work.units.size());
  const int workers = config.remote_only ? 0 : static_cast<int>(std::min<std::size_t>(requested, useful));
  if (!config.remote_only && static_cast<std::uint32_t>(workers) != requested)
    work = scheduler::PlanWork(collection.items, policy, workers, expected);
  if (config.detect_flaky > 1) work = scheduler::RepeatPlan(std::move(work), config.detect_flaky);
  // For the header; the same rule as ThreadPoolEnvironment's, with the run's worker count.
  const ThreadLimits thread_limits =
      config.thread_pool_cpus > 0 ? PlanThreadLimits(config.thread_pool_cpus, workers, EngineEnvironmentValue)
                                  : ThreadLimits{};
  RunContext context{.collection = &collection,
                     .command_line = command_line,
                     .workers = workers,
                     .dist = std::string(scheduler::DistModeName(config.dist)),
                     .detect_flaky = config.detect_flaky,
                     .expected_seconds = expected,
                     .thread_limits = thread_limits,
                     .started_monotonic = scope.start.monotonic,
                     .started_at = scope.start.wall};
  return PlannedRun{std::move(work), workers, std::move(durations), std::move(context)};
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

// Runs that end at collection: the terminal has its say already; the file reports list every test.
int FinishEarly(int exit_code, const RunScope& scope, const Collection& collection, RunReporters& reporters,
                const RunContext& context) {
  RunResult result;
  result.exit_code = exit_code;
  result.seconds = scope.start.SecondsSince();
  if (collection.session_exit) {
    result.stop_reason = *collection.session_exit;
    result.session_exit = true;
  }
  TestRecord not_run;
  not_run.reason = collection.session_exit ? *collection.session_exit : "collection failed";
  result.records.assign(collection.items.size(), not_run);
  reporters.files.RunFinished(context, result);
  UpdatePytestCache(collection, result);  // as pytest: collection errors are last-failed too
  return exit_code;
}

// The exit code when the run ends with its collection: pytest.exit() in a hook, pytest's internal error,
// a listing, collection errors, nothing to run. nullopt when there are tests to run.
std::optional<int> EndAtCollection(const RunScope& scope, const Collection& collection,
                                   RunReporters& reporters, const RunContext& context) {
  TerminalReporter& terminal = reporters.terminal;
  const double seconds = scope.start.SecondsSince();
  if (collection.session_exit) {  // pytest.exit() in a collection hook: pytest runs nothing either
    terminal.NothingToRun(collection, seconds);
    return FinishEarly(collection.pytest_exit, scope, collection, reporters, context);
  }
  if (!collection.internal_error.empty()) {  // pytest prints its INTERNALERROR and runs nothing either
    terminal.NothingToRun(collection, seconds);
    FinishEarly(kExitInternalError, scope, collection, reporters, context);
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
    terminal.CollectionFailed(collection, seconds);
    UserError(CollectionFailedMessage(collection));
    return FinishEarly(usage_error ? kExitUsageError : kExitInterrupted, scope, collection, reporters,
                       context);
  }
  if (collection.items.empty()) {
    terminal.NothingToRun(collection, seconds);
    // An empty shard (more shards than units) is no error: the other shards run the suite.
    return FinishEarly(collection.shard ? kExitOk : kExitNoTestsCollected, scope, collection, reporters,
                       context);
  }
  return std::nullopt;
}

// The plan's last values, known once the collection is: the worker count, coverage, the prestarted
// workers it adopts, the remote listener's, the live view's pace.
void CompletePlan(const RunScope& scope, RunPlan& plan, const Collection& collection, PlannedRun& planned,
                  EarlyWorkers& early, const std::string& coverage_json, bool live) {
  const RunConfig& config = scope.config;
  plan.workers = planned.workers;
  plan.max_worker_restarts = config.max_worker_restart.value_or(kRestartsPerWorker * planned.workers);
  plan.worker_env = WorkerEnvironment(config, coverage_json);
  if (early.prestarted && early.exited_collectors.empty() &&
      early.prestarted->Fits(planned.workers, coverage_json)) {
    plan.start_file = early.prestarted->start_file();
    plan.prestarted = early.prestarted->Release();
    // They collected a share each: each runs mostly the files it has imported.
    scheduler::PreferCollectors(planned.work, collection.items, collection.collected_by,
                                static_cast<std::uint32_t>(planned.workers));
  }
  plan.listening = config.remote_access.has_value();
  if (config.remote_access) {
    plan.auth_token = config.remote_access->token;
    plan.revision = ProjectRevision(collection.settings.rootdir);
  }
  plan.stream_output = collection.settings.LiveOutput();
  plan.tick_period = plan.stream_output ? kStreamTick : live ? kLiveTick : kLogTick;
  early.prestarted
      .reset();  // kills those not adopted: fewer workers are useful, or coverage changed their setup
}

// ---------------------------------------------------------------------------------------------------
// Execute

// The run ended before its tests did, with this exit code; its error is printed already.
struct EndedEarly {
  int exit_code = 0;
};

// Remote workers over SSH. When none can join and there are no local workers, the run cannot go on:
// `failure` then says why, and the run is interrupted.
absl::Status StartSsh(RunScope& scope, RunLoop& run, int workers, std::optional<SshLauncher>& ssh,
                      std::string& failure) {
  if (!scope.config.ssh_launch) return absl::OkStatus();
  ssh.emplace(scope.io, scope.reaper, *scope.config.ssh_launch, scope.directory.path(),
              [&run, &failure, workers](const std::string& message) {
                // Local workers, or remote ones that joined another way, carry the run; the warnings
                // said what failed.
                if (workers > 0 || run.RemoteWorkerJoined()) return;
                failure = message;
                run.Interrupt(SIGTERM);
              });
  return ssh->Start();
}

// Runs the loop until every test has its outcome and every worker has exited.
void RunToEnd(RunScope& scope, RunLoop& run, const Collection& collection, PlannedRun& planned) {
  scope.signals.Attach(&run);
  // Not by a shard: every shard of a run must plan from the same durations, so shards only read the store;
  // `jackd merge --durations-store` records. Also after an interrupt: the tests that finished count.
  if (!collection.shard) {
    run.OnOutcomesFinal([&collection, &planned](const std::vector<TestRecord>& records) {
      planned.durations.StartRecording(SamplesOf(collection, records));
    });
  }
  run.Start();
  if (scope.signals.interrupted()) run.Interrupt(SIGINT);
  scope.io.run();
  scope.signals.Attach(nullptr);
}

// Starts the server (and the SSH hosts), runs the tests, and combines coverage while the run loop still
// lives (its cancelled timers still hold it). The result goes to the reports; an error that keeps the run
// from starting is printed and ends it.
std::variant<RunResult, EndedEarly> Execute(RunScope& scope, RunPlan plan, Collection& collection,
                                            PlannedRun& planned, RunReporters& reporters,
                                            const std::optional<CoverageSettings>& coverage,
                                            const std::string& coverage_json) {
  const RunConfig& config = scope.config;
  const std::string address = plan.address;
  ProcessLauncher launcher(scope.reaper);
  SteadyClock clock(scope.io);
  RunLoop run(scope.io, launcher, clock, std::move(plan), collection, std::move(planned.work), reporters.all,
              planned.context);
  JoinEnvironment joins(run, config.shim_environment);
  WorkerService service(scope.io, joins);
  std::optional<RemoteListener> listener;
  if (config.remote_access) listener = RemoteListener{config.listen, config.remote_access->credentials};
  std::unique_ptr<grpc::Server> server = StartServer(address, service, listener ? &*listener : nullptr);
  if (!server) {
    return EndedEarly{
        UserError(absl::StrCat("cannot listen on ", address, listener ? " or " + config.listen : "",
                               listener ? " (is the port in use, or the address not on this host?)" : ""),
                  kExitInternalError)};
  }
  std::string ssh_failure;
  std::optional<SshLauncher> ssh;
  if (auto started = StartSsh(scope, run, planned.workers, ssh, ssh_failure); !started.ok())
    return EndedEarly{UserError(std::string(started.message()))};
  reporters.all.RunStarted(planned.context);
  // 't' on a terminal asks for what SIGUSR1 shows.
  KeyListener keys(scope.io, reporters.style.live, [&run](char key) {
    if (key == 't') run.ShowActivity();
  });
  RunToEnd(scope, run, collection, planned);
  if (ssh) ssh->Stop();
  RunResult result = run.TakeResult();
  if (!ssh_failure.empty()) {
    result.errors.push_back({ssh_failure, ""});
    result.exit_code = kExitInternalError;
  }
  if (collection.shard) result.notes.push_back(ShardNote(*collection.shard));
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  // A run that could not go on (a worker that cannot start, say) has its error; no report on top of it.
  if (coverage && result.errors.empty()) {
    CombineCoverage(scope.io, scope.reaper, config.python, config.local_shim_environment, coverage_json,
                    scope.directory.path(), *coverage, result);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------
// Report

int Report(const RunScope& scope, RunResult& result, const Collection& collection, PlannedRun& planned,
           RunReporters& reporters) {
  result.seconds = scope.start.SecondsSince();
  reporters.all.RunFinished(planned.context, result);
  UpdatePytestCache(collection, result);
  if (!collection.shard) planned.durations.FinishRecording(collection, result.records);
  // Last, so they are the last thing a user reads.
  for (const RunResult::Error& error : result.errors) {
    std::fflush(stdout);
    UserError(error.message, result.exit_code);
    if (!error.details.empty()) std::fprintf(stderr, "%s\n", error.details.c_str());
  }
  return result.exit_code;
}

// Everything after the options are resolved: collect, plan, execute, report.
int RunPhases(RunScope& scope, const std::vector<std::string>& command_line) {
  const RunConfig& config = scope.config;
  RunPlan plan = BasePlan(config, scope.directory);
  EarlyWorkers early;
  StartEarly(scope, plan, early);
  CollectionOutcome outcome = CollectSuite(scope, early);
  if (auto refused = RefuseCollection(outcome)) return *refused;
  Collection& collection = std::get<Collection>(outcome);
  const BasetempLock basetemp_lock(collection.settings.basetemp);

  RunReporters reporters(config, collection);
  PlannedRun planned = PlanRun(scope, collection, command_line);
  if (auto ended = EndAtCollection(scope, collection, reporters, planned.context)) return *ended;
  // Coverage asked for here or in pytest's options (pytest-cov's --cov in addopts).
  const std::optional<CoverageSettings> coverage =
      ResolveCoverage(config.coverage, collection.settings.pytest_cov);
  const std::string coverage_json = CoverageJson(coverage, scope.directory, plan.run_uid);
  CompletePlan(scope, plan, collection, planned, early, coverage_json, reporters.style.live);

  auto executed = Execute(scope, std::move(plan), collection, planned, reporters, coverage, coverage_json);
  if (const auto* ended = std::get_if<EndedEarly>(&executed)) return ended->exit_code;
  return Report(scope, std::get<RunResult>(executed), collection, planned, reporters);
}

}  // namespace

int RunCommand(const RunOptions& options, const std::vector<std::string>& command_line) {
  const RunStart start;
  ConfigureLogging(options.log_level);
  auto config = ResolveRunConfig(options);
  if (!config.ok()) return UserError(std::string(config.status().message()));
  auto directory = RunDirectory::Create();
  if (!directory.ok()) return UserError(std::string(directory.status().message()), kExitInternalError);
  // --fixtures, --markers, --version, ...: nothing to distribute (engine/pytest_alone.h).
  if (AnsweredAlone(config->pytest_args))
    return RunPytestAlone(config->python, config->pytest_args, directory->File("pytest.stderr"));
  // A worker that dies mid-write must not kill the engine.
  signal(SIGPIPE, SIG_IGN);
  RunScope scope(*config, *directory, start);
  return RunPhases(scope, command_line);
}

}  // namespace jackd
