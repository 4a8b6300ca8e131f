#include "cli/terminal_input.h"

#include <iostream>
#include <iterator>

namespace cli {

std::string read_stdin_password() {
  std::string text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  if (text.ends_with('\n')) text.pop_back();
  if (text.ends_with('\r')) text.pop_back();
  return text;
}

}  // namespace cli
