// How every subcommand answers a command line it cannot run: exit status 2, one line on
// stderr naming the problem ("regmirror copy: source is required") and one pointing at the
// help of the command that failed ("see 'regmirror copy --help'"). CLI11's own exit codes
// (105, 106, ...) never reach the shell. --help and --version print to stdout and exit 0;
// a command's own outcome (thrown by its callback as CLI::RuntimeError) keeps its status.
#pragma once

#include <CLI/CLI.hpp>

namespace cli {

constexpr int kUsageExitStatus = 2;

// `top` is the application that threw `error` from parse(); answers the exit status.
int report_parse_error(const CLI::App& top, const CLI::ParseError& error);

}  // namespace cli
