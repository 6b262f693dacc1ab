// Single keys pressed on the terminal while a run goes on ('t': what is every worker doing?). The
// terminal is switched to unbuffered, unechoed input for as long as the listener lives (typed keys would
// otherwise garble the live status area), and restored when it is destroyed. Ctrl-C still interrupts.
#pragma once

#include <termios.h>

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <functional>
#include <memory>

namespace jackd {

class KeyListener {
 public:
  // Listens only when `enabled` and standard input is a terminal this process has in the foreground;
  // otherwise does nothing.
  KeyListener(asio::io_context& io, bool enabled, std::function<void(char)> on_key);
  ~KeyListener();
  KeyListener(const KeyListener&) = delete;
  KeyListener& operator=(const KeyListener&) = delete;

 private:
  void Read();

  std::function<void(char)> on_key_;
  std::unique_ptr<asio::posix::stream_descriptor> input_;
  termios saved_{};
  char key_ = 0;
};

}  // namespace jackd
