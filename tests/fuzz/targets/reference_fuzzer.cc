// libFuzzer target for oci::Reference: every line of the input is parsed, and whatever
// parses must keep its invariants (normalization is idempotent, the canonical spelling and,
// unless it reads as something else, the familiar one parse back to the same reference).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "oci/reference.h"

namespace {

void require(bool invariant) {
  if (!invariant) __builtin_trap();
}

void check_line(std::string_view line) {
  (void)oci::Reference::parse(line);
  (void)oci::is_valid_reference_domain(line);
  const auto normalized = oci::Reference::parse_normalized(line);
  if (!normalized) {
    require(!normalized.error().message.empty());
    return;
  }
  const std::string canonical = normalized->str();
  const auto again = oci::Reference::parse_canonical(canonical);
  require(again.has_value() && *again == *normalized);
  // "docker.io/a.b/c" is familiar "a.b/c", which reads as host a.b, in Go as here.
  const std::string familiar_text = normalized->familiar_str();
  const auto familiar = oci::Reference::parse_normalized(familiar_text);
  const std::string_view first = std::string_view(familiar_text).substr(0, familiar_text.find('/'));
  const bool looks_like_host =
      familiar_text.find('/') != std::string::npos &&
      (first.find_first_of(".:") != std::string_view::npos || first == "localhost");
  // "docker.io/library/<64 hex digits>" is familiar "<64 hex digits>", which reads as an image
  // id, not a name: Go's ParseNormalizedNamed refuses it as well.
  const bool looks_like_id =
      familiar_text.size() == 64 &&
      familiar_text.find_first_not_of("0123456789abcdef") == std::string::npos;
  require(looks_like_host || looks_like_id || (familiar.has_value() && *familiar == *normalized));
  require(normalized->with_default_tag().has_tag() || normalized->has_digest());
  require(normalized->name_only().is_name_only());
  require(canonical.starts_with(normalized->name()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  while (true) {
    const std::size_t newline = input.find('\n');
    check_line(input.substr(0, newline));
    if (newline == std::string_view::npos) return 0;
    input.remove_prefix(newline + 1);
  }
}
