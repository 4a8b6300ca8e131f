#include "sync/repository_mapping.h"

#include <fmt/format.h>

namespace imagesync {
namespace {

using oci::ErrorCode;

// docker/reference reads the first component as a host only when it has a dot or a port or
// is "localhost"; anything else would be taken for a Docker Hub namespace.
bool looks_like_host(std::string_view text) {
  return text == "localhost" || text.find_first_of(".:") != std::string_view::npos;
}

bool is_name(std::string_view host, std::string_view path) {
  auto parsed = oci::Reference::parse(fmt::format("{}/{}", host, path));
  return parsed && parsed->is_name_only() && parsed->domain() == host && parsed->path() == path;
}

}  // namespace

oci::Result<Destination> Destination::parse(std::string_view text) {
  const auto slash = text.find('/');
  Destination destination;
  destination.host = std::string(text.substr(0, slash));
  if (slash != std::string_view::npos) destination.prefix = std::string(text.substr(slash + 1));
  if (!oci::is_valid_reference_domain(destination.host) || !looks_like_host(destination.host)) {
    return oci::fail(ErrorCode::kNameInvalid,
                     fmt::format("\"{}\" does not start with a registry host (a name with a dot "
                                 "or a port, or localhost)",
                                 text));
  }
  if (slash != std::string_view::npos && !is_name(destination.host, destination.prefix)) {
    return oci::fail(
        ErrorCode::kNameInvalid,
        fmt::format("\"{}\": invalid repository path prefix \"{}\"", text, destination.prefix));
  }
  return destination;
}

oci::Result<void> validate_rewrite(const RewriteRule& rule) {
  const auto slash = rule.from.find('/');
  const std::string host = rule.from.substr(0, slash);
  const bool host_ok = oci::is_valid_reference_domain(host) && looks_like_host(host);
  if (!host_ok || (slash != std::string::npos && !is_name(host, rule.from.substr(slash + 1)))) {
    return oci::fail(ErrorCode::kNameInvalid,
                     fmt::format("rewrite from \"{}\": must be a repository name or prefix that "
                                 "starts with a registry host, without tag or digest (sources "
                                 "are matched by their full name, e.g. docker.io/library/busybox)",
                                 rule.from));
  }
  if (!rule.to.empty() && !is_name("example.com", rule.to)) {
    return oci::fail(ErrorCode::kNameInvalid,
                     fmt::format("rewrite to \"{}\": not a repository path", rule.to));
  }
  return {};
}

oci::Result<oci::Reference> destination_repository(const oci::Reference& source,
                                                   const Destination& destination,
                                                   const std::vector<RewriteRule>& rules) {
  const std::string name = source.name();
  const RewriteRule* best = nullptr;
  for (const auto& rule : rules) {
    const bool matches =
        name == rule.from || (name.starts_with(rule.from) && name[rule.from.size()] == '/');
    if (matches && (best == nullptr || rule.from.size() > best->from.size())) best = &rule;
  }
  std::string path = source.path();
  if (best != nullptr) {
    const std::string rest = name.substr(std::min(name.size(), best->from.size() + 1));
    path = best->to.empty() ? rest : rest.empty() ? best->to : best->to + "/" + rest;
  }
  if (!destination.prefix.empty())
    path = path.empty() ? destination.prefix : destination.prefix + "/" + path;
  if (path.empty()) {
    return oci::fail(ErrorCode::kNameInvalid,
                     fmt::format("{} maps to the bare registry {}: a rewrite rule needs a `to` "
                                 "or the destination a path prefix",
                                 name, destination.host));
  }
  auto mapped = oci::Reference::parse(destination.host + "/" + path);
  if (!mapped || !mapped->is_name_only()) {
    return oci::fail(ErrorCode::kNameInvalid, fmt::format("{} maps to an invalid repository {}/{}",
                                                          name, destination.host, path));
  }
  return *mapped;
}

oci::Result<std::map<std::string, std::string>> map_repositories(
    const std::vector<oci::Reference>& sources, const Destination& destination,
    const std::vector<RewriteRule>& rules) {
  std::map<std::string, std::string> mapped;
  std::map<std::string, std::string> claimed_by;  // destination -> source
  for (const auto& source : sources) {
    auto target = destination_repository(source, destination, rules);
    if (!target) return std::unexpected(target.error());
    const std::string name = source.name();
    auto [it, fresh] = claimed_by.emplace(target->name(), name);
    if (!fresh && it->second != name) {
      return oci::fail(ErrorCode::kNameInvalid, fmt::format("{} and {} would both be copied to {}",
                                                            it->second, name, target->name()));
    }
    mapped[name] = target->name();
  }
  return mapped;
}

}  // namespace imagesync
