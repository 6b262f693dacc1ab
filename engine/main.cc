// jackd: a native test-distribution engine for pytest.
#include <cstdio>
#include <exception>
#include <variant>

#include "engine/cli.h"
#include "engine/durations_command.h"
#include "engine/exit_code.h"
#include "engine/merge_command.h"
#include "engine/run_command.h"
#include "engine/version_command.h"
#include "engine/worker_command.h"

int main(int argc, char** argv) {
  try {
    jackd::Command command = jackd::ParseCommandLine(argc, argv);
    if (auto* early = std::get_if<jackd::EarlyExit>(&command)) return early->exit_code;
    if (auto* version = std::get_if<jackd::VersionRequest>(&command))
      return jackd::VersionCommand(version->python);
    if (auto* report = std::get_if<jackd::ConfigReport>(&command)) {
      std::fputs(report->text.c_str(), stdout);
      return jackd::kExitOk;
    }
    if (auto* durations = std::get_if<jackd::DurationsOptions>(&command)) {
      return jackd::DurationsCommand(*durations);
    }
    if (auto* merge = std::get_if<jackd::MergeOptions>(&command)) {
      return jackd::MergeCommand(*merge, {argv, argv + argc});
    }
    if (auto* worker = std::get_if<jackd::WorkerOptions>(&command)) return jackd::WorkerCommand(*worker);
    return jackd::RunCommand(std::get<jackd::RunOptions>(command), {argv, argv + argc});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "jackd: internal error: %s (please report this with --log-level debug output)\n",
                 e.what());
    return jackd::kExitInternalError;
  }
}
