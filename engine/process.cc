#include "engine/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace jackd {

std::string ExitStatus::Describe() const {
  if (signal > 0) {
    const char* name = sigabbrev_np(signal);
    return "signal " + std::to_string(signal) + (name ? std::string(" (SIG") + name + ")" : "");
  }
  if (exit_code < 0) return "an unknown exit status";
  return "exit code " + std::to_string(exit_code);
}

namespace {

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

ExitStatus FromWaitStatus(int status) {
  ExitStatus out;
  if (WIFEXITED(status)) out.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) out.signal = WTERMSIG(status);
  return out;
}

// The engine's ends of a child's stdin and stdout pipes (SpawnConnected).
struct Connection {
  int to_child = -1;
  int from_child = -1;
};

// `input_data`: what the child reads on stdin (a pipe), or null. `connection`: when not null, the child's
// stdin and stdout are pipes whose other ends it receives. Neither: stdin is /dev/null.
pid_t SpawnWith(const SpawnRequest& request, const std::string* input_data, Connection* connection) {
  // Everything the child needs is prepared before fork: after fork in a multi-threaded process only
  // async-signal-safe calls are allowed until exec.
  std::vector<char*> argv = CStrings(request.argv);
  std::vector<char*> envp = CStrings(request.env);
  // O_CLOEXEC: children spawned by other threads meanwhile must not inherit the engine's ends, or the
  // reader would never see the end of its input.
  int input[2] = {-1, -1};
  int output[2] = {-1, -1};
  if ((input_data || connection) && pipe2(input, O_CLOEXEC) != 0) return -1;
  if (connection && pipe2(output, O_CLOEXEC) != 0) {
    close(input[0]);
    close(input[1]);
    return -1;
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid != 0) {
    if (pid > 0) setpgid(pid, pid);  // also done in the child; whichever runs first wins the race
    if (input[0] >= 0) close(input[0]);
    if (output[1] >= 0) close(output[1]);
    if (connection && pid > 0) {
      connection->to_child = input[1];
      connection->from_child = output[0];
      return pid;
    }
    // A child that exits without reading its input makes the write fail: it has gone, and its exit
    // status tells the story.
    if (input_data && pid > 0) WriteAll(input[1], *input_data);
    if (input[1] >= 0) close(input[1]);
    if (output[0] >= 0) close(output[0]);
    return pid;
  }
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);  // the engine died before prctl took effect
  // Undo the engine's signal dispositions: children start with default handlers and nothing blocked.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  signal(SIGPIPE, SIG_DFL);
  int in = input[0] >= 0 ? input[0] : open("/dev/null", O_RDONLY | O_CLOEXEC);
  // An empty path keeps the parent's descriptor (`jackd worker`'s shims write to its own output).
  auto open_output = [](const std::string& path, int inherited) {
    return path.empty() ? inherited : open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  };
  int out = output[1] >= 0 ? output[1] : open_output(request.stdout_path, 1);
  int err = open_output(request.stderr_path, 2);
  if (in < 0 || out < 0 || err < 0) _exit(127);
  dup2(in, 0);
  if (out != 1) dup2(out, 1);
  if (err != 2) dup2(err, 2);
  execve(argv[0], argv.data(), envp.data());
  _exit(127);
}

}  // namespace

bool WriteAll(int fd, const std::string& data) {
  std::size_t written = 0;
  while (written < data.size()) {
    const ssize_t n = write(fd, data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    written += static_cast<std::size_t>(n);
  }
  return true;
}

pid_t Spawn(const SpawnRequest& request) { return SpawnWith(request, nullptr, nullptr); }

pid_t SpawnWithInput(const SpawnRequest& request, const std::string& input) {
  return SpawnWith(request, &input, nullptr);
}

pid_t SpawnConnected(const SpawnRequest& request, int& to_child, int& from_child) {
  Connection connection;
  const pid_t pid = SpawnWith(request, nullptr, &connection);
  to_child = connection.to_child;
  from_child = connection.from_child;
  return pid;
}

void SignalGroup(pid_t pid, int signal) {
  if (pid > 0) kill(-pid, signal);
}

std::vector<std::string> EnvironmentWith(const std::vector<std::string>& overrides) {
  std::map<std::string, std::string> vars;
  std::vector<std::string> order;
  auto put = [&](const std::string& entry) {
    auto eq = entry.find('=');
    if (eq == std::string::npos) return;
    std::string name = entry.substr(0, eq);
    if (!vars.count(name)) order.push_back(name);
    vars[name] = entry;
  };
  for (char** e = environ; *e; ++e) put(*e);
  for (const auto& entry : overrides) put(entry);
  std::vector<std::string> env;
  env.reserve(order.size());
  for (const auto& name : order) env.push_back(vars[name]);
  return env;
}

ChildReaper::ChildReaper(asio::io_context& io) : sigchld_(io, SIGCHLD), poll_(io) {
  Arm();
  ArmPoll();
}

void ChildReaper::Watch(pid_t pid, OnExit on_exit) {
  watched_[pid] = std::move(on_exit);
  // The child may have exited before we started watching it.
  ReapAll();
}

void ChildReaper::Arm() {
  sigchld_.async_wait([this](const std::error_code& error, int) {
    if (error) return;
    ReapAll();
    Arm();
  });
}

// A backstop for SIGCHLD: should a signal ever go astray, a dead worker is still noticed within a
// second, so a run cannot hang waiting for an exit it missed.
void ChildReaper::ArmPoll() {
  poll_.expires_after(std::chrono::seconds(1));
  poll_.async_wait([this](const std::error_code& error) {
    if (error) return;
    ReapAll();
    ArmPoll();
  });
}

void ChildReaper::ReapAll() {
  // Collect first, call back after: a callback may Watch a replacement child.
  std::vector<std::pair<OnExit, ExitStatus>> exited;
  for (auto it = watched_.begin(); it != watched_.end();) {
    int status = 0;
    const pid_t reaped = waitpid(it->first, &status, WNOHANG);
    if (reaped == it->first) {
      exited.emplace_back(std::move(it->second), FromWaitStatus(status));
      it = watched_.erase(it);
    } else if (reaped < 0 && errno == ECHILD && kill(it->first, 0) != 0 && errno == ESRCH) {
      // Not our child and gone altogether: its exit was collected before anyone watched it here (a
      // forked worker not yet re-parented to us still exists). Waiting on would wait forever.
      exited.emplace_back(std::move(it->second), ExitStatus{});
      it = watched_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& [on_exit, status] : exited) on_exit(status);
}

}  // namespace jackd
