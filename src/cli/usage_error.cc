#include "cli/usage_error.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdio>
#include <string>
#include <vector>

namespace cli {
namespace {

// "regmirror copy", "regmirror sync status": the (sub)subcommand parse had entered when it
// failed, else the top level.
std::string failing_command(const CLI::App& top) {
  std::string command = "regmirror";
  for (const CLI::App* app = &top; !app->get_subcommands().empty();) {
    app = app->get_subcommands().front();
    command += " " + app->get_name();
  }
  return command;
}

// CLI11 words some messages over several lines (validators listing choices): one line,
// starting lowercase like regmirror's own messages ("The following argument ...").
std::string one_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  if (!text.empty()) {
    text.front() = static_cast<char>(std::tolower(static_cast<unsigned char>(text.front())));
  }
  return text;
}

// What went wrong, in one line. At the top level CLI11 says "a subcommand is required" even
// when the user gave one it does not know: name that instead.
std::string problem(const CLI::App& top, const CLI::ParseError& error) {
  if (top.get_subcommands().empty()) {
    const std::vector<std::string> unknown = top.remaining();
    if (!unknown.empty()) {
      return unknown.front().starts_with('-') ? "unknown option " + unknown.front()
                                              : "unknown command '" + unknown.front() + "'";
    }
  }
  return one_line(error.what());
}

}  // namespace

int report_parse_error(const CLI::App& top, const CLI::ParseError& error) {
  const std::string name = error.get_name();
  if (name == "RuntimeError") return error.get_exit_code();  // a command's own outcome
  if (name == "CallForHelp" || name == "CallForAllHelp" || name == "CallForVersion") {
    return top.exit(error);
  }
  const std::string command = failing_command(top);
  fmt::print(stderr, "{}: {}\nsee '{} --help'\n", command, problem(top, error), command);
  return kUsageExitStatus;
}

}  // namespace cli
