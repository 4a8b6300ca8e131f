#include "nodeconf/short_name_aliases.h"

#include <optional>
#include <vector>

#include "nodeconf/go_quote.h"

namespace nodeconf {
namespace {

bool names_a_registry(std::string_view domain) {
  return domain.find_first_of(".:") != std::string_view::npos || domain == "localhost";
}

std::optional<std::string> short_name_error(const std::string& name) {
  auto parsed = oci::Reference::parse(name);
  if (!parsed) return "cannot parse short name: " + go_quote(name) + ": " + parsed.error().message;
  if (parsed->has_digest())
    return "invalid short name " + go_quote(name) + ": must not contain digest";
  if (parsed->has_tag()) return "invalid short name " + go_quote(name) + ": must not contain tag";
  if (names_a_registry(parsed->domain())) {
    return "invalid short name " + go_quote(name) + ": must not contain registry";
  }
  return std::nullopt;
}

oci::Result<oci::Reference> parse_alias_value(const std::string& value) {
  auto fail = [&](std::string message) {
    return oci::fail(oci::ErrorCode::kInternal, std::move(message));
  };
  auto parsed = oci::Reference::parse(value);
  if (!parsed) return fail("parsing alias " + go_quote(value) + ": " + parsed.error().message);
  if (parsed->has_digest())
    return fail("invalid alias " + go_quote(value) + ": must not contain digest");
  if (parsed->has_tag()) return fail("invalid alias " + go_quote(value) + ": must not contain tag");
  if (!names_a_registry(parsed->domain())) {
    return fail("invalid alias " + go_quote(value) + ": must contain registry and repository");
  }
  return oci::Reference::parse_normalized(value);
}

}  // namespace

oci::Result<AliasTable> validate_aliases(const std::map<std::string, std::string>& aliases,
                                         std::string_view origin) {
  AliasTable table;
  std::vector<std::string> errors;
  for (const auto& [name, value] : aliases) {
    if (auto error = short_name_error(name)) errors.push_back(std::move(*error));
    if (value.empty()) {
      table[name] = ShortNameAlias{std::nullopt, std::string(origin)};
      continue;
    }
    auto parsed = parse_alias_value(value);
    if (!parsed) {
      errors.push_back(parsed.error().message);
    } else {
      table[name] = ShortNameAlias{std::move(*parsed), std::string(origin)};
    }
  }
  if (errors.empty()) return table;
  std::string joined;
  for (const std::string& error : errors) joined += (joined.empty() ? "" : "\n: ") + error;
  return oci::fail(oci::ErrorCode::kInternal, std::move(joined));
}

}  // namespace nodeconf
