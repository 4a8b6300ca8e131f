#include "storage/driver_path.h"

#include <algorithm>
#include <string>

namespace storage {

namespace {

bool is_allowed_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

}  // namespace

bool is_valid_path_component(std::string_view name) {
  return !name.empty() && name != "." && name != ".." && std::ranges::all_of(name, is_allowed_char);
}

sys::Result<void> check_path(std::string_view path) {
  std::string_view rest = path;
  while (true) {
    const auto slash = rest.find('/');
    if (!is_valid_path_component(rest.substr(0, slash))) {
      return sys::fail(sys::Errc::kPathEscape,
                       "invalid storage path: \"" + std::string(path) + "\"");
    }
    if (slash == std::string_view::npos) return {};
    rest.remove_prefix(slash + 1);
  }
}

}  // namespace storage
