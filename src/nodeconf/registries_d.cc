#include "nodeconf/registries_d.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <system_error>
#include <vector>

#include "nodeconf/config_text_reader.h"
#include "nodeconf/go_quote.h"
#include "nodeconf/policy_scope.h"

namespace nodeconf {
namespace {

namespace fs = std::filesystem;

std::unexpected<oci::Error> fail(std::string message) {
  return oci::fail(oci::ErrorCode::kInternal, std::move(message));
}

// The scalar's text; only scalars (and null, an empty string as Go's JSON null) are strings.
oci::Result<std::string> string_field(const YAML::Node& node, std::string_view key) {
  if (node.IsNull()) return std::string();
  if (!node.IsScalar()) return fail(std::string(key) + " must be a string");
  return node.Scalar();
}

// A plain (unquoted) YAML 1.1 boolean, as go-yaml resolves one; null leaves it unset.
oci::Result<std::optional<bool>> bool_field(const YAML::Node& node, std::string_view key) {
  if (node.IsNull()) return std::optional<bool>();
  bool value = false;
  if (!node.IsScalar() || node.Tag() == "!" || !YAML::convert<bool>::decode(node, value)) {
    return fail(std::string(key) + " must be true or false");
  }
  return std::optional<bool>(value);
}

// The mapping's keys, refusing non-scalar and repeated keys.
oci::Result<std::vector<std::pair<std::string, YAML::Node>>> mapping_entries(
    const YAML::Node& node, std::string_view where) {
  std::vector<std::pair<std::string, YAML::Node>> entries;
  for (const auto& entry : node) {
    if (!entry.first.IsScalar()) return fail(std::string(where) + ": a key is not a string");
    std::string key = entry.first.Scalar();
    if (std::ranges::any_of(entries, [&](const auto& seen) { return seen.first == key; })) {
      return fail(std::string(where) + ": key " + go_quote(key) + " repeated");
    }
    entries.emplace_back(std::move(key), entry.second);
  }
  return entries;
}

oci::Result<LookasideNamespace> parse_namespace(const YAML::Node& node, const std::string& where) {
  LookasideNamespace out;
  if (node.IsNull()) return out;
  if (!node.IsMap()) return fail(where + " must be a mapping");
  auto entries = mapping_entries(node, where);
  if (!entries) return std::unexpected(entries.error());
  for (const auto& [key, value] : *entries) {
    std::string field = where;
    field.append(".").append(key);
    std::string* text = key == "lookaside"           ? &out.lookaside
                        : key == "lookaside-staging" ? &out.lookaside_staging
                        : key == "sigstore"          ? &out.sigstore
                        : key == "sigstore-staging"  ? &out.sigstore_staging
                                                     : nullptr;
    if (text != nullptr) {
      auto parsed = string_field(value, field);
      if (!parsed) return std::unexpected(parsed.error());
      *text = std::move(*parsed);
    } else if (key == "use-sigstore-attachments") {
      auto parsed = bool_field(value, field);
      if (!parsed) return std::unexpected(parsed.error());
      out.use_sigstore_attachments = *parsed;
    }
    // Other keys are ignored, as go-yaml's Unmarshal into containers/image's struct does:
    // a file podman reads (with keys of a newer containers/image, say) reads here too.
  }
  return out;
}

// A file's name that load reads: "*.yaml", as containers/image's loadAndMergeConfig.
oci::Result<std::vector<fs::path>> yaml_files(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  fs::directory_iterator entries(dir, ec);
  if (ec == std::errc::no_such_file_or_directory) return files;
  if (ec) return fail("reading " + dir.string() + ": " + go_errno_text(ec.value()));
  for (const fs::directory_entry& entry : entries) {
    if (entry.path().filename().string().ends_with(".yaml")) files.push_back(entry.path());
  }
  std::ranges::sort(files);  // so that which of two clashing files is named first is stable
  return files;
}

// The scopes to look at for `repository`, most specific first. Without a tag or digest the
// first of docker_scopes_for (the ":latest" identity) is not one the caller asked about.
std::vector<std::string> scopes_for(std::string_view repository) {
  std::vector<std::string> scopes = policy_internal::docker_scopes_for(repository);
  const std::size_t slash = repository.rfind('/');
  const std::string_view last = repository.substr(slash == std::string_view::npos ? 0 : slash);
  const bool has_tag_or_digest =
      repository.find('@') != std::string_view::npos || last.find(':') != std::string_view::npos;
  if (!has_tag_or_digest && !scopes.empty()) scopes.erase(scopes.begin());
  return scopes;
}

std::string read_url(const LookasideNamespace& ns) {
  return !ns.lookaside.empty() ? ns.lookaside : ns.sigstore;
}

// containers/image's signatureTopLevel: the first matching entry with a URL, then
// default-docker's.
template <class Pick>
std::optional<std::string> top_level(const std::map<std::string, LookasideNamespace>& docker,
                                     const std::optional<LookasideNamespace>& default_docker,
                                     std::string_view repository, Pick pick) {
  for (const std::string& scope : scopes_for(repository)) {
    const auto found = docker.find(scope);
    if (found == docker.end()) continue;
    if (std::string url = pick(found->second); !url.empty()) return url;
  }
  if (default_docker) {
    if (std::string url = pick(*default_docker); !url.empty()) return url;
  }
  return std::nullopt;
}

}  // namespace

oci::Result<RegistriesD> RegistriesD::parse(std::string_view yaml, std::string_view source_name) {
  const std::string source(source_name);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& error) {
    return fail("parsing " + source + ": " + error.what());
  }
  RegistriesD out;
  if (root.IsNull()) return out;
  if (!root.IsMap()) return fail("parsing " + source + ": the top level must be a mapping");
  auto entries = mapping_entries(root, "parsing " + source);
  if (!entries) return std::unexpected(entries.error());
  for (const auto& [key, value] : *entries) {
    if (key == "default-docker") {
      if (value.IsNull()) continue;  // as Go's nil pointer: not set
      auto ns = parse_namespace(value, "parsing " + source + ": default-docker");
      if (!ns) return std::unexpected(ns.error());
      out.default_docker_ = std::move(*ns);
      out.default_docker_source_ = source;
    } else if (key == "docker") {
      if (value.IsNull()) continue;
      if (!value.IsMap()) return fail("parsing " + source + ": docker must be a mapping");
      auto scopes = mapping_entries(value, "parsing " + source + ": docker");
      if (!scopes) return std::unexpected(scopes.error());
      for (const auto& [scope, settings] : *scopes) {
        std::string where = "parsing " + source;
        where.append(": docker.").append(scope);
        auto ns = parse_namespace(settings, where);
        if (!ns) return std::unexpected(ns.error());
        out.docker_.emplace(scope, std::move(*ns));
        out.docker_sources_.emplace(scope, source);
      }
    }
  }
  return out;
}

oci::Result<void> RegistriesD::merge(RegistriesD file, const std::string& source_name) {
  if (file.default_docker_) {
    if (default_docker_) {
      return fail(
          "Error parsing signature storage configuration: \"default-docker\" defined both in " +
          go_quote(default_docker_source_) + " and " + go_quote(source_name));
    }
    default_docker_ = std::move(file.default_docker_);
    default_docker_source_ = source_name;
  }
  for (auto& [scope, settings] : file.docker_) {
    if (const auto seen = docker_sources_.find(scope); seen != docker_sources_.end()) {
      return fail("Error parsing signature storage configuration: \"docker\" namespace " +
                  go_quote(scope) + " defined both in " + go_quote(seen->second) + " and " +
                  go_quote(source_name));
    }
    docker_.emplace(scope, std::move(settings));
    docker_sources_.emplace(scope, source_name);
  }
  return {};
}

oci::Result<RegistriesD> RegistriesD::load(const fs::path& dir) {
  auto files = yaml_files(dir);
  if (!files) return std::unexpected(files.error());
  RegistriesD merged;
  for (const fs::path& file : *files) {
    const std::string name = file.string();
    auto text = read_config_text(name, kMaxRegistriesDFileBytes);
    if (!text) return fail(text.error().message);
    auto parsed = parse(*text, name);
    if (!parsed) return std::unexpected(parsed.error());
    if (auto merged_ok = merged.merge(std::move(*parsed), name); !merged_ok) {
      return std::unexpected(merged_ok.error());
    }
  }
  return merged;
}

std::optional<std::string> RegistriesD::lookaside(std::string_view repository) const {
  return top_level(docker_, default_docker_, repository, read_url);
}

bool RegistriesD::use_sigstore_attachments(std::string_view repository) const {
  for (const std::string& scope : scopes_for(repository)) {
    const auto found = docker_.find(scope);
    if (found != docker_.end() && found->second.use_sigstore_attachments) {
      return *found->second.use_sigstore_attachments;
    }
  }
  if (default_docker_ && default_docker_->use_sigstore_attachments) {
    return *default_docker_->use_sigstore_attachments;
  }
  return false;
}

std::string lookaside_signature_url(std::string_view base_url, std::string_view repository,
                                    std::string_view manifest_digest, int n) {
  // The repository's path: without the host, a tag or a digest.
  std::string_view path = repository.substr(0, repository.find('@'));
  const std::size_t slash = path.find('/');
  path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
  if (const std::size_t colon = path.rfind(':');
      colon != std::string_view::npos && path.find('/', colon) == std::string_view::npos) {
    path = path.substr(0, colon);
  }
  // Query and fragment stay after the path, as Go's url.URL keeps them apart.
  const std::size_t scheme_end = base_url.find("://");
  const std::size_t suffix_at =
      base_url.find_first_of("?#", scheme_end == std::string_view::npos ? 0 : scheme_end + 3);
  const std::string_view base = base_url.substr(0, suffix_at);
  const std::string_view suffix =
      suffix_at == std::string_view::npos ? std::string_view() : base_url.substr(suffix_at);

  std::string digest(manifest_digest);
  if (const std::size_t colon = digest.find(':'); colon != std::string::npos) digest[colon] = '=';
  std::string url(base);
  url += '/';
  url += path;
  url += '@';
  url += digest;
  url += "/signature-";
  url += std::to_string(n);
  url += suffix;
  return url;
}

}  // namespace nodeconf
