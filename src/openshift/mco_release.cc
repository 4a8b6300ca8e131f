#include "openshift/mco_release.h"

#include <charconv>

namespace openshift {
namespace {

std::optional<int> number(std::string_view text) {
  if (text.empty() || text.size() > 3 || text.front() < '0' || text.front() > '9') {
    return std::nullopt;
  }
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<McoRelease> parse_mco_release(std::string_view text) {
  const std::size_t dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto major = number(text.substr(0, dot));
  auto minor = number(text.substr(dot + 1));
  if (!major || !minor || *major < 4) return std::nullopt;
  return McoRelease{*major, *minor};
}

}  // namespace openshift
