#include "nodeconf/policy_requirement.h"

#include <algorithm>
#include <array>

#include "nodeconf/policy_identity.h"

namespace nodeconf::policy_internal {
namespace {

constexpr std::array<std::string_view, 4> kKeyTypes = {"GPGKeys", "signedByGPGKeys",
                                                       "X509Certificates", "signedByX509CAs"};

int count_set(std::initializer_list<const Member*> members) {
  return static_cast<int>(std::ranges::count_if(members, [](const Member* m) { return m->set; }));
}

oci::Result<void> check_signed_identity(const Json* identity, const std::string& where) {
  if (identity == nullptr) return {};  // matchRepoDigestOrExact by default
  return check_identity(*identity, member_path(where, "signedIdentity"));
}

oci::Result<void> check_signed_by(const Json& value, const std::string& where) {
  Member type, key_type, key_path, key_paths, key_data;
  const Json* signed_identity = nullptr;
  if (auto ok = read_object(value, where,
                            {{"type", string_into(type)},
                             {"keyType", string_into(key_type)},
                             {"keyPath", string_into(key_path)},
                             {"keyPaths", string_list_into(key_paths)},
                             {"keyData", bytes_into(key_data)},
                             {"signedIdentity", value_into(signed_identity)}});
      !ok) {
    return ok;
  }
  if (std::ranges::find(kKeyTypes, key_type.text) == kKeyTypes.end()) {
    return error_at(where, "invalid keyType " + in_quotes(key_type.text));
  }
  if (auto ok = check_signed_identity(signed_identity, where); !ok) return ok;
  const int given = key_path.present + key_paths.present + key_data.present;
  if (given == 0) {
    return error_at(where,
                    "exactly one of keyPath, keyPaths and keyData must be specified, none of them "
                    "present");
  }
  if (given > 1) {
    return error_at(where,
                    "exactly one of keyPath, keyPaths and keyData must be specified, more than one "
                    "present");
  }
  // A present but empty keyPath, or a null keyPaths or keyData, is no key at all.
  if (count_set({&key_path, &key_paths, &key_data}) != 1) {
    return error_at(where, "exactly one of keyPath, keyPaths and keyData must be specified");
  }
  return {};
}

oci::Result<void> check_fulcio(const Json& value, const std::string& where) {
  Member ca_path, ca_data, oidc_issuer, subject_email;
  if (auto ok = read_object(value, where,
                            {{"caPath", string_into(ca_path)},
                             {"caData", bytes_into(ca_data)},
                             {"oidcIssuer", string_into(oidc_issuer)},
                             {"subjectEmail", string_into(subject_email)}});
      !ok) {
    return ok;
  }
  if (ca_path.set && ca_data.set) {
    return error_at(where, "caPath and caData cannot be used simultaneously");
  }
  if (!ca_path.set && !ca_data.set) {
    return error_at(where, "at least one of caPath and caData must be specified");
  }
  if (!oidc_issuer.set) return error_at(where, "oidcIssuer not specified");
  if (!subject_email.set) return error_at(where, "subjectEmail not specified");
  return {};
}

oci::Result<void> check_pki(const Json& value, const std::string& where) {
  Member roots_path, roots_data, intermediates_path, intermediates_data, subject_email,
      subject_hostname;
  if (auto ok = read_object(value, where,
                            {{"caRootsPath", string_into(roots_path)},
                             {"caRootsData", bytes_into(roots_data)},
                             {"caIntermediatesPath", string_into(intermediates_path)},
                             {"caIntermediatesData", bytes_into(intermediates_data)},
                             {"subjectEmail", string_into(subject_email)},
                             {"subjectHostname", string_into(subject_hostname)}});
      !ok) {
    return ok;
  }
  if (roots_path.set && roots_data.set) {
    return error_at(where, "caRootsPath and caRootsData cannot be used simultaneously");
  }
  if (!roots_path.set && !roots_data.set) {
    return error_at(where, "at least one of caRootsPath and caRootsData must be specified");
  }
  if (intermediates_path.set && intermediates_data.set) {
    return error_at(where,
                    "caIntermediatesPath and caIntermediatesData cannot be used simultaneously");
  }
  if (!subject_email.set && !subject_hostname.set) {
    return error_at(where, "at least one of subjectEmail, subjectHostname must be specified");
  }
  return {};
}

// The sigstoreSigned fields of current containers/image, as OpenShift's ClusterImagePolicy
// renders them onto nodes; Debian's 5.23 knows only keyPath, keyData and signedIdentity.
oci::Result<void> check_sigstore_signed(const Json& value, const std::string& where) {
  Member type, key_path, key_paths, key_data, key_datas, rekor_path, rekor_paths, rekor_data,
      rekor_datas;
  const Json* fulcio = nullptr;
  const Json* pki = nullptr;
  const Json* signed_identity = nullptr;
  if (auto ok = read_object(value, where,
                            {{"type", string_into(type)},
                             {"keyPath", string_into(key_path)},
                             {"keyPaths", string_list_into(key_paths)},
                             {"keyData", bytes_into(key_data)},
                             {"keyDatas", bytes_list_into(key_datas)},
                             {"fulcio", value_into(fulcio)},
                             {"rekorPublicKeyPath", string_into(rekor_path)},
                             {"rekorPublicKeyPaths", string_list_into(rekor_paths)},
                             {"rekorPublicKeyData", bytes_into(rekor_data)},
                             {"rekorPublicKeyDatas", bytes_list_into(rekor_datas)},
                             {"pki", value_into(pki)},
                             {"signedIdentity", value_into(signed_identity)}});
      !ok) {
    return ok;
  }
  if (fulcio != nullptr) {
    if (auto ok = check_fulcio(*fulcio, member_path(where, "fulcio")); !ok) return ok;
  }
  if (pki != nullptr) {
    if (auto ok = check_pki(*pki, member_path(where, "pki")); !ok) return ok;
  }
  if (auto ok = check_signed_identity(signed_identity, where); !ok) return ok;
  const std::array<std::pair<std::string_view, const Member*>, 4> lists = {
      {{"keyPaths", &key_paths},
       {"keyDatas", &key_datas},
       {"rekorPublicKeyPaths", &rekor_paths},
       {"rekorPublicKeyDatas", &rekor_datas}}};
  for (const auto& [name, list] : lists) {
    if (list->present && list->count == 0) {
      return error_at(where, in_quotes(name) + " contains no entries");
    }
  }
  const int key_sources = count_set({&key_path, &key_paths, &key_data, &key_datas}) +
                          (fulcio != nullptr) + (pki != nullptr);
  if (key_sources != 1) {
    return error_at(where,
                    "exactly one of keyPath, keyPaths, keyData, keyDatas, fulcio, and pki must be "
                    "specified");
  }
  const int rekor_sources = count_set({&rekor_path, &rekor_paths, &rekor_data, &rekor_datas});
  if (rekor_sources > 1) {
    return error_at(where,
                    "at most one of rekorPublicKeyPath, rekorPublicKeyPaths, rekorPublicKeyData "
                    "and rekorPublicKeyDatas can be used simultaneously");
  }
  if (fulcio != nullptr && rekor_sources == 0) {
    return error_at(where,
                    "at least one of rekorPublicKeyPath, rekorPublicKeyPaths, rekorPublicKeyData "
                    "and rekorPublicKeyDatas must be specified if fulcio is used");
  }
  return {};
}

oci::Result<void> check_signed_base_layer(const Json& value, const std::string& where) {
  Member type;
  const Json* identity = nullptr;
  if (auto ok = read_exact_object(
          value, where, {{"type", string_into(type)}, {"baseLayerIdentity", value_into(identity)}});
      !ok) {
    return ok;
  }
  return check_identity(*identity, member_path(where, "baseLayerIdentity"));
}

oci::Result<void> check_requirement(const std::string& type, const Json& value,
                                    const std::string& where) {
  if (type == "insecureAcceptAnything" || type == "reject") {
    Member type_member;
    return read_exact_object(value, where, {{"type", string_into(type_member)}});
  }
  if (type == "signedBy") return check_signed_by(value, where);
  if (type == "sigstoreSigned") return check_sigstore_signed(value, where);
  if (type == "signedBaseLayer") return check_signed_base_layer(value, where);
  return error_at(where, "unknown policy requirement type " + in_quotes(type));
}

}  // namespace

oci::Result<std::vector<PolicyRequirement>> parse_requirements(const Json& value,
                                                               const std::string& where) {
  if (!value.is_array() && !value.is_null()) {
    return error_at(where,
                    std::string("expected an array of requirements, got ") + value.type_name());
  }
  if (value.empty()) {
    return error_at(where, "list of verification policy requirements must not be empty");
  }
  std::vector<PolicyRequirement> requirements;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const std::string element = element_path(where, i);
    auto type = read_type(value[i], element);
    if (!type) return std::unexpected(type.error());
    if (auto ok = check_requirement(*type, value[i], element); !ok) {
      return std::unexpected(ok.error());
    }
    requirements.push_back(PolicyRequirement{std::move(*type), value[i]});
  }
  return requirements;
}

}  // namespace nodeconf::policy_internal
