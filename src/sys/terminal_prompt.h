// A line typed by the user after a prompt, the terminal's echo off for secrets. Here rather than
// in cli/ because signature/ asks for a key's passphrase too (cosign's behaviour).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sys {

// A line from stdin after `label` on stderr, the terminal's echo off when `secret` (as
// podman's password prompt); nullopt at the end of input. A trailing '\r' is dropped.
// A SIGINT, SIGTERM, SIGQUIT or SIGHUP while echo is off turns it back on before the signal
// takes its course.
std::optional<std::string> prompt(std::string_view label, bool secret);

// True when stdin is a terminal, i.e. someone can answer a prompt.
bool stdin_is_terminal();

}  // namespace sys
