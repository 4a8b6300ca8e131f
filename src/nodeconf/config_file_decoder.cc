#include "nodeconf/config_file_decoder.h"

#include <toml++/toml.h>

#include "nodeconf/go_quote.h"
#include "nodeconf/toml_nesting_guard.h"

namespace nodeconf {
namespace {

using oci::ErrorCode;

std::string_view toml_type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "table";
    case toml::node_type::array:
      return "array";
    case toml::node_type::string:
      return "string";
    case toml::node_type::integer:
      return "integer";
    case toml::node_type::floating_point:
      return "float";
    case toml::node_type::boolean:
      return "boolean";
    case toml::node_type::date:
      return "date";
    case toml::node_type::time:
      return "time";
    case toml::node_type::date_time:
      return "datetime";
    case toml::node_type::none:
      break;
  }
  return "none";
}

// strings.EqualFold(field, key) for an ASCII field name: ASCII letters fold, and so do
// U+212A KELVIN SIGN to 'k' and U+017F LONG S to 's', the only non-ASCII runes that fold
// onto ASCII letters.
bool go_equal_fold(std::string_view field, std::string_view key) {
  std::size_t i = 0;
  for (const char f : field) {
    if (i >= key.size()) return false;
    const auto k = static_cast<unsigned char>(key[i]);
    if (k < 0x80) {
      const char lowered =
          (k >= 'A' && k <= 'Z') ? static_cast<char>(k - 'A' + 'a') : static_cast<char>(k);
      const char f_lowered = (f >= 'A' && f <= 'Z') ? static_cast<char>(f - 'A' + 'a') : f;
      if (lowered != f_lowered) return false;
      ++i;
    } else if (f == 'k' && key.substr(i, 3) == "\xE2\x84\xAA") {
      i += 3;
    } else if (f == 's' && key.substr(i, 2) == "\xC5\xBF") {
      i += 2;
    } else {
      return false;
    }
  }
  return i == key.size();
}

class Decoder {
 public:
  explicit Decoder(std::string_view source) : source_(source) {}

  oci::Result<void> decode(const toml::table& root, DecodedConfigFile& file) const {
    auto status = registries(root, file.registries);
    if (status) {
      status = string_array(root, "unqualified-search-registries", "unqualified-search-registries",
                            file.unqualified_search_registries);
    }
    if (status) {
      status =
          string_array(root, "credential-helpers", "credential-helpers", file.credential_helpers);
    }
    if (status) status = string(root, "short-name-mode", "short-name-mode", file.short_name_mode);
    if (status) {
      status =
          string(root, "additional-layer-store-auth-helper", "additional-layer-store-auth-helper",
                 file.additional_layer_store_auth_helper);
    }
    if (status) status = aliases(root, file.aliases);
    if (status) status = v1_tables(root, file.v1);
    return status;
  }

  std::string position(const toml::source_position& at) const {
    return std::string(source_) + ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
  }

 private:
  using Status = oci::Result<void>;

  // The exact spelling wins; otherwise the first case-insensitive match.
  static const toml::node* field(const toml::table& table, std::string_view name) {
    if (const toml::node* exact = table.get(name)) return exact;
    for (auto&& [key, node] : table) {
      if (go_equal_fold(name, key.str())) return &node;
    }
    return nullptr;
  }

  std::unexpected<oci::Error> type_error(const toml::node& node, std::string_view key_path,
                                         std::string_view expected) const {
    return oci::fail(ErrorCode::kInternal, position(node.source().begin) + ": key " +
                                               go_quote(key_path) +
                                               ": incompatible types: TOML value has type " +
                                               std::string(toml_type_name(node)) +
                                               "; destination has type " + std::string(expected));
  }

  Status string(const toml::table& table, std::string_view name, std::string_view path,
                std::string& out) const {
    const toml::node* node = field(table, name);
    if (!node) return {};
    const auto* value = node->as_string();
    if (!value) return type_error(*node, path, "string");
    out = value->get();
    return {};
  }

  Status boolean(const toml::table& table, std::string_view name, std::string_view path,
                 bool& out) const {
    const toml::node* node = field(table, name);
    if (!node) return {};
    const auto* value = node->as_boolean();
    if (!value) return type_error(*node, path, "boolean");
    out = value->get();
    return {};
  }

  Status string_array(const toml::table& table, std::string_view name, std::string_view path,
                      std::optional<std::vector<std::string>>& out) const {
    const toml::node* node = field(table, name);
    if (!node) return {};
    const toml::array* array = node->as_array();
    if (!array) return type_error(*node, path, "array");
    out.emplace();
    for (const toml::node& element : *array) {
      const auto* value = element.as_string();
      if (!value) return type_error(element, path, "string");
      out->push_back(value->get());
    }
    return {};
  }

  // An array of tables, or nullptr when the key is absent.
  oci::Result<const toml::array*> table_array(const toml::table& table, std::string_view name,
                                              std::string_view path) const {
    const toml::node* node = field(table, name);
    if (!node) return nullptr;
    const toml::array* array = node->as_array();
    if (!array) return type_error(*node, path, "array of tables");
    for (const toml::node& element : *array) {
      if (!element.is_table()) return type_error(element, path, "table");
    }
    return array;
  }

  oci::Result<const toml::table*> subtable(const toml::table& table, std::string_view name,
                                           std::string_view path) const {
    const toml::node* node = field(table, name);
    if (!node) return nullptr;
    if (!node->is_table()) return type_error(*node, path, "table");
    return node->as_table();
  }

  Status endpoint(const toml::table& table, std::string_view path, Endpoint& out) const {
    const std::string base(path);
    if (auto e = string(table, "location", base + ".location", out.location); !e) return e;
    if (auto e = boolean(table, "insecure", base + ".insecure", out.insecure); !e) return e;
    return string(table, "pull-from-mirror", base + ".pull-from-mirror", out.pull_from_mirror);
  }

  Status registry(const toml::table& table, Registry& out) const {
    if (auto e = string(table, "prefix", "registry.prefix", out.prefix); !e) return e;
    if (auto e = endpoint(table, "registry", out.endpoint); !e) return e;
    if (auto e = boolean(table, "blocked", "registry.blocked", out.blocked); !e) return e;
    if (auto e = boolean(table, "mirror-by-digest-only", "registry.mirror-by-digest-only",
                         out.mirror_by_digest_only);
        !e) {
      return e;
    }
    auto mirrors = table_array(table, "mirror", "registry.mirror");
    if (!mirrors) return std::unexpected(mirrors.error());
    if (!*mirrors) return {};
    for (const toml::node& element : **mirrors) {
      Endpoint mirror;
      if (auto e = endpoint(*element.as_table(), "registry.mirror", mirror); !e) return e;
      out.mirrors.push_back(std::move(mirror));
    }
    return {};
  }

  Status registries(const toml::table& root, std::optional<std::vector<Registry>>& out) const {
    auto array = table_array(root, "registry", "registry");
    if (!array) return std::unexpected(array.error());
    if (!*array) return {};
    out.emplace();
    for (const toml::node& element : **array) {
      Registry entry;
      if (auto e = registry(*element.as_table(), entry); !e) return e;
      out->push_back(std::move(entry));
    }
    return {};
  }

  Status aliases(const toml::table& root,
                 std::optional<std::map<std::string, std::string>>& out) const {
    auto table = subtable(root, "aliases", "aliases");
    if (!table) return std::unexpected(table.error());
    if (!*table) return {};
    out.emplace();
    for (auto&& [key, node] : **table) {
      const auto* value = node.as_string();
      if (!value) return type_error(node, "aliases." + std::string(key.str()), "string");
      out->emplace(std::string(key.str()), value->get());
    }
    return {};
  }

  Status v1_list(const toml::table& registries, std::string_view name,
                 std::optional<std::vector<std::string>>& out) const {
    const std::string path = "registries." + std::string(name);
    auto table = subtable(registries, name, path);
    if (!table) return std::unexpected(table.error());
    if (!*table) return {};
    return string_array(**table, "registries", path + ".registries", out);
  }

  Status v1_tables(const toml::table& root, DecodedV1Tables& out) const {
    auto registries = subtable(root, "registries", "registries");
    if (!registries) return std::unexpected(registries.error());
    if (!*registries) return {};
    if (auto e = v1_list(**registries, "search", out.search); !e) return e;
    if (auto e = v1_list(**registries, "insecure", out.insecure); !e) return e;
    return v1_list(**registries, "block", out.block);
  }

  std::string_view source_;
};

}  // namespace

oci::Result<DecodedConfigFile> decode_config_file(std::string_view text, std::string_view source) {
  if (auto too_deep = check_toml_nesting(text, source)) {
    return oci::fail(ErrorCode::kInternal, std::move(*too_deep));
  }
  Decoder decoder(source);
  try {
    const toml::table root = toml::parse(text, source);
    DecodedConfigFile file;
    if (auto decoded = decoder.decode(root, file); !decoded) {
      return std::unexpected(decoded.error());
    }
    return file;
  } catch (const toml::parse_error& e) {
    return oci::fail(ErrorCode::kInternal,
                     decoder.position(e.source().begin) + ": " + std::string(e.description()));
  }
}

}  // namespace nodeconf
