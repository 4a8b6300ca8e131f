#include "nodeconf/signed_identity.h"

#include <optional>

#include "oci/reference.h"

namespace nodeconf {
namespace {

std::optional<oci::Reference> normalized(std::string_view text) {
  auto parsed = oci::Reference::parse_normalized(text);
  if (!parsed) return std::nullopt;
  return std::move(*parsed);
}

std::string member(const nlohmann::json& object, const char* key) {
  const auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

bool both_exact_and_equal(const oci::Reference& intended, const oci::Reference& signature) {
  return !intended.is_name_only() && !signature.is_name_only() && signature.str() == intended.str();
}

// containers/image's matchRepoDigestOrExactReferenceValues.
bool repo_digest_or_exact(const oci::Reference& intended, const oci::Reference& signature) {
  if (signature.is_name_only()) return false;
  if (intended.has_tag()) return signature.str() == intended.str();  // tag, maybe with a digest
  if (intended.has_digest()) return signature.name() == intended.name();
  return false;
}

// remapIdentity: the image's reference with `prefix` replaced by `signed_prefix` when its
// repository is `prefix` or lies under it; nullopt when the result is not a canonical
// reference.
std::optional<oci::Reference> remapped(const oci::Reference& intended, const std::string& prefix,
                                       const std::string& signed_prefix) {
  const std::string name = intended.name();
  const bool under = name == prefix || (name.size() > prefix.size() && name.starts_with(prefix) &&
                                        name[prefix.size()] == '/');
  if (!under) return intended;
  const std::string rewritten = signed_prefix + intended.str().substr(prefix.size());
  auto parsed = oci::Reference::parse_canonical(rewritten);
  if (!parsed) return std::nullopt;
  return std::move(*parsed);
}

std::string json_quoted(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string identity_type(const nlohmann::json& signed_identity) {
  if (!signed_identity.is_object()) return "matchRepoDigestOrExact";
  return member(signed_identity, "type");
}

}  // namespace

bool signed_identity_matches(const nlohmann::json& signed_identity,
                             std::string_view image_reference,
                             std::string_view signature_reference) {
  const auto signature = normalized(signature_reference);
  if (!signature) return false;
  const std::string type = identity_type(signed_identity);
  if (type == "exactReference") {
    const auto wanted = normalized(member(signed_identity, "dockerReference"));
    return wanted && both_exact_and_equal(*wanted, *signature);
  }
  if (type == "exactRepository") {
    const auto wanted = normalized(member(signed_identity, "dockerRepository"));
    return wanted && signature->name() == wanted->name();
  }
  auto intended = normalized(image_reference);
  if (!intended) return false;
  intended = intended->with_default_tag();
  if (type == "matchExact") return both_exact_and_equal(*intended, *signature);
  if (type == "matchRepoDigestOrExact") return repo_digest_or_exact(*intended, *signature);
  if (type == "matchRepository") return signature->name() == intended->name();
  if (type == "remapIdentity") {
    const auto remapped_intended = remapped(*intended, member(signed_identity, "prefix"),
                                            member(signed_identity, "signedPrefix"));
    return remapped_intended && repo_digest_or_exact(*remapped_intended, *signature);
  }
  return false;  // Policy::parse refuses other types
}

std::string describe_signed_identity(const nlohmann::json& signed_identity) {
  std::string type = identity_type(signed_identity);
  if (type == "exactReference") {
    return type + " " + json_quoted(member(signed_identity, "dockerReference"));
  }
  if (type == "exactRepository") {
    return type + " " + json_quoted(member(signed_identity, "dockerRepository"));
  }
  if (type == "remapIdentity") {
    return type + " " + json_quoted(member(signed_identity, "prefix")) + " -> " +
           json_quoted(member(signed_identity, "signedPrefix"));
  }
  return type;
}

}  // namespace nodeconf
