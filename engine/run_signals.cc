#include "engine/run_signals.h"

#include <signal.h>

#include "engine/run_loop.h"

namespace jackd {

RunSignals::RunSignals(asio::io_context& io) : signals_(io, SIGINT, SIGTERM, SIGUSR1) { Arm(); }

void RunSignals::Arm() {
  signals_.async_wait([this](const std::error_code& error, int signal_number) {
    if (error) return;
    if (signal_number == SIGUSR1) {
      if (loop_) loop_->ShowActivity();
    } else {
      interrupted_ = true;
      if (loop_) loop_->Interrupt(signal_number);
    }
    Arm();
  });
}

}  // namespace jackd
