// requirement_public_keys (public_key.h): the keys of a sigstoreSigned requirement, read the way
// containers/image's policy_eval_sigstore.go reads them.
#include <algorithm>
#include <array>
#include <string>

#include "oci/base64.h"
#include "signature/public_key.h"
#include "sys/small_file.h"

namespace signature {

namespace {

using Json = nlohmann::json;

// A public key file is a few hundred bytes; the limit only stops a wrong path early.
constexpr std::uint64_t kMaxKeyFile = std::uint64_t{1024} * 1024;

// The fields that make containers/image verify certificates or transparency-log entries, which
// regmirror does not do: refusing them is safer than ignoring what the policy asks for.
constexpr std::array<std::string_view, 6> kUnsupportedFields = {"fulcio",
                                                                "rekorPublicKeyPath",
                                                                "rekorPublicKeyPaths",
                                                                "rekorPublicKeyData",
                                                                "rekorPublicKeyDatas",
                                                                "pki"};

oci::Result<PublicKey> key_from_file(const std::string& path) {
  auto text = sys::read_small_file(path, kMaxKeyFile);
  if (!text) {
    return oci::fail(oci::ErrorCode::kNotFound,
                     "sigstoreSigned keyPath " + path + ": " + text.error().message);
  }
  auto key = PublicKey::from_pem(*text);
  if (!key) {
    return oci::fail(key.error().code,
                     "sigstoreSigned keyPath " + path + ": " + key.error().message);
  }
  return key;
}

// keyData: base64 of the PEM text, as Go's encoding/json decodes []byte.
oci::Result<PublicKey> key_from_data(const Json& value, const std::string& where) {
  if (!value.is_string()) {
    return oci::fail(oci::ErrorCode::kUnsupported, "sigstoreSigned " + where + ": not a string");
  }
  const auto pem = oci::base64_decode_go_std(value.get_ref<const std::string&>());
  if (!pem) {
    return oci::fail(oci::ErrorCode::kUnsupported,
                     "sigstoreSigned " + where + ": malformed base64");
  }
  auto key = PublicKey::from_pem(*pem);
  if (!key) {
    return oci::fail(key.error().code, "sigstoreSigned " + where + ": " + key.error().message);
  }
  return key;
}

oci::Result<void> add_path(const Json& value, const std::string& where,
                           std::vector<PublicKey>& keys) {
  if (!value.is_string() || value.get<std::string>().empty()) {
    return oci::fail(oci::ErrorCode::kUnsupported, "sigstoreSigned " + where + ": not a file name");
  }
  auto key = key_from_file(value.get<std::string>());
  if (!key) return std::unexpected(std::move(key.error()));
  keys.push_back(std::move(*key));
  return {};
}

oci::Result<void> add_data(const Json& value, const std::string& where,
                           std::vector<PublicKey>& keys) {
  auto key = key_from_data(value, where);
  if (!key) return std::unexpected(std::move(key.error()));
  keys.push_back(std::move(*key));
  return {};
}

// Each of a list member's entries through `add`.
template <class Add>
oci::Result<void> add_list(const Json& list, std::string_view name, Add add) {
  if (!list.is_array()) {
    return oci::fail(oci::ErrorCode::kUnsupported,
                     "sigstoreSigned " + std::string(name) + ": not a list");
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string where(name);
    where.append("[").append(std::to_string(i)).append("]");
    if (auto ok = add(list[i], where); !ok) return ok;
  }
  return {};
}

}  // namespace

oci::Result<std::vector<PublicKey>> requirement_public_keys(const Json& raw) {
  if (!raw.is_object()) {
    return oci::fail(oci::ErrorCode::kUnsupported, "sigstoreSigned requirement: not an object");
  }
  for (std::string_view field : kUnsupportedFields) {
    if (raw.contains(field) && !raw.at(std::string(field)).is_null()) {
      return oci::fail(oci::ErrorCode::kUnsupported,
                       "regmirror verifies sigstoreSigned with public keys only: \"" +
                           std::string(field) + "\" is not supported");
    }
  }
  std::vector<PublicKey> keys;
  const auto path = [&](const Json& value, const std::string& where) {
    return add_path(value, where, keys);
  };
  const auto data = [&](const Json& value, const std::string& where) {
    return add_data(value, where, keys);
  };
  // An absent, null or empty member is no key, as containers/image reads it.
  const auto given = [&](const char* name) {
    return raw.contains(name) && !raw[name].is_null() &&
           !(raw[name].is_string() && raw[name].get_ref<const std::string&>().empty());
  };
  oci::Result<void> ok;
  if (given("keyPath")) ok = path(raw["keyPath"], "keyPath");
  if (ok && given("keyPaths")) ok = add_list(raw["keyPaths"], "keyPaths", path);
  if (ok && given("keyData")) ok = data(raw["keyData"], "keyData");
  if (ok && given("keyDatas")) ok = add_list(raw["keyDatas"], "keyDatas", data);
  if (!ok) return std::unexpected(std::move(ok.error()));
  if (keys.empty()) {
    return oci::fail(oci::ErrorCode::kUnsupported,
                     "sigstoreSigned requirement names no public key (keyPath, keyPaths, keyData "
                     "or keyDatas)");
  }
  return keys;
}

}  // namespace signature
