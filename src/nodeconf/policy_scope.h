// Scopes, the keys under transports.<name>: which ones each transport accepts, and which
// docker scopes an image falls under. Internal to the policy parser.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "oci/error.h"

namespace nodeconf::policy_internal {

// The transport's ValidatePolicyConfigurationScope as containers/image 5.23 in Debian 12 has
// it. Never called for "", every transport's default. docker, and the transports that build
// lacks or stubs out (atomic, ostree, unknown names), accept every scope.
oci::Result<void> validate_scope(std::string_view transport, std::string_view scope);

// The docker scopes containers/image looks up for a reference, most specific first
// (PolicyConfigurationIdentity, then PolicyConfigurationNamespaces): "repo:tag" or
// "repo@digest", the repository, each parent namespace, host[:port], then "*.domain"
// wildcards from the longest domain. A bare name counts as ":latest"; a digest makes the tag
// irrelevant.
std::vector<std::string> docker_scopes_for(std::string_view normalized_reference);

}  // namespace nodeconf::policy_internal
