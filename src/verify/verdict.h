// What `regmirror verify` concludes about one image, as values: the status of each source
// the node would try (in the node's order) and of the image as a whole.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace verify {

enum class Status {
  kOk,           // every piece present and readable
  kMissing,      // a manifest, child manifest, config or layer is not there (404)
  kUntrusted,    // the TLS handshake or certificate verification failed
  kDenied,       // 401/403 with the node's credentials
  kBlocked,      // registries.conf blocks every source, or policy.json rejects the image
  kUnsigned,     // the policy requires signatures that are not there
  kUnreachable,  // no connection (unknown host, refused, timed out)
  kError,        // anything else the registry answered (5xx, an invalid manifest...)
};

// "OK", "MISSING", "UNTRUSTED", "DENIED", "BLOCKED", "UNSIGNED", "UNREACHABLE", "ERROR".
std::string_view status_name(Status status);

// One source as the node would try it.
struct SourceReport {
  std::string location{};   // "mirror.example.com:5000/ns/app"
  bool mirror = false;      // false: the image's own registry
  std::string reference{};  // what was asked: "mirror.example.com:5000/ns/app:v1"
  // nullopt: not asked (skipped: a mirror not used for this reference, blocked; or an earlier
  // source served the manifest, so the node never gets here).
  std::optional<Status> status{};
  std::string reason{};   // why not OK, or why skipped
  std::string missing{};  // MISSING/UNSIGNED: the digest (or tag) that is not there
};

struct ImageVerdict {
  std::string image{};  // as listed
  Status status = Status::kError;
  // The source the node would pull from (it served the manifest): location; "" when none.
  std::string served_by{};
  std::string manifest_digest{};  // of the image's own manifest at served_by
  std::string reason{};           // one line: what is wrong, naming the culprit and where
  std::vector<SourceReport> sources{};
  bool pulls() const { return status == Status::kOk; }
};

}  // namespace verify
