#include "engine/version_command.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/exit_code.h"
#include "engine/python_interpreter.h"
#include "engine/version.h"

extern char** environ;

namespace jackd {
namespace {

// Prints the three lines after jackd's, after the bootstrap's prelude (python_interpreter.h), so a
// module in the current directory cannot pose as pytest or the shim, and a shim jackd would lend shows.
constexpr const char* kProbe = R"py(import os
_lend(["pytest", "grpc", "google.protobuf", "jackd_shim"])
try:
    import jackd_shim
    print("jackd-shim %s (%s)" % (jackd_shim.__version__, os.path.dirname(jackd_shim.__file__)))
except Exception as e:
    print("jackd-shim: not importable in %s: %s (pip install jackd)" % (sys.executable, e))
try:
    import pytest
    print("pytest %s" % pytest.__version__)
except Exception as e:
    print("pytest: not importable in %s: %s (pip install pytest)" % (sys.executable, e))
print("Python %s (%s)" % (sys.version.split()[0], sys.executable))
)py";

// Runs argv and returns its standard output, or nothing when it could not run or failed.
std::string OutputOf(const std::vector<std::string>& argv, int& exit_code) {
  int pipe_fds[2];
  exit_code = -1;
  if (pipe(pipe_fds) != 0) return "";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[1]);
  std::vector<char*> raw;
  for (const std::string& arg : argv) raw.push_back(const_cast<char*>(arg.c_str()));
  raw.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, raw[0], &actions, nullptr, raw.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  std::string out;
  if (spawned == 0) {
    char buffer[4096];
    ssize_t n = 0;
    while ((n = read(pipe_fds[0], buffer, sizeof buffer)) > 0)
      out.append(buffer, static_cast<std::size_t>(n));
    int status = 0;
    if (waitpid(pid, &status, 0) == pid && WIFEXITED(status)) exit_code = WEXITSTATUS(status);
  }
  close(pipe_fds[0]);
  return out;
}

}  // namespace

int VersionCommand(const std::string& python) {
  std::printf("jackd %s\n", kVersion);
  std::fflush(stdout);
  auto interpreter = FindPython(python);
  if (!interpreter.ok()) {
    const std::string why(interpreter.status().message());
    std::printf("jackd-shim: unknown (%s)\npytest: unknown (no Python)\nPython: not found (%s)\n",
                why.c_str(), why.c_str());
    return kExitOk;
  }
  int exit_code = -1;
  const std::string out = OutputOf({*interpreter, "-c", PythonPrelude() + kProbe}, exit_code);
  if (exit_code != 0 || out.empty()) {
    std::printf("jackd-shim: unknown\npytest: unknown\nPython: %s does not run (exit code %d)\n",
                interpreter->c_str(), exit_code);
    return kExitOk;
  }
  std::fputs(out.c_str(), stdout);
  return kExitOk;
}

}  // namespace jackd
