// containers-registries.d(5): the YAML files of a directory (podman's
// /etc/containers/registries.d) saying where the lookaside storage of GPG signatures is for
// each docker scope, and whether sigstore attachments are used. Read as containers/image's
// docker/registries_d.go reads them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "oci/error.h"

namespace nodeconf {

inline constexpr std::string_view kDefaultRegistriesDDir = "/etc/containers/registries.d";
// One registries.d file larger than this is refused (they hold a few lines each).
inline constexpr std::uintmax_t kMaxRegistriesDFileBytes = 1u << 20;

// The settings of one scope (a `docker:` key) or of `default-docker`. The staging locations
// are only parsed (type-checked as containers/image does): regmirror writes no lookaside.
struct LookasideNamespace {
  std::string lookaside;          // "lookaside": read, and write when there is no staging
  std::string lookaside_staging;  // "lookaside-staging": write only
  std::string sigstore;           // "sigstore": lookaside's old name
  std::string sigstore_staging;   // "sigstore-staging": lookaside-staging's old name
  std::optional<bool> use_sigstore_attachments;
};

class RegistriesD {
 public:
  // Every *.yaml file of `dir` (none: empty config); duplicates across files are errors as in
  // containers/image. A missing dir is an empty config.
  static oci::Result<RegistriesD> load(const std::filesystem::path& dir);
  static oci::Result<RegistriesD> parse(std::string_view yaml,
                                        std::string_view source_name);  // one file
  // The lookaside (read) URL for a docker reference's repository ("quay.io/ns/app"), the most
  // specific docker: entry first, then default-docker; nullopt when none.
  // `repository` may carry a tag or digest ("quay.io/ns/app:v1"): the entry for exactly that
  // reference is then looked at first, as containers/image's PolicyConfigurationIdentity.
  std::optional<std::string> lookaside(std::string_view repository) const;
  bool use_sigstore_attachments(std::string_view repository) const;

  const std::optional<LookasideNamespace>& default_docker() const { return default_docker_; }
  const std::map<std::string, LookasideNamespace>& docker() const { return docker_; }

 private:
  // Adds `file`'s settings, refusing a scope or default-docker already set by another file.
  oci::Result<void> merge(RegistriesD file, const std::string& source_name);

  std::optional<LookasideNamespace> default_docker_;
  std::map<std::string, LookasideNamespace> docker_;
  std::string default_docker_source_;
  std::map<std::string, std::string> docker_sources_;
};

// containers/image's lookaside layout: <base>/<repository path without
// host>@sha256=<hex>/signature-<n>, n from 1.
std::string lookaside_signature_url(std::string_view base_url, std::string_view repository,
                                    std::string_view manifest_digest, int n);

}  // namespace nodeconf
