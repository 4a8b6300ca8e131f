#include "client/certs_d.h"

#include <set>
#include <system_error>

namespace client {
namespace {

namespace fs = std::filesystem;

oci::Error dir_error(const fs::path& dir, std::string_view what) {
  return oci::Error{
      oci::ErrorCode::kInternal,
      std::string("certificates directory ").append(dir.string()).append(": ").append(what)};
}

}  // namespace

std::vector<fs::path> default_certs_d_roots(const std::string& home) {
  std::vector<fs::path> roots;
  if (!home.empty()) roots.push_back(fs::path(home) / ".config/containers/certs.d");
  roots.emplace_back("/etc/containers/certs.d");
  roots.emplace_back("/etc/docker/certs.d");
  return roots;
}

std::optional<fs::path> find_cert_dir(const std::vector<fs::path>& roots,
                                      std::string_view host_port) {
  for (const fs::path& root : roots) {
    fs::path candidate = root / std::string(host_port);
    std::error_code ec;
    // Unreadable (permission) or missing: the next root, as containers/image does.
    if (fs::exists(candidate, ec)) return candidate;
  }
  return std::nullopt;
}

oci::Result<TlsTrust> load_cert_dir(const fs::path& dir) {
  TlsTrust trust;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory || ec == std::errc::permission_denied) {
      return trust;
    }
    return std::unexpected(dir_error(dir, ec.message()));
  }
  std::set<std::string> names;  // sorted, as Go's os.ReadDir
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) return std::unexpected(dir_error(dir, ec.message()));
    names.insert(it->path().filename().string());
  }
  for (const std::string& name : names) {
    if (name.ends_with(".crt")) {
      trust.ca_files.push_back(dir / name);
    } else if (name.ends_with(".cert")) {
      const std::string key = name.substr(0, name.size() - 5).append(".key");
      if (!names.contains(key)) {
        return std::unexpected(dir_error(
            dir, std::string("missing key ")
                     .append(key)
                     .append(" for client certificate ")
                     .append(name)
                     .append(". Note that CA certificates should use the extension .crt")));
      }
      if (trust.client_cert.empty()) {
        trust.client_cert = dir / name;
        trust.client_key = dir / key;
      }
    } else if (name.ends_with(".key")) {
      const std::string cert = name.substr(0, name.size() - 4).append(".cert");
      if (!names.contains(cert)) {
        return std::unexpected(dir_error(dir, std::string("missing client certificate ")
                                                  .append(cert)
                                                  .append(" for key ")
                                                  .append(name)));
      }
    }
  }
  return trust;
}

oci::Result<TlsTrust> tls_trust_for(std::string_view host_port,
                                    const std::optional<fs::path>& cert_dir,
                                    const std::vector<fs::path>& roots) {
  if (cert_dir) return load_cert_dir(*cert_dir);
  const std::optional<fs::path> found = find_cert_dir(roots, host_port);
  if (!found) return TlsTrust{};
  return load_cert_dir(*found);
}

}  // namespace client
