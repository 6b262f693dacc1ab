#include "engine/fork_server.h"

#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "absl/strings/str_cat.h"
#include "engine/python_interpreter.h"

namespace jackd {
namespace {

// Once the server is past its imports a fork takes milliseconds; this only bounds a wedged server.
constexpr std::chrono::milliseconds kForkPatience{10'000};

void AppendNetstring(std::string& out, const std::string& field) {
  absl::StrAppend(&out, field.size(), ":", field, ",");
}

}  // namespace

ForkServer::ForkServer(std::string python, std::vector<std::string> env, const std::string& stderr_path,
                       std::chrono::milliseconds patience)
    : python_(std::move(python)), patience_(patience) {
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    spdlog::debug("fork server: not a subreaper ({}); workers start with exec", std::strerror(errno));
    return;
  }
  pid_ = SpawnConnected({ShimCommand(python_, "forkserver", {}), std::move(env), "", stderr_path}, to_server_,
                        from_server_);
  if (pid_ < 0) spdlog::debug("fork server: cannot start it ({})", std::strerror(errno));
}

ForkServer::~ForkServer() { Stop(); }

void ForkServer::Stop() {
  if (to_server_ >= 0) close(to_server_);
  if (from_server_ >= 0) close(from_server_);
  to_server_ = from_server_ = -1;
  if (pid_ > 0) {
    // Its group holds the server and any intermediate process, never a worker that was handed over:
    // each is the leader of its own group before its pid is sent.
    SignalGroup(pid_, SIGKILL);
    while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  pid_ = -1;
}

bool ForkServer::Forkable(const SpawnRequest& request) const {
  return request.argv.size() >= 4 && request.argv[0] == python_ && request.argv[1] == "-c" &&
         request.argv[3] == "worker" && !request.stdout_path.empty() && !request.stderr_path.empty();
}

pid_t ForkServer::Spawn(const SpawnRequest& request) {
  if (pid_ <= 0 || !Forkable(request)) return jackd::Spawn(request);
  std::string fields;
  AppendNetstring(fields, request.stdout_path);
  AppendNetstring(fields, request.stderr_path);
  AppendNetstring(fields, std::to_string(request.argv.size() - 3));
  for (std::size_t i = 3; i < request.argv.size(); ++i) AppendNetstring(fields, request.argv[i]);
  for (const auto& entry : request.env) AppendNetstring(fields, entry);
  const std::size_t count = 3 + (request.argv.size() - 3) + request.env.size();
  const std::string reply =
      WriteAll(to_server_, absl::StrCat(count, "\n", fields)) ? ReadReply() : std::string();
  pid_t pid = -1;
  const auto [end, error] = std::from_chars(reply.data(), reply.data() + reply.size(), pid);
  if (error == std::errc() && end == reply.data() + reply.size() && pid > 0) {
    answered_ = true;
    return pid;
  }
  spdlog::debug("fork server: {}; workers start with exec from now on", reply.empty() ? "no answer" : reply);
  Stop();
  return jackd::Spawn(request);
}

std::string ForkServer::ReadReply() {
  const auto deadline = std::chrono::steady_clock::now() + (answered_ ? kForkPatience : patience_);
  while (true) {
    if (auto newline = pending_.find('\n'); newline != std::string::npos) {
      std::string line = pending_.substr(0, newline);
      pending_.erase(0, newline + 1);
      return line;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return "";
    pollfd readable{from_server_, POLLIN, 0};
    const int ready = poll(&readable, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return "";
    char buffer[256];
    const ssize_t n = read(from_server_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return "";
    pending_.append(buffer, static_cast<std::size_t>(n));
  }
}

}  // namespace jackd
