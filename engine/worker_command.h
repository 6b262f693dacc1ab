// `jackd worker --connect HOST:PORT [-n N]`: a remote worker host. It joins the engine's run
// (Engine.Join, over TLS with the shared token), learns the run's worker ids, pytest arguments and
// collection digest, and starts N shims (`python -m jackd_shim worker`) in the current directory, which
// must be a checkout of the engine's revision. The shims then serve the engine as local workers do.
//
// It is an ordinary long-running process, so ssh, Kubernetes or Slurm can start it: it forwards SIGINT
// and SIGTERM to its shims, they die with it (PR_SET_PDEATHSIG), and it exits once they have all exited:
// 0 when the engine finished them normally, 1 when one failed or lost the engine, 4 on a usage error or
// when the engine refused the host (wrong token, another protocol, the run is ending). A shim that found
// the engine gone while a sibling was finished normally was merely late: the run had ended.
#pragma once

#include <cstdint>
#include <string>

namespace CLI {
class App;
}

namespace jackd {

struct WorkerOptions {
  std::string connect;  // HOST:PORT of `jackd run --listen`
  std::string workers = "auto";
  std::string token_file;  // "-": stdin; empty: JACKD_AUTH_TOKEN
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  bool insecure = false;
  std::string python;
  double join_timeout = 120;  // seconds to wait for the engine to accept the host
};

// Adds the options above to the `worker` subcommand.
void AddWorkerOptions(CLI::App& worker, WorkerOptions& options);

int WorkerCommand(const WorkerOptions& options);

}  // namespace jackd
