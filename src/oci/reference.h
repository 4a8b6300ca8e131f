// Image references ("quay.io/ns/app:1.0@sha256:...") parsed and normalized exactly as
// containers/image's docker/reference (5.23) does it, error messages included, because the
// node-side resolver must agree with podman and CRI-O on every input.
#pragma once

#include <string>
#include <string_view>

#include "oci/error.h"

namespace oci {

class Reference {
 public:
  // reference.Parse: the text as written, no default domain. "busybox" has an empty domain.
  static Result<Reference> parse(std::string_view text);
  // reference.ParseNormalizedNamed: "busybox" -> "docker.io/library/busybox",
  // "index.docker.io/x/y" -> "docker.io/x/y".
  static Result<Reference> parse_normalized(std::string_view text);
  // reference.ParseNamed: like parse_normalized, but the text must already be normalized
  // ("repository name must be canonical" otherwise).
  static Result<Reference> parse_canonical(std::string_view text);

  const std::string& domain() const { return domain_; }  // "quay.io", "localhost:5000" or ""
  const std::string& path() const { return path_; }      // "ns/app"
  std::string name() const;                              // domain/path, or path alone
  const std::string& tag() const { return tag_; }        // "" when there is none
  const std::string& digest() const { return digest_; }  // "" when there is none
  bool has_tag() const { return !tag_.empty(); }
  bool has_digest() const { return !digest_.empty(); }
  bool is_name_only() const { return !has_tag() && !has_digest(); }

  // name[:tag][@digest]
  std::string str() const;
  // The Docker UI spelling: "docker.io/library/busybox:1" -> "busybox:1".
  std::string familiar_name() const;
  std::string familiar_str() const;

  // reference.TagNameOnly: adds ":latest" when there is neither a tag nor a digest.
  Reference with_default_tag() const;
  // reference.TrimNamed: drops the tag and the digest.
  Reference name_only() const;
  // reference.WithTag / WithDigest: the name kept, the tag or digest replaced.
  Result<Reference> with_tag(std::string_view tag) const;
  Result<Reference> with_digest(std::string_view digest) const;

  friend bool operator==(const Reference&, const Reference&) = default;

 private:
  Reference(std::string domain, std::string path, std::string tag, std::string digest)
      : domain_(std::move(domain)),
        path_(std::move(path)),
        tag_(std::move(tag)),
        digest_(std::move(digest)) {}

  std::string domain_;
  std::string path_;
  std::string tag_;
  std::string digest_;
};

// True when a host[:port] is spelled as docker/reference's DomainRegexp allows
// ("registry.example.com:5000", "localhost"), as unqualified-search-registries must be.
bool is_valid_reference_domain(std::string_view text);

}  // namespace oci
