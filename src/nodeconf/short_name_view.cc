#include "nodeconf/short_name_view.h"

#include "nodeconf/go_quote.h"

namespace nodeconf {
namespace {

bool names_a_registry(std::string_view domain) {
  return domain.find_first_of(".:") != std::string_view::npos || domain == "localhost";
}

// The alias with the input's tag and digest carried over.
oci::Result<oci::Reference> apply_alias(const oci::Reference& alias, const oci::Reference& input) {
  oci::Reference resolved = alias;
  if (input.has_tag()) {
    auto tagged = resolved.with_tag(input.tag());
    if (!tagged) return tagged;
    resolved = std::move(*tagged);
  }
  if (input.has_digest()) {
    auto digested = resolved.with_digest(input.digest());
    if (!digested) return digested;
    resolved = std::move(*digested);
  }
  return resolved.with_default_tag();
}

ShortNameView failed(ShortNameView view, std::string error) {
  view.candidates.clear();
  view.error = std::move(error);
  return view;
}

ShortNameView search_candidates(const RegistriesConf& conf, std::string_view input,
                                ShortNameView view) {
  view.rationale = ShortNameRationale::kUnqualifiedSearch;
  view.origin = conf.unqualified_search_registries_origin;
  if (conf.unqualified_search_registries.empty()) {
    if (view.origin.empty()) {
      return failed(std::move(view), "short-name " + go_quote(input) +
                                         " did not resolve to an alias and no "
                                         "containers-registries.conf(5) was found");
    }
    std::string error = "short-name " + go_quote(input) +
                        " did not resolve to an alias and no unqualified-search registries are "
                        "defined in " +
                        go_quote(view.origin);
    return failed(std::move(view), std::move(error));
  }
  for (const std::string& registry : conf.unqualified_search_registries) {
    auto candidate = oci::Reference::parse_normalized(registry + "/" + std::string(input));
    if (!candidate) {
      return failed(std::move(view), "creating reference with unqualified-search registry " +
                                         go_quote(registry) + ": " + candidate.error().message);
    }
    view.candidates.push_back(candidate->with_default_tag());
  }
  if (view.candidates.size() > 1 && conf.short_name_mode == ShortNameMode::kEnforcing) {
    return failed(std::move(view),
                  "short-name resolution enforced but cannot prompt without a TTY");
  }
  return view;
}

}  // namespace

bool is_short_name(std::string_view input) {
  auto parsed = oci::Reference::parse(input);
  return parsed && !names_a_registry(parsed->domain());
}

ShortNameView short_name_view(const oci::Result<RegistriesConf>& conf, std::string_view input) {
  ShortNameView view;
  view.is_short_name = is_short_name(input);
  if (!conf) return failed(std::move(view), conf.error().message);

  auto parsed = oci::Reference::parse(input);
  if (!parsed) {
    return failed(std::move(view),
                  "cannot parse input: " + go_quote(input) + ": " + parsed.error().message);
  }
  if (names_a_registry(parsed->domain())) {
    auto normalized = oci::Reference::parse_normalized(input);
    if (!normalized) {
      return failed(std::move(view), "cannot normalize input: " + go_quote(input) + ": " +
                                         normalized.error().message);
    }
    view.candidates.push_back(normalized->with_default_tag());
    return view;
  }

  // Aliases are keyed by the name as typed, without tag or digest and not normalized.
  const auto alias = conf->aliases.find(parsed->name_only().str());
  if (alias != conf->aliases.end() && alias->second.value) {
    view.rationale = ShortNameRationale::kAlias;
    view.origin = alias->second.origin;
    auto candidate = apply_alias(*alias->second.value, *parsed);
    if (!candidate) return failed(std::move(view), candidate.error().message);
    view.candidates.push_back(std::move(*candidate));
    return view;
  }
  return search_candidates(*conf, input, std::move(view));
}

}  // namespace nodeconf
