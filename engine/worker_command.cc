#include "engine/worker_command.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/exit_code.h"
#include "engine/process.h"
#include "engine/project_revision.h"
#include "engine/python_interpreter.h"
#include "engine/run_directory.h"
#include "engine/thread_limits.h"
#include "engine/tls_credentials.h"
#include "engine/version.h"
#include "engine/worker_count.h"
#include "jackd.grpc.pb.h"

namespace jackd {
namespace {

// How long `jackd worker` may take to notice a shim's exit when its SIGCHLD went to another thread.
constexpr timespec kReapBackstop{1, 0};

namespace pb = ::jackd::v1;

// The shim's exit code when its engine stream broke or the engine refused it (jackd_shim/link.py).
constexpr int kShimLostEngine = 70;

// pytest's exit codes of a shim the engine finished normally: 0, or 1 when some of its tests failed.
bool FinishedNormally(int status) {
  return WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 1);
}

std::string Describe(int status) {
  ExitStatus exit;
  if (WIFEXITED(status)) exit.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) exit.signal = WTERMSIG(status);
  return exit.Describe();
}

int Error(const std::string& message, int exit_code) {
  std::fprintf(stderr, "jackd: error: %s\n", message.c_str());
  return exit_code;
}

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "?";
  return name;
}

// Asks the engine at --connect for `count` worker ids. The engine opens its port only after its own
// collection: wait for it (wait_for_ready), up to --join-timeout. An error is printed and its exit code
// returned.
std::variant<pb::JoinReply, int> JoinEngine(const WorkerOptions& options, const ClientAccess& access,
                                            int count) {
  auto channel = grpc::CreateCustomChannel(options.connect, access.credentials, ClientChannelArguments());
  auto stub = pb::Engine::NewStub(channel);
  grpc::ClientContext context;
  context.set_wait_for_ready(true);
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(static_cast<long>(options.join_timeout * 1000)));
  pb::JoinRequest request;
  request.set_token(access.token);
  request.set_protocol_version(kProtocolVersion);
  request.set_workers(static_cast<std::uint32_t>(count));
  request.set_host(HostName());
  request.set_revision(ProjectRevision("."));
  pb::JoinReply reply;
  const grpc::Status status = stub->Join(&context, request, &reply);
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
      status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    return Error(absl::StrCat("no engine answered at ", options.connect, " within ", options.join_timeout,
                              "s (", status.error_message(),
                              "; is 'jackd run --listen' running there, and do the TLS certificates match?)"),
                 kExitTestsFailed);
  }
  if (!status.ok()) {
    return Error(absl::StrCat("the engine at ", options.connect,
                              " refused this worker host: ", status.error_message()),
                 kExitUsageError);
  }
  return reply;
}

// What shim `id` gets over this process's environment: the engine's address and token, the run's ids and
// digest, TLS, its basetemp, the shared rewrites, the engine's own entries and the thread-pool limits.
std::vector<std::string> ShimOverrides(const WorkerOptions& options, const std::string& token,
                                       const pb::JoinReply& reply, const std::string& id,
                                       const absl::StatusOr<RunDirectory>& shared,
                                       const std::vector<std::string>& thread_limits) {
  std::vector<std::string> overrides = {
      "JACKD_ADDRESS=" + options.connect,
      "JACKD_TOKEN=" + token,
      "JACKD_WORKER_ID=" + id,
      "PYTEST_XDIST_WORKER=" + id,
      absl::StrCat("PYTEST_XDIST_WORKER_COUNT=", reply.worker_count()),
      "PYTEST_XDIST_TESTRUNUID=" + reply.run_uid(),
      "JACKD_COLLECTION_DIGEST=" + reply.digest(),
      "JACKD_STATUS_FILE=",
      "JACKD_TLS_CA=" + options.tls_ca,
      "JACKD_TLS_CERT=" + options.tls_cert,
      "JACKD_TLS_KEY=" + options.tls_key,
      absl::StrCat("JACKD_TLS=",
                   options.insecure && options.tls_ca.empty() && options.tls_cert.empty() ? 0 : 1),
  };
  if (!reply.basetemp().empty())
    overrides.push_back(absl::StrCat("JACKD_BASETEMP=", reply.basetemp(), "/popen-", id));
  if (shared.ok()) overrides.push_back(RewriteCacheVariable(shared->path()));
  overrides.insert(overrides.end(), reply.environment().begin(), reply.environment().end());
  overrides.insert(overrides.end(), thread_limits.begin(), thread_limits.end());
  return overrides;
}

// Waits for every shim to exit, passing SIGINT and SIGTERM on to them, and returns the host's exit code.
// A shim that found the engine gone (70) is fine when a sibling was finished normally: it finished its
// collection after the run had ended. Without such a sibling, the engine was lost.
int SuperviseShims(std::map<pid_t, std::string> shims, const sigset_t& handled) {
  std::vector<std::string> failed;
  std::vector<std::string> late;
  bool any_finished = false;
  while (!shims.empty()) {
    // gRPC's threads, started by the Join above, do not block these signals, and a SIGCHLD the kernel
    // hands to one of them is lost (its default action is to ignore it): so look for exited shims at
    // least every kReapBackstop too, whether a signal came or not.
    const int signal_number = sigtimedwait(&handled, nullptr, &kReapBackstop);
    if (signal_number == SIGINT || signal_number == SIGTERM) {
      for (const auto& [pid, id] : shims) SignalGroup(pid, signal_number);
      continue;
    }
    int wait_status = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &wait_status, WNOHANG)) > 0) {
      auto shim = shims.find(pid);
      if (shim == shims.end()) continue;
      SignalGroup(pid, SIGKILL);  // whatever its tests left behind goes with it
      if (FinishedNormally(wait_status)) {
        any_finished = true;
      } else if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == kShimLostEngine) {
        late.push_back(shim->second);
      } else {
        failed.push_back(absl::StrCat("worker ", shim->second, " exited with ", Describe(wait_status)));
      }
      shims.erase(shim);
    }
  }
  for (const std::string& id : late) {
    if (any_finished) {
      std::fprintf(stderr, "jackd worker: %s found the run ended when it was ready\n", id.c_str());
    } else {
      failed.push_back(absl::StrCat("worker ", id, " lost the engine or was refused (exit code ",
                                    kShimLostEngine, "; its stderr above says why)"));
    }
  }
  for (const std::string& failure : failed) std::fprintf(stderr, "jackd: error: %s\n", failure.c_str());
  return failed.empty() ? kExitOk : kExitTestsFailed;
}

}  // namespace

void AddWorkerOptions(CLI::App& worker, WorkerOptions& options) {
  worker.add_option("--connect", options.connect, "HOST:PORT of the engine's --listen")->required();
  worker.add_option("-n,--numprocesses", options.workers, "Workers to start: auto, logical, N or -N")
      ->capture_default_str();
  worker.add_option("--token-file", options.token_file,
                    "File with the engine's shared token, '-' for stdin (default: $JACKD_AUTH_TOKEN)");
  worker.add_option("--tls-ca", options.tls_ca,
                    "PEM CA that signed the engine's certificate (default: the system's roots)");
  worker.add_option("--tls-cert", options.tls_cert,
                    "PEM client certificate chain (when the engine has --tls-client-ca)");
  worker.add_option("--tls-key", options.tls_key, "PEM private key of --tls-cert");
  worker.add_flag("--insecure", options.insecure,
                  "Plain TCP without TLS (only against an engine started with --insecure)");
  worker.add_option("--python", options.python, "Interpreter that runs pytest (as for 'jackd run')");
  worker
      .add_option("--join-timeout", options.join_timeout,
                  "Seconds to wait for the engine to accept this host")
      ->capture_default_str();
}

int WorkerCommand(const WorkerOptions& options) {
  auto python = FindPython(options.python);
  if (!python.ok()) return Error(std::string(python.status().message()), kExitUsageError);
  auto count = ResolveWorkerCount(options.workers, ReadCpuFacts());
  if (!count.ok()) return Error(std::string(count.status().message()), kExitUsageError);
  auto access = ResolveClientAccess({.tls_ca = options.tls_ca,
                                     .tls_cert = options.tls_cert,
                                     .tls_key = options.tls_key,
                                     .token_file = options.token_file,
                                     .insecure = options.insecure});
  if (!access.ok()) return Error(std::string(access.status().message()), kExitUsageError);
  auto joined = JoinEngine(options, *access, *count);
  if (const int* exit_code = std::get_if<int>(&joined)) return *exit_code;
  const pb::JoinReply& reply = std::get<pb::JoinReply>(joined);

  // pytest makes each shim's <basetemp>/popen-gwN but not the run's directory above them, which exists
  // only on the engine's host.
  if (!reply.basetemp().empty()) {
    std::error_code ignored;
    std::filesystem::create_directories(reply.basetemp(), ignored);
  }
  const std::vector<std::string> pytest_args(reply.pytest_args().begin(), reply.pytest_args().end());
  // This host's shims share pytest's assertion rewrites (each collects the whole suite) in a private
  // directory that goes when they are done; without one, each rewrites on its own.
  auto shared = RunDirectory::Create();
  // Signals go to the shims; the loop below takes them synchronously, so nothing runs in a handler.
  sigset_t handled;
  sigemptyset(&handled);
  sigaddset(&handled, SIGINT);
  sigaddset(&handled, SIGTERM);
  sigaddset(&handled, SIGCHLD);
  sigprocmask(SIG_BLOCK, &handled, nullptr);
  std::map<pid_t, std::string> shims;
  // As the engine sizes its local workers' pools, with this host's CPUs and shims.
  const ThreadLimits limits =
      reply.limit_thread_pools()
          ? PlanThreadLimits(UsableCpus(), reply.worker_ids_size(), EngineEnvironmentValue)
          : ThreadLimits{};
  const std::vector<std::string> thread_limits = ThreadLimitEnvironment(limits);
  for (const std::string& id : reply.worker_ids()) {
    const std::vector<std::string> overrides =
        ShimOverrides(options, access->token, reply, id, shared, thread_limits);
    const pid_t pid =
        Spawn({ShimCommand(*python, "worker", pytest_args), EnvironmentWith(overrides), "", ""});
    if (pid < 0) {
      for (const auto& [started, name] : shims) SignalGroup(started, SIGKILL);
      return Error(absl::StrCat("cannot start worker ", id, ": ", std::strerror(errno)), kExitInternalError);
    }
    shims[pid] = id;
  }
  std::fprintf(stderr, "jackd worker: %zu workers joined the run at %s\n", shims.size(),
               options.connect.c_str());
  if (const std::string line = ThreadLimitsLine(limits); !line.empty())
    std::fprintf(stderr, "jackd worker: %s\n", line.c_str());
  return SuperviseShims(std::move(shims), handled);
}

}  // namespace jackd
