// What commands read from their user: a prompted line (a password without echo, sys/'s prompt),
// or a secret piped on stdin (--password-stdin).
#pragma once

#include <string>

#include "sys/terminal_prompt.h"

namespace cli {

using sys::prompt;

// --password-stdin: all of stdin, one trailing newline dropped (podman's behaviour).
std::string read_stdin_password();

}  // namespace cli
