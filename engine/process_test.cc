#include "engine/process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace jackd {
namespace {

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("jackd_process_test_" + std::to_string(getpid()) + name))
      .string();
}

// Processes of process group `pgid` that are not zombies.
int LiveMembers(pid_t pgid) {
  int live = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream stat(entry.path() / "stat");
    std::string text;
    if (!std::getline(stat, text)) continue;
    // Fields after the parenthesised command: state ppid pgrp ...
    auto close = text.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(text.substr(close + 2));
    char state = 0;
    long ppid = 0, group = 0;
    rest >> state >> ppid >> group;
    if (group == pgid && state != 'Z') ++live;
  }
  return live;
}

ExitStatus RunToExit(asio::io_context& io, ChildReaper& reaper, pid_t pid) {
  ExitStatus result;
  bool done = false;
  reaper.Watch(pid, [&](ExitStatus status) {
    result = status;
    done = true;
  });
  asio::steady_timer deadline(io, std::chrono::seconds(30));  // generous: only a hang trips it
  deadline.async_wait([&](const std::error_code&) { done = true; });
  while (!done && io.run_one() > 0) {
  }
  return result;
}

TEST(ProcessTest, ChildRunsInItsOwnProcessGroupWithRedirectedOutput) {
  asio::io_context io;
  ChildReaper reaper(io);
  const std::string out = TempPath(".out");
  pid_t pid = Spawn({{"/bin/sh", "-c", "echo pgid=$(ps -o pgid= -p $$ | tr -d ' ') pid=$$; exit 3"},
                     EnvironmentWith({}),
                     out,
                     TempPath(".err")});
  ASSERT_GT(pid, 0);
  ExitStatus status = RunToExit(io, reaper, pid);
  EXPECT_EQ(status.exit_code, 3);
  EXPECT_EQ(status.Describe(), "exit code 3");
  std::ifstream in(out);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "pgid=" + std::to_string(pid) + " pid=" + std::to_string(pid));
  std::filesystem::remove(out);
  std::filesystem::remove(TempPath(".err"));
}

TEST(ProcessTest, StdinDataReachesTheChildAndEnds) {
  asio::io_context io;
  ChildReaper reaper(io);
  const std::string out = TempPath(".stdin.out");
  pid_t pid =
      SpawnWithInput({{"/bin/sh", "-c", "cat; echo end"}, EnvironmentWith({}), out, "/dev/null"}, "secret\n");
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(RunToExit(io, reaper, pid).Success());  // cat saw the end of its input: no hang
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "secret\nend\n");
  std::filesystem::remove(out);
}

TEST(ProcessTest, SignalGroupKillsTheChildAndItsChildren) {
  asio::io_context io;
  ChildReaper reaper(io);
  pid_t pid =
      Spawn({{"/bin/sh", "-c", "sleep 60 & sleep 60"}, EnvironmentWith({}), "/dev/null", "/dev/null"});
  ASSERT_GT(pid, 0);
  usleep(100 * 1000);
  SignalGroup(pid, SIGKILL);
  ExitStatus status = RunToExit(io, reaper, pid);
  EXPECT_EQ(status.signal, SIGKILL);
  EXPECT_EQ(status.Describe(), "signal 9 (SIGKILL)");
  // The background sleep was in the same group: nothing of the group is left running. (Zombies may
  // linger where PID 1 does not reap orphans, so look at process states rather than kill(-pid, 0).)
  for (int tries = 0; tries < 100 && LiveMembers(pid) > 0; ++tries) usleep(50 * 1000);
  EXPECT_EQ(LiveMembers(pid), 0);
}

TEST(ProcessTest, AWatchedChildReapedElsewhereIsReportedNotWaitedFor) {
  asio::io_context io;
  ChildReaper reaper(io);
  const pid_t pid = Spawn({{"/bin/true"}, EnvironmentWith({}), "", ""});
  ASSERT_GT(pid, 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);  // someone else collects its exit first
  std::optional<ExitStatus> reported;
  reaper.Watch(pid, [&](ExitStatus exit) { reported = exit; });
  io.run_for(std::chrono::milliseconds(2500));  // past two polls
  ASSERT_TRUE(reported.has_value());
  const ExitStatus exit = *reported;
  EXPECT_EQ(exit.exit_code, -1);
  EXPECT_EQ(exit.signal, 0);
  EXPECT_EQ(exit.Describe(), "an unknown exit status");
}

TEST(ProcessTest, AWatchedProcessThatIsNotOurChildButLivesIsWaitedFor) {
  // A forked worker is the fork server's grandchild until it is re-parented to the engine.
  asio::io_context io;
  ChildReaper reaper(io);
  bool reported = false;
  reaper.Watch(getppid(), [&](ExitStatus) { reported = true; });
  io.run_for(std::chrono::milliseconds(2500));  // past two polls
  EXPECT_FALSE(reported);
  reaper.Forget(getppid());
}

TEST(ProcessTest, EnvironmentOverridesWin) {
  setenv("JACKD_PROCESS_TEST", "old", 1);
  auto env = EnvironmentWith({"JACKD_PROCESS_TEST=new"});
  EXPECT_EQ(std::count(env.begin(), env.end(), "JACKD_PROCESS_TEST=new"), 1);
  EXPECT_EQ(std::count(env.begin(), env.end(), "JACKD_PROCESS_TEST=old"), 0);
}

}  // namespace
}  // namespace jackd
