#include "nodeconf/library_view.h"

#include "nodeconf/prefix_match.h"

namespace nodeconf {

LibraryView library_view(const oci::Result<RegistriesConf>& conf, std::string_view input) {
  LibraryView view;
  auto parsed = oci::Reference::parse_normalized(input);
  if (!parsed) {
    view.error = parsed.error().message;
    return view;
  }
  view.reference = *parsed;
  if (!conf) {
    view.error = conf.error().message;
    return view;
  }
  const Registry* registry = find_registry(conf->registries, parsed->name());
  if (!registry) {
    Endpoint implicit;
    implicit.location = parsed->str();
    view.pull_sources.push_back(PullSource{std::move(implicit), false, *parsed});
    return view;
  }
  view.registry = *registry;
  view.blocked = registry->blocked;
  view.mirrors = decide_mirrors(*registry, *parsed);
  auto sources = pull_sources(*registry, *parsed);
  if (!sources) {
    view.error = sources.error().message;
    return view;
  }
  view.pull_sources = std::move(*sources);
  return view;
}

}  // namespace nodeconf
