// The key material a signedBy requirement names, read as containers/image's
// policy_eval_signedby.go reads it: keyType must be GPGKeys; exactly one of keyPath (a file),
// keyPaths (files) and keyData (base64 of the key bytes). Each source is one blob handed to
// gpg's import (binary or ASCII-armored keys, one or more per blob).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "oci/error.h"

namespace signature {

// A key file or keyData larger than this is refused: public keyrings are kilobytes.
inline constexpr std::uint64_t kMaxGpgKeyBytes = std::uint64_t{4} << 20;

// The key blobs of a signedBy requirement object (`raw` as nodeconf::PolicyRequirement::raw
// holds it). Errors name the field and the file: an unreadable or missing file, a keyData that
// is not base64, another keyType ("Unimplemented" as containers/image words it).
oci::Result<std::vector<std::string>> signed_by_key_blobs(const nlohmann::json& raw);

}  // namespace signature
