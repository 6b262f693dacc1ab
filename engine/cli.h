// The command line: `jackd run [jackd options] [pytest args]`, `jackd config [jackd options]`,
// `jackd durations [options]`, `jackd --version [--python PATH]`, `jackd --help`.
// Run options the command line does not give come from jackd.toml or pyproject.toml [tool.jackd]
// (engine/config_file.h, engine/option_sources.h), then from RunOptions' defaults.
// jackd's own options are parsed here; every other argument is pytest's and passes through unchanged,
// in order, to collection and to every worker.
#pragma once

#include <string>
#include <variant>

#include "engine/durations_command.h"
#include "engine/merge_command.h"
#include "engine/run_options.h"
#include "engine/worker_command.h"

namespace jackd {

// `jackd --version`: report on this interpreter (empty: find one as `jackd run` does).
struct VersionRequest {
  std::string python;
};

// `jackd config`: the effective configuration, ready to print.
struct ConfigReport {
  std::string text;
};

// Parsing ended the command (help printed, or a usage error reported); exit with this code.
struct EarlyExit {
  int exit_code = 0;
};

using Command = std::variant<RunOptions, VersionRequest, EarlyExit, DurationsOptions, ConfigReport,
                             MergeOptions, WorkerOptions>;

// Parses argv. Prints help and usage errors itself (errors as one `jackd: error: ...` line).
Command ParseCommandLine(int argc, char** argv);

}  // namespace jackd
