#include "nodeconf/resolution.h"

namespace nodeconf {

bool Resolution::pullable() const {
  return transport.has_usable_attempt() && !(policy && policy->verdict == PolicyVerdict::kReject);
}

Resolution resolve(const oci::Result<RegistriesConf>& conf, const Policy* policy,
                   std::string_view input) {
  Resolution resolution{std::string(input), library_view(conf, input), transport_view(conf, input),
                        short_name_view(conf, input), std::nullopt};
  if (policy && resolution.transport.reference) {
    resolution.policy = policy->evaluate_docker(resolution.transport.reference->str());
  }
  return resolution;
}

}  // namespace nodeconf
