#include "nodeconf/registries_conf_writer.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace nodeconf {
namespace {

std::string toml_string_list(const std::vector<std::string>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += toml_quote(values[i]);
  }
  return out + "]";
}

void write_key(std::string& out, std::string_view indent, std::string_view key,
               std::string_view value) {
  out.append(indent).append(key).append(" = ").append(value).append("\n");
}

void write_mirror(std::string& out, const Endpoint& mirror) {
  out += "\n  [[registry.mirror]]\n";
  if (!mirror.location.empty()) write_key(out, "    ", "location", toml_quote(mirror.location));
  if (mirror.insecure) write_key(out, "    ", "insecure", "true");
  if (!mirror.pull_from_mirror.empty()) {
    write_key(out, "    ", "pull-from-mirror", toml_quote(mirror.pull_from_mirror));
  }
}

void write_registry(std::string& out, const Registry& registry) {
  out += "\n[[registry]]\n";
  // prefix has no omitempty in containers/image's struct: the MCO always writes it.
  write_key(out, "  ", "prefix", toml_quote(registry.prefix));
  if (!registry.endpoint.location.empty()) {
    write_key(out, "  ", "location", toml_quote(registry.endpoint.location));
  }
  if (registry.endpoint.insecure) write_key(out, "  ", "insecure", "true");
  if (registry.blocked) write_key(out, "  ", "blocked", "true");
  if (registry.mirror_by_digest_only) write_key(out, "  ", "mirror-by-digest-only", "true");
  for (const Endpoint& mirror : registry.mirrors) write_mirror(out, mirror);
}

// A bare key when TOML allows one, else a quoted one.
std::string toml_key(std::string_view key) {
  const bool bare = !key.empty() && std::ranges::all_of(key, [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
  return bare ? std::string(key) : toml_quote(key);
}

}  // namespace

std::string toml_quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04X", static_cast<unsigned char>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string write_registries_conf(const RegistriesConfDocument& document) {
  std::string out;
  if (document.unqualified_search_registries) {
    write_key(out, "", "unqualified-search-registries",
              toml_string_list(*document.unqualified_search_registries));
  }
  if (document.credential_helpers) {
    write_key(out, "", "credential-helpers", toml_string_list(*document.credential_helpers));
  }
  // short-name-mode has no omitempty either; "" leaves the mode to the drop-ins and default.
  write_key(out, "", "short-name-mode", toml_quote(document.short_name_mode));
  if (document.additional_layer_store_auth_helper) {
    write_key(out, "", "additional-layer-store-auth-helper",
              toml_quote(*document.additional_layer_store_auth_helper));
  }
  for (const Registry& registry : document.registries) write_registry(out, registry);
  if (document.aliases) {
    out += "\n[aliases]\n";
    for (const auto& [name, value] : *document.aliases) {
      write_key(out, "  ", toml_key(name), toml_quote(value));
    }
  }
  return out;
}

}  // namespace nodeconf
