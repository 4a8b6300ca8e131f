// `regmirror passwd USER --htpasswd FILE`: adds a user to an htpasswd file (bcrypt only, see
// auth/htpasswd.h), changes their password or (--delete) removes them, as `htpasswd -B` does.
#pragma once

#include <CLI/CLI.hpp>

namespace cli {

void add_passwd_command(CLI::App& app);

}  // namespace cli
