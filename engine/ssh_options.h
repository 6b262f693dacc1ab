// The `jackd run --ssh*` and `--advertise` options (engine/ssh_launcher.h does the launching). A plain
// struct, so cli.h can hold it without knowing about processes.
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace jackd {

struct SshOptions {
  std::vector<std::string> hosts;        // --ssh host1,host2 (an entry may be user@host or ssh://...)
  std::string workers = "auto";          // --ssh-workers: per host; auto: the remote jackd decides
  std::string jackd = "jackd";           // --ssh-jackd: the jackd binary on the remote hosts
  std::string dir;                       // --ssh-dir; empty: the engine's current directory
  std::vector<std::string> ssh_options;  // --ssh-option OPT: `ssh -o OPT`
  std::string tls_ca;                    // --ssh-tls-ca: the remote path of the CA for --tls-ca
  std::vector<std::string> worker_args;  // --ssh-worker-arg: more arguments for the remote `jackd worker`
  std::string advertise;                 // --advertise HOST:PORT: the address remote workers dial
};

// Adds the options above to `run` (called from AddRunOptions, so they are also configuration keys).
void AddSshOptions(CLI::App& run, SshOptions& options);

}  // namespace jackd
