#include "nodeconf/policy_identity.h"

#include "oci/reference.h"

namespace nodeconf::policy_internal {
namespace {

// A remapIdentity prefix: host[:port], or a repository or namespace under an explicit host.
// Like containers/image, this lets through some prefixes that can never match. Unlike it, a
// name longer than 255 characters is refused.
bool is_remap_prefix(std::string_view text) {
  if (oci::is_valid_reference_domain(text)) return true;
  const auto slash = text.find('/');
  if (slash == std::string_view::npos || !oci::is_valid_reference_domain(text.substr(0, slash))) {
    return false;
  }
  const auto name = oci::Reference::parse(text);
  return name && name->is_name_only();
}

oci::Result<void> check_exact_reference(const Json& value, const std::string& where) {
  Member type, reference;
  if (auto ok = read_exact_object(
          value, where, {{"type", string_into(type)}, {"dockerReference", string_into(reference)}});
      !ok) {
    return ok;
  }
  const auto parsed = oci::Reference::parse_normalized(reference.text);
  if (!parsed) {
    return error_at(where, "invalid format of dockerReference " + in_quotes(reference.text) + ": " +
                               parsed.error().message);
  }
  if (parsed->is_name_only()) {
    return error_at(where, "dockerReference " + in_quotes(reference.text) +
                               " contains neither a tag nor digest");
  }
  return {};
}

oci::Result<void> check_exact_repository(const Json& value, const std::string& where) {
  Member type, repository;
  if (auto ok = read_exact_object(
          value, where,
          {{"type", string_into(type)}, {"dockerRepository", string_into(repository)}});
      !ok) {
    return ok;
  }
  if (const auto parsed = oci::Reference::parse_normalized(repository.text); !parsed) {
    return error_at(where, "invalid format of dockerRepository " + in_quotes(repository.text) +
                               ": " + parsed.error().message);
  }
  return {};
}

oci::Result<void> check_remap_identity(const Json& value, const std::string& where) {
  Member type, prefix, signed_prefix;
  if (auto ok = read_exact_object(value, where,
                                  {{"type", string_into(type)},
                                   {"prefix", string_into(prefix)},
                                   {"signedPrefix", string_into(signed_prefix)}});
      !ok) {
    return ok;
  }
  for (const Member* member : {&prefix, &signed_prefix}) {
    if (!is_remap_prefix(member->text)) {
      return error_at(where, "prefix " + in_quotes(member->text) + " is not valid");
    }
  }
  return {};
}

}  // namespace

oci::Result<void> check_identity(const Json& value, const std::string& where) {
  const auto type = read_type(value, where);
  if (!type) return std::unexpected(type.error());
  if (*type == "matchExact" || *type == "matchRepoDigestOrExact" || *type == "matchRepository") {
    Member type_member;
    return read_exact_object(value, where, {{"type", string_into(type_member)}});
  }
  if (*type == "exactReference") return check_exact_reference(value, where);
  if (*type == "exactRepository") return check_exact_repository(value, where);
  if (*type == "remapIdentity") return check_remap_identity(value, where);
  return error_at(where, "unknown policy reference match type " + in_quotes(*type));
}

}  // namespace nodeconf::policy_internal
