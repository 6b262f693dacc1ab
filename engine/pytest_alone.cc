#include "engine/pytest_alone.h"

#include <sys/wait.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "engine/exit_code.h"
#include "engine/file_contents.h"
#include "engine/process.h"
#include "engine/python_interpreter.h"

namespace jackd {
namespace {

// pytest's own: cacheprovider, helpconfig, main, python, setuponly and setupplan answer these in
// pytest_cmdline_main. (-h/--help is jackd's; `--cache-show` takes an optional glob.)
constexpr std::array<std::string_view, 9> kAnsweredAlone = {
    "--version",           "-V",           "--markers",    "--fixtures",  "--funcargs",
    "--fixtures-per-test", "--setup-plan", "--setup-only", "--cache-show"};

bool IsAnsweredAlone(const std::string& arg) {
  for (std::string_view option : kAnsweredAlone) {
    if (arg == option) return true;
  }
  return arg.starts_with("--cache-show=");
}

}  // namespace

bool AnsweredAlone(const std::vector<std::string>& pytest_args) {
  for (const std::string& arg : pytest_args) {
    if (arg == "--") break;
    if (IsAnsweredAlone(arg)) return true;
  }
  return false;
}

int RunPytestAlone(const std::string& python, const std::vector<std::string>& pytest_args,
                   const std::string& stderr_path) {
  const pid_t pid = Spawn({ShimCommand(python, "pytest", pytest_args), EnvironmentWith({}), "", stderr_path});
  if (pid < 0) {
    std::fprintf(stderr, "jackd: error: cannot start pytest: %s\n", std::strerror(errno));
    return kExitInternalError;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const std::string text = ReadFile(stderr_path);
  if (WIFEXITED(status) && WEXITSTATUS(status) == kBootstrapMissingModules) {
    std::fprintf(stderr, "jackd: error: %s\n", MissingModulesMessage(python, text).c_str());
    return kExitUsageError;
  }
  std::fputs(text.c_str(), stderr);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  std::fprintf(stderr, "jackd: error: pytest was killed by signal %d\n", WTERMSIG(status));
  return kExitInternalError;
}

}  // namespace jackd
