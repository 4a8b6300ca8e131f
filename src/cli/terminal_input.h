// What commands read from their user: a prompted line (a password without echo), or a
// secret piped on stdin (--password-stdin).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cli {

// A line from stdin after `label` on stderr, the terminal's echo off when `secret` (as
// podman's password prompt); nullopt at the end of input.
std::optional<std::string> prompt(std::string_view label, bool secret);

// --password-stdin: all of stdin, one trailing newline dropped (podman's behaviour).
std::string read_stdin_password();

}  // namespace cli
