#include "engine/key_listener.h"

#include <unistd.h>

#include <asio/read.hpp>

namespace jackd {

KeyListener::KeyListener(asio::io_context& io, bool enabled, std::function<void(char)> on_key)
    : on_key_(std::move(on_key)) {
  if (!enabled || !isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_) != 0) return;
  // A run in the background (`jackd run &`) would be stopped by SIGTTOU for changing the terminal. (A
  // terminal that is not this session's controlling one has no foreground group, and no job control.)
  const pid_t foreground = tcgetpgrp(STDIN_FILENO);
  if (foreground >= 0 && foreground != getpgrp()) return;
  termios raw = saved_;
  raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) != 0) return;
  // A duplicate, so that closing the descriptor at the end leaves the engine's stdin open.
  input_ = std::make_unique<asio::posix::stream_descriptor>(io, dup(STDIN_FILENO));
  Read();
}

KeyListener::~KeyListener() {
  if (!input_) return;
  std::error_code ignored;
  input_->cancel(ignored);
  input_->close(ignored);
  tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
}

void KeyListener::Read() {
  input_->async_read_some(asio::buffer(&key_, 1), [this](const std::error_code& error, std::size_t n) {
    if (error || n == 0) return;  // cancelled, or the terminal went away
    on_key_(key_);
    Read();
  });
}

}  // namespace jackd
