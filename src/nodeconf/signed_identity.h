// signedIdentity (containers/image's PolicyReferenceMatch): does the docker-reference a
// signature claims satisfy a requirement's identity rule for the image being pulled?
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace nodeconf {

// `signed_identity` is the requirement's "signedIdentity" object as validated by Policy::parse
// (null or absent: the default, matchRepoDigestOrExact). `image_reference` is the reference
// the user asked for (the logical one, not a mirror's); a bare name counts as ":latest", as
// the docker transport makes it. `signature_reference` is the signature's docker-reference;
// both are normalized as containers/image does ("busybox" = "docker.io/library/busybox"). Any
// reference that does not parse matches nothing.
//   matchExact              both name:tag or name@digest, and equal
//   matchRepoDigestOrExact  image with a tag: equal; image by digest: same repository
//   matchRepository         same repository
//   exactReference          the signature equals dockerReference (neither name-only)
//   exactRepository         the signature's repository is dockerRepository
//   remapIdentity           the image's prefix replaced by signedPrefix, then as
//                           matchRepoDigestOrExact
bool signed_identity_matches(const nlohmann::json& signed_identity,
                             std::string_view image_reference,
                             std::string_view signature_reference);

// "matchRepoDigestOrExact", "exactReference \"quay.io/a/b:1\"", ...: the rule, for messages.
std::string describe_signed_identity(const nlohmann::json& signed_identity);

}  // namespace nodeconf
