#include "sys/terminal_prompt.h"

#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <iostream>

namespace sys {
namespace {

// The terminal's settings while a hidden prompt has echo off, for the signal handler below.
termios g_saved_terminal{};
constexpr std::array<int, 4> kInterrupts = {SIGINT, SIGTERM, SIGQUIT, SIGHUP};
std::array<struct sigaction, kInterrupts.size()> g_previous{};

// A signal that ends the process while echo is off (^C at the prompt) must not leave the
// user's terminal silent: put it back, then let the signal do what it would have done.
// tcsetattr, sigaction and raise are async-signal-safe.
extern "C" void restore_terminal_and_reraise(int signal_number) {
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved_terminal);
  for (std::size_t i = 0; i < kInterrupts.size(); ++i) {
    if (kInterrupts[i] == signal_number) ::sigaction(signal_number, &g_previous[i], nullptr);
  }
  ::raise(signal_number);
}

// Echo off for as long as it lives, with the handlers above installed.
class HiddenInput {
 public:
  explicit HiddenInput(const termios& saved) {
    g_saved_terminal = saved;
    struct sigaction action {};
    action.sa_handler = restore_terminal_and_reraise;
    ::sigemptyset(&action.sa_mask);
    for (std::size_t i = 0; i < kInterrupts.size(); ++i) {
      ::sigaction(kInterrupts[i], &action, &g_previous[i]);
    }
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  ~HiddenInput() {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved_terminal);
    for (std::size_t i = 0; i < kInterrupts.size(); ++i) {
      ::sigaction(kInterrupts[i], &g_previous[i], nullptr);
    }
    std::fputs("\n", stderr);
  }
  HiddenInput(const HiddenInput&) = delete;
  HiddenInput& operator=(const HiddenInput&) = delete;
};

}  // namespace

std::optional<std::string> prompt(std::string_view label, bool secret) {
  std::fwrite(label.data(), 1, label.size(), stderr);
  std::fflush(stderr);
  termios saved{};
  std::optional<HiddenInput> hidden;
  if (secret && stdin_is_terminal() && ::tcgetattr(STDIN_FILENO, &saved) == 0) {
    hidden.emplace(saved);
  }
  std::string line;
  const bool read = static_cast<bool>(std::getline(std::cin, line));
  hidden.reset();
  if (!read) return std::nullopt;
  if (line.ends_with('\r')) line.pop_back();
  return line;
}

bool stdin_is_terminal() { return ::isatty(STDIN_FILENO) == 1; }

}  // namespace sys
