#include "signature/gpg_keys.h"

#include <string_view>

#include "oci/base64.h"
#include "sys/small_file.h"

namespace signature {
namespace {

using Json = nlohmann::json;

std::string in_quotes(std::string_view text) {
  std::string out = "\"";
  out.append(text);
  out += '"';
  return out;
}

oci::Result<std::string> read_key_file(const Json& path, std::string_view field) {
  if (!path.is_string() || path.get_ref<const std::string&>().empty()) {
    return oci::fail(oci::ErrorCode::kManifestInvalid,
                     std::string(field) + " must be a non-empty string");
  }
  const std::string& file = path.get_ref<const std::string&>();
  sys::Result<std::string> bytes = sys::read_small_file(file, kMaxGpgKeyBytes);
  if (bytes) return std::move(*bytes);
  const oci::ErrorCode code = bytes.error().code == sys::Errc::kNotFound
                                  ? oci::ErrorCode::kNotFound
                                  : oci::ErrorCode::kInternal;
  std::string message = "reading " + std::string(field) + " " + in_quotes(file) + ": ";
  if (bytes.error().code == sys::Errc::kNotFound) {
    message += "no such key file";
  } else if (bytes.error().code == sys::Errc::kTooLarge) {
    message += "larger than " + std::to_string(kMaxGpgKeyBytes) + " bytes";
  } else {
    message += bytes.error().message;
  }
  return oci::fail(code, std::move(message));
}

oci::Result<std::string> decode_key_data(const Json& data) {
  if (!data.is_string()) {
    return oci::fail(oci::ErrorCode::kManifestInvalid, "keyData must be a base64 string");
  }
  const std::string& text = data.get_ref<const std::string&>();
  // Base64 grows bytes by 4/3 (line breaks, which Go skips, by a little more): refuse before
  // decoding a text far larger than the limit allows, then check the decoded size.
  const std::string too_large = "keyData larger than " + std::to_string(kMaxGpgKeyBytes) + " bytes";
  if (text.size() > kMaxGpgKeyBytes * 2) {
    return oci::fail(oci::ErrorCode::kManifestInvalid, too_large);
  }
  // As Go's encoding/json decodes []byte, the way nodeconf's policy check accepted it.
  std::optional<std::string> bytes = oci::base64_decode_go_std(text);
  if (!bytes) return oci::fail(oci::ErrorCode::kManifestInvalid, "keyData is not valid base64");
  if (bytes->size() > kMaxGpgKeyBytes) {
    return oci::fail(oci::ErrorCode::kManifestInvalid, too_large);
  }
  return std::move(*bytes);
}

}  // namespace

oci::Result<std::vector<std::string>> signed_by_key_blobs(const Json& raw) {
  if (!raw.is_object()) {
    return oci::fail(oci::ErrorCode::kManifestInvalid, "signedBy requirement is not an object");
  }
  const auto key_type = raw.find("keyType");
  if (key_type == raw.end() || !key_type->is_string()) {
    return oci::fail(oci::ErrorCode::kManifestInvalid, "signedBy requirement has no keyType");
  }
  if (key_type->get_ref<const std::string&>() != "GPGKeys") {
    return oci::fail(
        oci::ErrorCode::kUnsupported,
        "Unimplemented \"keyType\" value " + in_quotes(key_type->get_ref<const std::string&>()));
  }
  const auto path = raw.find("keyPath");
  const auto paths = raw.find("keyPaths");
  const auto data = raw.find("keyData");
  const int sources = (path != raw.end()) + (paths != raw.end()) + (data != raw.end());
  if (sources != 1) {
    return oci::fail(oci::ErrorCode::kManifestInvalid,
                     "exactly one of \"keyPath\", \"keyPaths\" and \"keyData\" must be specified");
  }
  std::vector<std::string> blobs;
  if (path != raw.end()) {
    oci::Result<std::string> blob = read_key_file(*path, "keyPath");
    if (!blob) return std::unexpected(blob.error());
    blobs.push_back(std::move(*blob));
  } else if (paths != raw.end()) {
    if (!paths->is_array() || paths->empty()) {
      return oci::fail(oci::ErrorCode::kManifestInvalid,
                       "keyPaths must be a non-empty list of file names");
    }
    for (const Json& each : *paths) {
      oci::Result<std::string> blob = read_key_file(each, "keyPaths");
      if (!blob) return std::unexpected(blob.error());
      blobs.push_back(std::move(*blob));
    }
  } else {
    oci::Result<std::string> blob = decode_key_data(*data);
    if (!blob) return std::unexpected(blob.error());
    blobs.push_back(std::move(*blob));
  }
  return blobs;
}

}  // namespace signature
