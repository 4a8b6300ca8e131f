// podman's short-name resolution (containers/image pkg/shortnames.Resolve) without a TTY:
// a name without a registry ("fedora", "library/fedora:39", "fedora@sha256:...") is
// resolved through [aliases] first, then through unqualified-search-registries, and
// short-name-mode decides what happens to several candidates when nobody can be asked.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nodeconf/registries_conf.h"
#include "oci/error.h"
#include "oci/reference.h"

namespace nodeconf {

enum class ShortNameRationale {
  kNotShortName,       // already fully qualified: the one candidate is the reference
  kAlias,              // resolved through [aliases]
  kUnqualifiedSearch,  // completed with each unqualified-search registry
};

struct ShortNameView {
  bool is_short_name = false;
  std::vector<oci::Reference> candidates;  // in pull order, ":latest" added when needed
  std::optional<std::string> error;
  ShortNameRationale rationale = ShortNameRationale::kNotShortName;
  std::string origin;  // the file of the alias or the search list
};

// Whether `input` names no registry: its first component has no '.' or ':' and is not
// "localhost". Unparsable input is not a short name.
bool is_short_name(std::string_view input);

ShortNameView short_name_view(const oci::Result<RegistriesConf>& conf, std::string_view input);

}  // namespace nodeconf
