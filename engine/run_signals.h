// SIGINT, SIGTERM and SIGUSR1 for the whole of `jackd run`. Before the run loop exists (while the suite
// is collected) an interrupt only marks the run interrupted, which collection polls; once a run loop is
// attached, SIGINT and SIGTERM interrupt it and SIGUSR1 asks it what every worker is doing.
#pragma once

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>

namespace jackd {

class RunLoop;

class RunSignals {
 public:
  explicit RunSignals(asio::io_context& io);
  RunSignals(const RunSignals&) = delete;
  RunSignals& operator=(const RunSignals&) = delete;

  // True once SIGINT or SIGTERM arrived. A reference, so a phase can poll it while `io` runs.
  const bool& interrupted() const { return interrupted_; }

  // Signals go to `loop` from now on; nullptr: to no loop (before it exists and after it has ended).
  void Attach(RunLoop* loop) { loop_ = loop; }

 private:
  void Arm();

  asio::signal_set signals_;
  bool interrupted_ = false;
  RunLoop* loop_ = nullptr;
};

}  // namespace jackd
