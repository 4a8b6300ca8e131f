// What verify asks of a source: a manifest, a blob, a repository's tags, each answer as a
// verdict status. RegistryProbes (registry_probes.h) asks real registries; tests answer from
// tables.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "oci/digest.h"
#include "oci/error.h"
#include "verify/verdict.h"

namespace verify {

// A repository on one registry, as a pull source names it.
struct SourceRepository {
  std::string host{};        // "mirror.example.com:5000"
  std::string repository{};  // "ns/app"
  bool insecure = false;     // registries.conf's insecure for this endpoint
  std::string location() const { return host + "/" + repository; }
};

struct Probe {
  Status status = Status::kOk;
  std::string reason{};  // empty when OK
};

struct ManifestProbe {
  Status status = Status::kOk;
  std::string reason{};
  std::string body{};
  std::string media_type{};
  std::string digest{};
};

class Probes {
 public:
  virtual ~Probes() = default;
  // The manifest by tag or digest, OK whenever the source answers it, with the digest of the
  // body as served: the caller compares it with a digest it asked for (a node takes the first
  // source that answers, and then fails on a wrong body). Thread-safe.
  virtual ManifestProbe manifest(const SourceRepository& source, std::string_view reference) = 0;
  // Whether the blob is there. Thread-safe.
  virtual Probe blob(const SourceRepository& source, const oci::Digest& digest) = 0;
  // Every tag of the repository.
  virtual oci::Result<std::vector<std::string>> tags(const SourceRepository& source) = 0;
};

}  // namespace verify
