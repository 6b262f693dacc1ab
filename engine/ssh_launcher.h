// `jackd run --ssh host1,host2`: starts `jackd worker` on other hosts over SSH, so a plain list of machines
// becomes remote workers of this run without any scheduler of their own.
//
// For each host the engine runs, once its TCP listener (--listen) is up:
//
//   ssh -o BatchMode=yes [-o OPT ...] HOST -- 'cd DIR && exec JACKD worker --connect ADDR [-n N]
//       [--token-file -] [--tls-ca PEM] [--insecure] [ARG ...]'
//
// with every remote argument quoted for the remote shell (ShellQuote), and the token written to ssh's
// stdin, never onto a command line (where `ps` on either host would show it). ssh runs in its own process
// group with PR_SET_PDEATHSIG (engine/process.h), so it dies with the engine; the workers on the far side
// notice the engine's stream closing and exit.
//
// An ssh that ends in failure (255: it could not connect or log in) is one warning naming the host and
// the end of ssh's stderr; the run goes on with the other workers. Only when every ssh failed does the
// launcher call OnNoWorkers, and the run decides whether it can go on: it can with local workers, or
// with remote workers that joined before their ssh failed (RunLoop::RemoteWorkerJoined).
#pragma once

#include <sys/types.h>

#include <asio/io_context.hpp>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/process.h"
#include "engine/ssh_options.h"

namespace jackd {

// `text` as one word for a POSIX shell: unchanged when it holds only characters no shell treats specially,
// else in single quotes (a quote inside becomes '\''). The empty string is ''.
std::string ShellQuote(const std::string& text);

// The address remote workers dial: --advertise when given, else --listen, which then must name a host
// they can reach (not 0.0.0.0 or ::, which only mean "every local address").
absl::StatusOr<std::string> ConnectAddress(const std::string& listen, const std::string& advertise);

// Everything one launch needs, resolved.
struct SshLaunch {
  SshOptions options;           // hosts, remote jackd and directory (resolved), ssh -o options, ...
  std::string connect_address;  // ConnectAddress()
  std::string token;            // written to ssh's stdin; empty: none (an --insecure engine without one)
  bool insecure = false;        // the engine accepts workers without TLS: so must they
};

// Checks the --ssh* options against the rest of the run and resolves their defaults: --ssh needs
// --listen; --ssh-dir defaults to `engine_directory`; a token is needed unless `insecure`.
absl::StatusOr<SshLaunch> ResolveSshLaunch(const SshOptions& options, const std::string& listen,
                                           const std::string& token, bool insecure,
                                           const std::string& engine_directory);

// The shell command line run on the remote host (ssh hands it to the login shell there).
std::string RemoteCommand(const SshLaunch& launch);

// The complete argv of the ssh process for `host`; `ssh` is the client's path.
std::vector<std::string> SshArgv(const std::string& ssh, const SshLaunch& launch, const std::string& host);

class SshLauncher {
 public:
  // `message` says why no remote worker can join; called at most once.
  using OnNoWorkers = std::function<void(const std::string& message)>;

  // `log_directory` receives each ssh's stdout and stderr (ssh-HOST.out, ssh-HOST.err).
  SshLauncher(asio::io_context& io, ChildReaper& reaper, SshLaunch launch, std::string log_directory,
              OnNoWorkers on_no_workers);
  // Stop().
  ~SshLauncher();
  SshLauncher(const SshLauncher&) = delete;
  SshLauncher& operator=(const SshLauncher&) = delete;

  // Starts one ssh per host. Fails only when there is no ssh client to run.
  absl::Status Start();

  // Ends every ssh still running: SIGTERM to its process group, SIGKILL after a grace period. Their exits
  // are no longer warnings.
  void Stop();

 private:
  struct Connection {
    std::string host;
    pid_t pid = -1;
    std::string stderr_path;
    bool running = false;
  };

  void Ended(Connection& connection, ExitStatus status);

  asio::io_context& io_;
  ChildReaper& reaper_;
  SshLaunch launch_;
  std::string log_directory_;
  OnNoWorkers on_no_workers_;
  std::vector<Connection> connections_;
  int failed_ = 0;
  bool stopping_ = false;
};

}  // namespace jackd
