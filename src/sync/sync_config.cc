#include "sync/sync_config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

#include "oci/digest.h"
#include "oci/name.h"
#include "oci/tag_regex.h"

namespace imagesync {
namespace {

using oci::ErrorCode;

// Decodes nodes, naming the file and line in every error.
class Reader {
 public:
  explicit Reader(std::string_view source_name) : source_name_(source_name) {}

  std::unexpected<oci::Error> fail(const YAML::Node& node, std::string_view field,
                                   std::string_view problem) const {
    const int line = node.IsDefined() && node.Mark().line >= 0 ? node.Mark().line + 1 : 1;
    return oci::fail(ErrorCode::kInternal,
                     fmt::format("{}:{}: {}: {}", source_name_, line, field, problem));
  }

  // Every key of the mapping `node` is in `allowed`, and none is given twice.
  oci::Result<void> check_keys(const YAML::Node& node, std::string_view where,
                               std::initializer_list<std::string_view> allowed) const {
    if (!node.IsMap()) return fail(node, where, "must be a mapping");
    std::set<std::string> seen;
    for (const auto& entry : node) {
      if (!entry.first.IsScalar()) return fail(entry.first, where, "keys must be strings");
      const auto key = entry.first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string known;
        for (auto k : allowed) known += known.empty() ? std::string(k) : fmt::format(", {}", k);
        return fail(entry.first, where, fmt::format("unknown key \"{}\" (known: {})", key, known));
      }
      if (!seen.insert(key).second) {
        return fail(entry.first, where, fmt::format("key \"{}\" given twice", key));
      }
    }
    return {};
  }

  oci::Result<std::string> string(const YAML::Node& node, std::string_view field) const {
    if (!node.IsScalar()) return fail(node, field, "must be a string");
    return node.Scalar();
  }

  oci::Result<std::vector<std::string>> strings(const YAML::Node& node,
                                                std::string_view field) const {
    if (!node.IsSequence()) return fail(node, field, "must be a list of strings");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < node.size(); ++i) {
      auto value = string(node[i], fmt::format("{}[{}]", field, i));
      if (!value) return std::unexpected(value.error());
      out.push_back(std::move(*value));
    }
    return out;
  }

  template <class T>
  oci::Result<T> scalar(const YAML::Node& node, std::string_view field,
                        std::string_view expected) const {
    if (!node.IsScalar()) return fail(node, field, fmt::format("must be {}", expected));
    try {
      return node.as<T>();
    } catch (const YAML::Exception&) {
      return fail(node, field, fmt::format("must be {}", expected));
    }
  }

 private:
  std::string source_name_;
};

int line_of(const YAML::Node& node) { return node.Mark().line >= 0 ? node.Mark().line + 1 : 0; }

oci::Result<Destination> read_registry(const Reader& reader, const YAML::Node& node,
                                       const std::string& where) {
  std::optional<bool> tls_verify;
  if (node.IsMap()) {
    if (auto ok = reader.check_keys(node, where, {"registry", "tls-verify"}); !ok) {
      return std::unexpected(ok.error());
    }
    if (!node["registry"]) return reader.fail(node, where, "needs \"registry\"");
    if (node["tls-verify"]) {
      auto verify = reader.scalar<bool>(node["tls-verify"], where + ".tls-verify", "true or false");
      if (!verify) return std::unexpected(verify.error());
      tls_verify = *verify;
    }
  } else if (!node.IsScalar()) {
    return reader.fail(node, where, "must be a registry (\"host[/prefix]\") or a mapping");
  }
  // yaml-cpp nodes are references: assigning one to another would overwrite the document.
  const YAML::Node text = node.IsMap() ? node["registry"] : node;
  auto value = reader.string(text, where);
  if (!value) return std::unexpected(value.error());
  auto destination = Destination::parse(*value);
  if (!destination) return reader.fail(text, where, destination.error().message);
  destination->tls_verify = tls_verify;
  return destination;
}

oci::Result<void> read_filters(const Reader& reader, const YAML::Node& node,
                               const std::string& where, ImageEntry& image) {
  if (const auto tags = node["tags"]) {
    auto values = reader.strings(tags, where + ".tags");
    if (!values) return std::unexpected(values.error());
    for (std::size_t i = 0; i < values->size(); ++i) {
      if (!oci::is_valid_tag((*values)[i])) {
        return reader.fail(tags[i], fmt::format("{}.tags[{}]", where, i),
                           fmt::format("\"{}\" is not a valid tag", (*values)[i]));
      }
    }
    image.filter.tags = std::move(*values);
  }
  if (const auto regex = node["tag-regex"]) {
    auto text = reader.string(regex, where + ".tag-regex");
    if (!text) return std::unexpected(text.error());
    auto compiled = oci::compile_tag_regex(*text);
    if (!compiled) return reader.fail(regex, where + ".tag-regex", compiled.error());
    image.filter.regex.emplace(std::move(*compiled));
  }
  if (const auto range = node["semver"]) {
    auto text = reader.string(range, where + ".semver");
    if (!text) return std::unexpected(text.error());
    if (text->find_first_not_of(" \t") == std::string::npos) {
      return reader.fail(range, where + ".semver", "is empty (write \"*\" for any version)");
    }
    auto parsed = semver::Range::parse(*text);
    if (!parsed) return reader.fail(range, where + ".semver", parsed.error().message);
    image.filter.semver = std::move(*parsed);
  }
  if (const auto newest = node["newest"]) {
    auto count = reader.scalar<int>(newest, where + ".newest", "a positive number");
    if (!count) return std::unexpected(count.error());
    if (*count <= 0) return reader.fail(newest, where + ".newest", "must be a positive number");
    image.filter.newest = *count;
  }
  if (const auto digests = node["digests"]) {
    auto values = reader.strings(digests, where + ".digests");
    if (!values) return std::unexpected(values.error());
    for (std::size_t i = 0; i < values->size(); ++i) {
      if (!oci::Digest::is_valid((*values)[i])) {
        return reader.fail(digests[i], fmt::format("{}.digests[{}]", where, i),
                           fmt::format("\"{}\" is not a valid digest", (*values)[i]));
      }
    }
    image.digests = std::move(*values);
  }
  return {};
}

oci::Result<ImageEntry> read_image(const Reader& reader, const YAML::Node& node,
                                   const std::string& where) {
  if (auto ok = reader.check_keys(
          node, where, {"source", "tags", "tag-regex", "semver", "newest", "digests", "platforms"});
      !ok) {
    return std::unexpected(ok.error());
  }
  const auto source = node["source"];
  if (!source) return reader.fail(node, where, "needs \"source\"");
  auto text = reader.string(source, where + ".source");
  if (!text) return std::unexpected(text.error());
  auto reference = oci::Reference::parse_normalized(*text);
  if (!reference) return reader.fail(source, where + ".source", reference.error().message);
  if (reference->has_tag() && reference->has_digest()) {
    return reader.fail(source, where + ".source", "give a tag or a digest, not both");
  }
  ImageEntry image{*reference, {}, {}, {}, line_of(node)};
  if (auto ok = read_filters(reader, node, where, image); !ok) return std::unexpected(ok.error());
  const bool filtered = !image.filter.tags.empty() || image.filter.has_patterns() ||
                        image.filter.newest || !image.digests.empty();
  if (filtered && !image.is_repository()) {
    return reader.fail(source, where + ".source",
                       "tags, tag-regex, semver, newest and digests need a repository source "
                       "without tag or digest");
  }
  if (const auto platforms = node["platforms"]) {
    auto values = reader.strings(platforms, where + ".platforms");
    if (!values) return std::unexpected(values.error());
    if (values->empty()) {
      return reader.fail(platforms, where + ".platforms",
                         "is empty (leave it out to copy every platform)");
    }
    for (std::size_t i = 0; i < values->size(); ++i) {
      auto platform = transfer::Platform::parse((*values)[i]);
      if (!platform) {
        return reader.fail(platforms[i], fmt::format("{}.platforms[{}]", where, i),
                           platform.error().message);
      }
      image.platforms.push_back(std::move(*platform));
    }
  }
  return image;
}

oci::Result<RewriteRule> read_rewrite(const Reader& reader, const YAML::Node& node,
                                      const std::string& where) {
  if (auto ok = reader.check_keys(node, where, {"from", "to"}); !ok) {
    return std::unexpected(ok.error());
  }
  if (!node["from"] || !node["to"]) return reader.fail(node, where, "needs \"from\" and \"to\"");
  RewriteRule rule;
  auto from = reader.string(node["from"], where + ".from");
  if (!from) return std::unexpected(from.error());
  // `to: ""` and `to:` (null) both mean: directly under the destination prefix.
  if (!node["to"].IsNull()) {
    auto to = reader.string(node["to"], where + ".to");
    if (!to) return std::unexpected(to.error());
    rule.to = *to;
  }
  rule.from = *from;
  if (auto ok = validate_rewrite(rule); !ok) return reader.fail(node, where, ok.error().message);
  return rule;
}

template <class T, class ReadOne>
oci::Result<std::vector<T>> read_list(const Reader& reader, const YAML::Node& node,
                                      const std::string& field, ReadOne read_one) {
  if (!node.IsSequence()) return reader.fail(node, field, "must be a list");
  std::vector<T> out;
  for (std::size_t i = 0; i < node.size(); ++i) {
    auto item = read_one(reader, node[i], fmt::format("{}[{}]", field, i));
    if (!item) return std::unexpected(item.error());
    out.push_back(std::move(*item));
  }
  return out;
}

oci::Result<SyncConfig> read_config(const Reader& reader, const YAML::Node& root) {
  if (!root.IsDefined() || root.IsNull()) {
    return reader.fail(root, "sync config", "is empty: it needs \"images\"");
  }
  if (auto ok = reader.check_keys(root, "sync config", {"registries", "images", "rewrite"}); !ok) {
    return std::unexpected(ok.error());
  }
  SyncConfig config;
  if (const auto node = root["registries"]) {
    auto registries = read_list<Destination>(reader, node, "registries", read_registry);
    if (!registries) return std::unexpected(registries.error());
    config.registries = std::move(*registries);
  }
  if (const auto node = root["rewrite"]) {
    auto rules = read_list<RewriteRule>(reader, node, "rewrite", read_rewrite);
    if (!rules) return std::unexpected(rules.error());
    config.rewrite = std::move(*rules);
  }
  const auto images = root["images"];
  if (!images) return reader.fail(root, "sync config", "needs \"images\"");
  auto entries = read_list<ImageEntry>(reader, images, "images", read_image);
  if (!entries) return std::unexpected(entries.error());
  if (entries->empty()) return reader.fail(images, "images", "is empty");
  config.images = std::move(*entries);

  // Mapping problems (a rule mapping to the bare registry, two sources on one repository)
  // are configuration errors: report them before anything is copied.
  std::vector<oci::Reference> sources;
  sources.reserve(config.images.size());
  for (const auto& image : config.images) sources.push_back(image.source.name_only());
  for (std::size_t i = 0; i < config.registries.size(); ++i) {
    auto mapped = map_repositories(sources, config.registries[i], config.rewrite);
    if (!mapped) {
      return reader.fail(root["registries"][i], fmt::format("registries[{}]", i),
                         mapped.error().message);
    }
  }
  return config;
}

}  // namespace

oci::Result<SyncConfig> parse_sync_config(std::string_view text, std::string_view source_name) {
  const Reader reader(source_name);
  if (text.size() > kMaxSyncConfigBytes) {
    return oci::fail(ErrorCode::kInternal,
                     fmt::format("{}: larger than {} bytes", source_name, kMaxSyncConfigBytes));
  }
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    return read_config(reader, root);
  } catch (const YAML::Exception& e) {
    return oci::fail(ErrorCode::kInternal, fmt::format("{}:{}:{}: invalid YAML: {}", source_name,
                                                       e.mark.line + 1, e.mark.column + 1, e.msg));
  }
}

oci::Result<SyncConfig> load_sync_config(const std::filesystem::path& file) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) {
    return oci::fail(ErrorCode::kInternal,
                     fmt::format("cannot read {}: {}", file.string(), ec.message()));
  }
  if (size > kMaxSyncConfigBytes) {
    return oci::fail(ErrorCode::kInternal,
                     fmt::format("{}: larger than {} bytes", file.string(), kMaxSyncConfigBytes));
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return oci::fail(ErrorCode::kInternal, fmt::format("cannot read {}", file.string()));
  return parse_sync_config(text.str(), file.string());
}

}  // namespace imagesync
