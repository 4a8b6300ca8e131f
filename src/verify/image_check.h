// One image checked as a node would pull it: resolved through registries.conf and
// policy.json (nodeconf::resolve), then its sources tried in the node's order. As in
// containers/image, the first source that serves the image's manifest is the one the node
// pulls everything from: a source that fails the manifest (missing, untrusted, denied,
// unreachable) falls through to the next, but a child manifest, config, layer or signature
// missing at the source that served the manifest fails the pull. A source that answers a
// digest with another body serves it too: the node fails there (ERROR), it does not go on.
//
// An index: with no platforms given every child manifest is checked (a cluster may have nodes
// of any architecture) but build attestations (platform unknown/unknown, which no node pulls),
// and a missing child's reason names its platform; with platforms, the child each platform's
// node picks (as containers/image picks it), and an index without one for a platform is
// MISSING. Signatures policy.json requires are judged on those image manifests, each under its
// own digest, never on the index: containers/image checks each image it copies and not the list.
#pragma once

#include <string_view>
#include <vector>

#include "nodeconf/policy.h"
#include "nodeconf/registries_conf.h"
#include "oci/error.h"
#include "transfer/copy_image.h"
#include "verify/probes.h"
#include "verify/signature_policy.h"
#include "verify/verdict.h"

namespace verify {

class ImageChecker {
 public:
  // `policy` may be nullptr (tests: no policy evaluated; a node always has one, see
  // node_root.h); `signatures` checks what a policy requires.
  ImageChecker(const oci::Result<nodeconf::RegistriesConf>& conf, const nodeconf::Policy* policy,
               Probes& probes, SignaturePolicy& signatures,
               std::vector<transfer::Platform> platforms = {})
      : conf_(conf),
        policy_(policy),
        probes_(probes),
        signatures_(signatures),
        platforms_(std::move(platforms)) {}

  ImageVerdict check(std::string_view image) const;

 private:
  const oci::Result<nodeconf::RegistriesConf>& conf_;
  const nodeconf::Policy* policy_;
  Probes& probes_;
  SignaturePolicy& signatures_;
  std::vector<transfer::Platform> platforms_;
};

}  // namespace verify
