#include "engine/ssh_launcher.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <asio/post.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace jackd {
namespace {

// How long an ssh gets to end after SIGTERM at the end of the run before SIGKILL: it only has to close
// its connection, which takes a round trip.
constexpr std::chrono::milliseconds kStopGrace{2000};
constexpr std::chrono::milliseconds kStopPoll{20};
// How much of ssh's stderr a warning quotes: its last lines say why it failed; the rest is in the file.
constexpr std::size_t kExcerptLines = 3;
constexpr std::size_t kExcerptChars = 400;

bool IsShellSafe(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("@%+=:,./-_").find(c) != std::string_view::npos;
}

// "host:port" or "[v6]:port" split in two; the host keeps no brackets.
bool SplitHostPort(const std::string& address, std::string& host, std::string& port) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size()) return false;
  host = address.substr(0, colon);
  port = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  for (char c : port) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool IsWildcard(const std::string& host) {
  return host.empty() || host == "0.0.0.0" || host == "::" || host == "*" || host == "0:0:0:0:0:0:0:0";
}

std::string FindOnPath(const std::string& name) {
  const char* path = getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// A file name for the host's logs: user@host:22 becomes user_host_22.
std::string FileSafe(const std::string& host) {
  std::string out;
  for (char c : host) out.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '.' ? c : '_');
  return out;
}

// The last few non-empty lines of `path`, joined by " | ", bounded in length.
std::string StderrExcerpt(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) lines.push_back(line);
  }
  if (lines.size() > kExcerptLines) lines.erase(lines.begin(), lines.end() - kExcerptLines);
  std::string excerpt = absl::StrJoin(lines, " | ");
  if (excerpt.size() > kExcerptChars) excerpt = "..." + excerpt.substr(excerpt.size() - kExcerptChars);
  return excerpt.empty() ? "no output on stderr" : excerpt;
}

}  // namespace

std::string ShellQuote(const std::string& text) {
  if (!text.empty() && std::all_of(text.begin(), text.end(), IsShellSafe)) return text;
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

absl::StatusOr<std::string> ConnectAddress(const std::string& listen, const std::string& advertise) {
  std::string host, port;
  if (!advertise.empty()) {
    if (!SplitHostPort(advertise, host, port) || IsWildcard(host))
      return absl::InvalidArgumentError("--advertise '" + advertise +
                                        "' is no address to connect to (give HOST:PORT, e.g. build1:7000)");
    return advertise;
  }
  if (!SplitHostPort(listen, host, port))
    return absl::InvalidArgumentError("--listen '" + listen + "' is not HOST:PORT");
  if (IsWildcard(host))
    return absl::InvalidArgumentError(
        "--listen " + listen +
        " names every local address, which a remote host cannot connect to (give --advertise HOST:PORT, "
        "the address the SSH hosts reach this engine at)");
  return listen;
}

absl::StatusOr<SshLaunch> ResolveSshLaunch(const SshOptions& options, const std::string& listen,
                                           const std::string& token, bool insecure,
                                           const std::string& engine_directory) {
  for (const std::string& host : options.hosts) {
    if (host.empty())
      return absl::InvalidArgumentError("--ssh has an empty host name (hosts are host1,host2)");
  }
  if (listen.empty())
    return absl::InvalidArgumentError(
        "--ssh needs --listen HOST:PORT (the TCP address the remote workers connect to)");
  auto address = ConnectAddress(listen, options.advertise);
  if (!address.ok()) return address.status();
  if (token.empty() && !insecure)
    return absl::InvalidArgumentError(
        "--ssh needs the token the remote workers present (--token-file or JACKD_AUTH_TOKEN), or --insecure");
  SshLaunch launch{options, *address, token, insecure};
  if (launch.options.dir.empty()) launch.options.dir = engine_directory;
  return launch;
}

std::string RemoteCommand(const SshLaunch& launch) {
  const SshOptions& o = launch.options;
  std::vector<std::string> words = {o.jackd, "worker", "--connect", launch.connect_address};
  if (o.workers != "auto") words.insert(words.end(), {"-n", o.workers});
  if (!launch.token.empty()) words.insert(words.end(), {"--token-file", "-"});
  if (!o.tls_ca.empty()) words.insert(words.end(), {"--tls-ca", o.tls_ca});
  if (launch.insecure) words.push_back("--insecure");
  words.insert(words.end(), o.worker_args.begin(), o.worker_args.end());
  std::string command = "cd " + ShellQuote(o.dir) + " && exec";
  for (const std::string& word : words) absl::StrAppend(&command, " ", ShellQuote(word));
  return command;
}

std::vector<std::string> SshArgv(const std::string& ssh, const SshLaunch& launch, const std::string& host) {
  // BatchMode: never ask for a password or a host key confirmation; there is nobody to answer.
  std::vector<std::string> argv = {ssh, "-o", "BatchMode=yes"};
  for (const std::string& option : launch.options.ssh_options) argv.insert(argv.end(), {"-o", option});
  // "--" ends ssh's options, so a host name cannot pass for one.
  argv.insert(argv.end(), {host, "--", RemoteCommand(launch)});
  return argv;
}

SshLauncher::SshLauncher(asio::io_context& io, ChildReaper& reaper, SshLaunch launch,
                         std::string log_directory, OnNoWorkers on_no_workers)
    : io_(io),
      reaper_(reaper),
      launch_(std::move(launch)),
      log_directory_(std::move(log_directory)),
      on_no_workers_(std::move(on_no_workers)) {}

SshLauncher::~SshLauncher() { Stop(); }

absl::Status SshLauncher::Start() {
  const std::string ssh = FindOnPath("ssh");
  if (ssh.empty())
    return absl::FailedPreconditionError("--ssh needs the ssh client on PATH (install openssh-client)");
  // A vector that never grows after this, so the callbacks' references stay valid.
  connections_.resize(launch_.options.hosts.size());
  for (std::size_t i = 0; i < connections_.size(); ++i) {
    Connection& connection = connections_[i];
    connection.host = launch_.options.hosts[i];
    const std::string base = absl::StrCat(log_directory_, "/ssh-", i, "-", FileSafe(connection.host));
    connection.stderr_path = base + ".err";
    SpawnRequest request{SshArgv(ssh, launch_, connection.host), EnvironmentWith({}), base + ".out",
                         connection.stderr_path};
    // The remote worker reads it with --token-file -: one line.
    spdlog::info("ssh to {}: {}", connection.host, absl::StrJoin(request.argv, " "));
    connection.pid = launch_.token.empty() ? Spawn(request) : SpawnWithInput(request, launch_.token + "\n");
    if (connection.pid < 0) {
      Ended(connection, ExitStatus{.exit_code = 127});
      continue;
    }
    connection.running = true;
    reaper_.Watch(connection.pid, [this, &connection](ExitStatus status) { Ended(connection, status); });
  }
  return absl::OkStatus();
}

void SshLauncher::Ended(Connection& connection, ExitStatus status) {
  connection.running = false;
  if (stopping_) return;
  if (status.Success()) {
    spdlog::info("ssh to {} ended: its workers are done", connection.host);
    return;
  }
  ++failed_;
  spdlog::warn("ssh to {} failed ({}): {}", connection.host, status.Describe(),
               StderrExcerpt(connection.stderr_path));
  if (failed_ == static_cast<int>(connections_.size()) && on_no_workers_) {
    auto callback = std::move(on_no_workers_);
    on_no_workers_ = nullptr;
    // Posted: the callback may stop the run, which must not happen inside the reaper's loop.
    asio::post(io_, [callback, n = connections_.size()] {
      callback(absl::StrCat("no remote worker could join: ssh failed on ",
                            n == 1 ? "the only host" : "every host", " (see the warnings above)"));
    });
  }
}

void SshLauncher::Stop() {
  stopping_ = true;
  std::vector<pid_t> running;
  for (Connection& connection : connections_) {
    if (!connection.running) continue;
    reaper_.Forget(connection.pid);
    SignalGroup(connection.pid, SIGTERM);
    running.push_back(connection.pid);
    connection.running = false;
  }
  const auto deadline = std::chrono::steady_clock::now() + kStopGrace;
  for (pid_t pid : running) {
    int status = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() >= deadline) {
        SignalGroup(pid, SIGKILL);
        waitpid(pid, &status, 0);
        break;
      }
      std::this_thread::sleep_for(kStopPoll);
    }
  }
}

}  // namespace jackd
