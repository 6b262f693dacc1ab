#include "engine/ssh_options.h"

#include <CLI/CLI.hpp>

namespace jackd {
namespace {

constexpr const char* kSshGroup = "Remote workers over SSH";

}  // namespace

void AddSshOptions(CLI::App& run, SshOptions& options) {
  run.add_option("--ssh", options.hosts,
                 "Start remote workers on these hosts over SSH (comma-separated; needs --listen): "
                 "`ssh HOST -- cd DIR && exec jackd worker --connect ADDR`, the token on ssh's stdin")
      ->group(kSshGroup)
      ->delimiter(',');
  run.add_option("--ssh-workers", options.workers,
                 "Workers per SSH host (-n of the remote `jackd worker`; auto: the remote host decides)")
      ->group(kSshGroup)
      ->check(CLI::Validator(
          [](std::string& value) {
            if (value == "auto") return std::string();
            bool digits = !value.empty() && value.size() < 6;
            for (char c : value) digits = digits && c >= '0' && c <= '9';
            return digits && std::stoi(value) > 0
                       ? std::string()
                       : "expected 'auto' or a positive number, got '" + value + "'";
          },
          "N|auto"))
      ->capture_default_str();
  run.add_option("--ssh-jackd", options.jackd, "The jackd binary on the SSH hosts")
      ->group(kSshGroup)
      ->capture_default_str();
  run.add_option("--ssh-dir", options.dir,
                 "The checkout on the SSH hosts, where their workers run (default: this directory's path, "
                 "for a shared filesystem or an identical checkout)")
      ->group(kSshGroup);
  run.add_option("--ssh-option", options.ssh_options,
                 "An ssh option for every SSH host, as `ssh -o OPT` takes it (repeatable), e.g. "
                 "Port=2222 or IdentityFile=~/.ssh/ci")
      ->group(kSshGroup);
  run.add_option("--ssh-tls-ca", options.tls_ca,
                 "Path, on the SSH hosts, of the CA certificate that signed --tls-cert (passed as the "
                 "remote worker's --tls-ca; default: the hosts' system roots)")
      ->group(kSshGroup);
  run.add_option("--ssh-worker-arg", options.worker_args,
                 "One more argument for the remote `jackd worker` (repeatable; write it with '=', e.g. "
                 "--ssh-worker-arg=--tls-cert=PEM for client certificates)")
      ->group(kSshGroup);
  run.add_option("--advertise", options.advertise,
                 "HOST:PORT that remote workers connect to, when --listen names every address (0.0.0.0 "
                 "or ::) or a NAT stands between")
      ->group(kSshGroup);
}

}  // namespace jackd
