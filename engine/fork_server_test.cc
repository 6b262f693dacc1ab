#include "engine/fork_server.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include "engine/python_interpreter.h"

namespace jackd {
namespace {

// A "Python" that exits at once stands in for a fork server that cannot start (the real server is tested
// end to end in tests/e2e/test_fork_server.py). Requests must then be started with exec, unchanged.
TEST(ForkServer, FallsBackToExecWhenTheServerCannotServe) {
  signal(SIGPIPE, SIG_IGN);  // as the engine does: the dead server's pipe must not kill us
  ForkServer server("/bin/false", EnvironmentWith({}), "/dev/null", std::chrono::seconds(30));
  const pid_t pid = server.Spawn(
      {ShimCommand("/bin/false", "worker", {"-q"}), EnvironmentWith({}), "/dev/null", "/dev/null"});
  ASSERT_GT(pid, 0);
  EXPECT_FALSE(server.serving());
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  // /bin/false ran the request itself: exec, not a fork of anything.
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << status;
}

TEST(ForkServer, StartsWhatIsNotAWorkerWithExec) {
  ForkServer server("/bin/false", EnvironmentWith({}), "/dev/null", std::chrono::seconds(30));
  const pid_t pid =
      server.Spawn({{"/bin/sh", "-c", "exit 7"}, EnvironmentWith({}), "/dev/null", "/dev/null"});
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(server.serving());  // never asked
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 7) << status;
}

}  // namespace
}  // namespace jackd
