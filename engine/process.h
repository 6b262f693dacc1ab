// Child processes: spawned in a process group of their own, so the engine can signal a worker together
// with everything it started, and reaped through SIGCHLD on the run loop's io_context.
#pragma once

#include <sys/types.h>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace jackd {

struct SpawnRequest {
  std::vector<std::string> argv;
  // Complete environment of the child, "NAME=value".
  std::vector<std::string> env;
  std::string stdout_path;  // created or truncated; empty: the parent's stdout
  std::string stderr_path;  // empty: the parent's stderr
};

// How a child ended, as waitpid reported it.
struct ExitStatus {
  int exit_code = -1;  // >= 0 when it exited normally; -1 with no signal: unknown (reaped elsewhere)
  int signal = 0;      // > 0 when a signal killed it

  bool Success() const { return exit_code == 0; }
  // "exit code 3" or "signal 11 (SIGSEGV)".
  std::string Describe() const;
};

// Starts `request` as the leader of a new process group (pgid == pid). The child also gets
// PR_SET_PDEATHSIG=SIGKILL, so it dies with the engine even when the engine is killed outright.
// Returns the pid, or -1 with errno set when fork (or the stdin pipe) failed. An exec failure shows up as
// exit 127. The child's stdin is /dev/null.
pid_t Spawn(const SpawnRequest& request);

// As Spawn, but the child's stdin is a pipe that carries exactly `input` and then ends: a secret for the
// child, which must not go on its command line where `ps` shows it. `input` must fit in a pipe buffer
// (64 KiB on Linux), as it is written before this returns.
pid_t SpawnWithInput(const SpawnRequest& request, const std::string& input);

// As Spawn, but the child's stdin and stdout are pipes (its stderr still follows the request): the
// engine's ends, close-on-exec, are returned in `to_child` and `from_child`. For a child that answers
// requests (engine/fork_server.h).
pid_t SpawnConnected(const SpawnRequest& request, int& to_child, int& from_child);

// Writes all of `data` to `fd` (a pipe to a child), retrying after signals. False when the other end
// is gone (EPIPE: the engine ignores SIGPIPE) or another error stopped it.
bool WriteAll(int fd, const std::string& data);

// Sends `signal` to the whole process group led by `pid`. Harmless if it is already gone.
void SignalGroup(pid_t pid, int signal);

// The current environment plus `overrides` ("NAME=value"; later entries win).
std::vector<std::string> EnvironmentWith(const std::vector<std::string>& overrides);

// Reaps children on SIGCHLD and reports each exit to the callback registered for its pid. Exits of
// unregistered pids (grandchildren re-parented to us, say) are reaped and ignored. A watched pid that no
// longer exists and is not ours to reap (its exit was collected elsewhere) is reported within about a
// second, with an unknown ExitStatus, rather than waited for forever.
class ChildReaper {
 public:
  using OnExit = std::function<void(ExitStatus)>;

  explicit ChildReaper(asio::io_context& io);

  // Registers (or replaces) the callback for `pid`.
  void Watch(pid_t pid, OnExit on_exit);
  // Drops the callback for `pid`; its exit is then reaped by whoever watches it next.
  void Forget(pid_t pid) { watched_.erase(pid); }

 private:
  void Arm();
  void ArmPoll();
  void ReapAll();

  asio::signal_set sigchld_;
  asio::steady_timer poll_;
  std::map<pid_t, OnExit> watched_;
};

}  // namespace jackd
