// Workers forked from one Python process that has already imported pytest, its built-in plugins and gRPC
// (worker_shim/jackd_shim/fork_server.py), instead of every worker starting an interpreter and importing
// them itself: about 0.35 s of CPU per worker, which N workers on fewer cores pay in wall time.
//
// A forked worker is the engine's own child, as one from Spawn is: the engine becomes a child subreaper
// (PR_SET_CHILD_SUBREAPER), the server forks each worker through an intermediate process that exits at
// once, and the orphaned worker is re-parented here. So ChildReaper, SignalGroup and PDEATHSIG treat it
// like any child. A side effect of being a subreaper: a daemon that a test leaves behind is re-parented
// to the engine rather than to init while the run lasts.
//
// When the server cannot serve (it failed to start or to import, died, or did not answer within the
// patience), it is stopped and every request falls back to Spawn, so the worker's own start reports
// whatever is wrong with the environment. The engine ignores SIGPIPE, so writing to a server that died
// fails with EPIPE instead of killing it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "engine/process.h"

namespace jackd {

class ForkServer {
 public:
  // Starts `python -c BOOTSTRAP forkserver` with `env` (any worker's environment will do: each worker
  // gets its own from its request); the server's stderr goes to `stderr_path`. It imports while the
  // engine goes on; the first Spawn waits for it, for at most `patience`.
  ForkServer(std::string python, std::vector<std::string> env, const std::string& stderr_path,
             std::chrono::milliseconds patience);
  ForkServer(const ForkServer&) = delete;
  ForkServer& operator=(const ForkServer&) = delete;
  // Kills and reaps the server. Workers it forked live on.
  ~ForkServer();

  // Starts a shim worker, `request.argv` being ShimCommand(python, "worker", ...): forked by the server
  // when it can, else with Spawn. Same contract as Spawn (engine/process.h), except that the child's
  // command line in /proc is the server's; its name (`ps -o comm`) is "jackd-gwN".
  pid_t Spawn(const SpawnRequest& request);

  // False once the server has failed and requests go to Spawn.
  bool serving() const { return pid_ > 0; }

 private:
  bool Forkable(const SpawnRequest& request) const;
  // The server's reply line, or "" when it did not answer in time or closed its end.
  std::string ReadReply();
  void Stop();

  std::string python_;
  std::chrono::milliseconds patience_;
  pid_t pid_ = -1;
  int to_server_ = -1;
  int from_server_ = -1;
  bool answered_ = false;  // the server has answered once: it is past its imports
  std::string pending_;    // bytes read past the last reply line
};

}  // namespace jackd
