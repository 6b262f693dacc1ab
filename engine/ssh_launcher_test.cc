#include "engine/ssh_launcher.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace jackd {
namespace {

// What /bin/sh makes of `quoted`: the words it splits it into, one per line.
std::string ShellWords(const std::string& quoted) {
  const std::string command = "/bin/sh -c 'for w in \"$@\"; do printf \"[%s]\\n\" \"$w\"; done' sh " + quoted;
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe)) out += buffer;
  pclose(pipe);
  return out;
}

TEST(ShellQuoteTest, LeavesPlainWordsAlone) {
  EXPECT_EQ(ShellQuote("jackd"), "jackd");
  EXPECT_EQ(ShellQuote("/opt/jackd-1.0/bin/jackd"), "/opt/jackd-1.0/bin/jackd");
  EXPECT_EQ(ShellQuote("build1:7000"), "build1:7000");
  EXPECT_EQ(ShellQuote("--tls-ca=ca.pem"), "--tls-ca=ca.pem");
}

TEST(ShellQuoteTest, QuotesEverythingElse) {
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("a b"), "'a b'");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellQuote("$HOME"), "'$HOME'");
  EXPECT_EQ(ShellQuote("~"), "'~'");
}

TEST(ShellQuoteTest, TheShellReadsBackEachWordUnchanged) {
  for (const std::string word : {"", "a b", "it's", "''", "$(touch /tmp/x)", "`id`", "a;b&&c|d", "\"q\"",
                                 "back\\slash", "*", "tab\there", "line\nbreak", "!x", "#c", "é"}) {
    EXPECT_EQ(ShellWords(ShellQuote(word)), "[" + word + "]\n") << word;
  }
  EXPECT_EQ(ShellWords(ShellQuote("a b") + " " + ShellQuote("c")), "[a b]\n[c]\n");
}

TEST(ConnectAddressTest, UsesListenUnlessItIsAWildcard) {
  EXPECT_EQ(*ConnectAddress("10.0.0.5:7000", ""), "10.0.0.5:7000");
  EXPECT_EQ(*ConnectAddress("[fd00::5]:7000", ""), "[fd00::5]:7000");
  EXPECT_EQ(*ConnectAddress("0.0.0.0:7000", "build1:7000"), "build1:7000");
  EXPECT_EQ(*ConnectAddress("10.0.0.5:7000", "nat.example:9000"), "nat.example:9000");
  for (const std::string wildcard : {"0.0.0.0:7000", "[::]:7000", ":7000"}) {
    auto address = ConnectAddress(wildcard, "");
    ASSERT_FALSE(address.ok()) << wildcard;
    EXPECT_NE(address.status().message().find("--advertise"), std::string::npos);
  }
  EXPECT_FALSE(ConnectAddress("10.0.0.5", "").ok());
  EXPECT_FALSE(ConnectAddress("10.0.0.5:7000", "0.0.0.0:7000").ok());
}

TEST(ResolveSshLaunchTest, NeedsListenAndAToken) {
  SshOptions options;
  options.hosts = {"a"};
  auto no_listen = ResolveSshLaunch(options, "", "t", false, "/src");
  ASSERT_FALSE(no_listen.ok());
  EXPECT_NE(no_listen.status().message().find("--listen"), std::string::npos);
  auto no_token = ResolveSshLaunch(options, "h:1", "", false, "/src");
  ASSERT_FALSE(no_token.ok());
  EXPECT_NE(no_token.status().message().find("--token-file"), std::string::npos);
  EXPECT_TRUE(ResolveSshLaunch(options, "h:1", "", true, "/src").ok());
  options.hosts = {"a", ""};
  EXPECT_FALSE(ResolveSshLaunch(options, "h:1", "t", false, "/src").ok());
}

TEST(SshCommandTest, TheContractsCommandLine) {
  SshOptions options;
  options.hosts = {"build1"};
  options.ssh_options = {"Port=2222", "IdentityFile=/k/id"};
  auto launch = ResolveSshLaunch(options, "10.0.0.5:7000", "s3cret", false, "/home/ci/my repo");
  ASSERT_TRUE(launch.ok());
  EXPECT_EQ(RemoteCommand(*launch),
            "cd '/home/ci/my repo' && exec jackd worker --connect 10.0.0.5:7000 --token-file -");
  EXPECT_EQ(SshArgv("/usr/bin/ssh", *launch, "build1"),
            (std::vector<std::string>{"/usr/bin/ssh", "-o", "BatchMode=yes", "-o", "Port=2222", "-o",
                                      "IdentityFile=/k/id", "build1", "--",
                                      "cd '/home/ci/my repo' && exec jackd worker --connect 10.0.0.5:7000 "
                                      "--token-file -"}));
}

TEST(SshCommandTest, EveryOptionalPartAndNeverTheToken) {
  SshOptions options;
  options.hosts = {"build1"};
  options.workers = "4";
  options.jackd = "/opt/jackd tools/jackd";
  options.dir = "/srv/checkout";
  options.tls_ca = "/etc/jackd/ca.pem";
  options.worker_args = {"--tls-cert=/etc/jackd/w.pem", "--python", "/venv/bin/python"};
  options.advertise = "engine.ci:7000";
  auto launch = ResolveSshLaunch(options, "0.0.0.0:7000", "s3cret", true, "/ignored");
  ASSERT_TRUE(launch.ok());
  const std::string command = RemoteCommand(*launch);
  EXPECT_EQ(command,
            "cd /srv/checkout && exec '/opt/jackd tools/jackd' worker --connect engine.ci:7000 -n 4 "
            "--token-file - --tls-ca /etc/jackd/ca.pem --insecure --tls-cert=/etc/jackd/w.pem --python "
            "/venv/bin/python");
  for (const std::string& arg : SshArgv("ssh", *launch, "build1"))
    EXPECT_EQ(arg.find("s3cret"), std::string::npos) << arg;
}

TEST(SshCommandTest, InsecureWithoutTokenReadsNoStdin) {
  SshOptions options;
  options.hosts = {"h"};
  auto launch = ResolveSshLaunch(options, "10.0.0.5:7000", "", true, "/d");
  ASSERT_TRUE(launch.ok());
  EXPECT_EQ(RemoteCommand(*launch), "cd /d && exec jackd worker --connect 10.0.0.5:7000 --insecure");
}

// A fake `ssh` first on PATH: it records its stdin, then exits with `exit_code` after a line on stderr.
class FakeSsh {
 public:
  explicit FakeSsh(int exit_code)
      : directory_(std::filesystem::path(::testing::TempDir()) /
                   ("jackd_fake_ssh_" + std::to_string(getpid()))) {
    std::filesystem::create_directories(directory_);
    std::ofstream script(directory_ / "ssh");
    script << "#!/bin/sh\ncat > \"" << (directory_ / "stdin").string() << "\"\n"
           << "echo \"ssh: connect to host fake: Connection refused\" >&2\nexit " << exit_code << "\n";
    script.close();
    std::filesystem::permissions(directory_ / "ssh", std::filesystem::perms::owner_all);
    old_path_ = getenv("PATH");
    setenv("PATH", (directory_.string() + ":" + old_path_).c_str(), 1);
  }
  ~FakeSsh() {
    setenv("PATH", old_path_.c_str(), 1);
    std::filesystem::remove_all(directory_);
  }
  std::string Stdin() const {
    std::ifstream in(directory_ / "stdin");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  std::string directory() const { return directory_.string(); }

 private:
  std::filesystem::path directory_;
  std::string old_path_;
};

SshLaunch TwoHosts() {
  SshOptions options;
  options.hosts = {"a", "b"};
  return *ResolveSshLaunch(options, "10.0.0.5:7000", "s3cret", false, "/src");
}

// Runs `io` until `done` or a generous deadline (only a hang reaches it).
void RunUntil(asio::io_context& io, const bool& done) {
  asio::steady_timer deadline(io, std::chrono::seconds(30));
  bool expired = false;
  deadline.async_wait([&](const std::error_code& error) { expired = !error; });
  while (!done && !expired && io.run_one() > 0) {
  }
}

TEST(SshLauncherTest, EverySshFailingMeansNoWorkerCanJoin) {
  FakeSsh ssh(255);
  asio::io_context io;
  ChildReaper reaper(io);
  int calls = 0;
  std::string message;
  bool done = false;
  SshLauncher launcher(io, reaper, TwoHosts(), ssh.directory(), [&](const std::string& why) {
    ++calls;
    message = why;
    done = true;
  });
  ASSERT_TRUE(launcher.Start().ok());
  RunUntil(io, done);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(message, "no remote worker could join: ssh failed on every host (see the warnings above)");
  EXPECT_EQ(ssh.Stdin(), "s3cret\n");
}

TEST(SshLauncherTest, StopEndsAnSshThatStillRuns) {
  asio::io_context io;
  ChildReaper reaper(io);
  const std::string directory = ::testing::TempDir() + "/jackd_ssh_stop_" + std::to_string(getpid());
  std::filesystem::create_directories(directory);
  {
    std::ofstream script(directory + "/ssh");
    script << "#!/bin/sh\nexec sleep 60\n";
  }
  std::filesystem::permissions(directory + "/ssh", std::filesystem::perms::owner_all);
  const std::string old_path = getenv("PATH");
  setenv("PATH", (directory + ":" + old_path).c_str(), 1);
  bool called = false;
  const auto started = std::chrono::steady_clock::now();
  {
    SshLauncher launcher(io, reaper, TwoHosts(), directory, [&](const std::string&) { called = true; });
    ASSERT_TRUE(launcher.Start().ok());
    io.poll();
  }  // the destructor stops them: SIGTERM ends sleep at once
  setenv("PATH", old_path.c_str(), 1);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  EXPECT_FALSE(called);
  std::filesystem::remove_all(directory);
}

}  // namespace
}  // namespace jackd
