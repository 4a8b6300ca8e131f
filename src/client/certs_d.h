// containers-certs.d(5): the per-registry TLS directories "<root>/<host[:port]>/" holding
// "*.crt" CA certificates and "*.cert" + "*.key" client certificate pairs, found and read
// as containers/image does (docker/docker_client.go dockerCertDir,
// pkg/tlsclientconfig SetupCertificates).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/tls_trust.h"
#include "oci/error.h"

namespace client {

// containers/image's order: ~/.config/containers/certs.d, /etc/containers/certs.d,
// /etc/docker/certs.d. `home` "" leaves out the first.
std::vector<std::filesystem::path> default_certs_d_roots(const std::string& home);

// The directory of `host_port` ("quay.io", "127.0.0.1:5000"): "<root>/<host_port>" in the
// first root where it exists (only that one is used, not a merge). nullopt when none has it.
std::optional<std::filesystem::path> find_cert_dir(const std::vector<std::filesystem::path>& roots,
                                                   std::string_view host_port);

// Reads one directory (an explicit --cert-dir or what find_cert_dir found): every "*.crt" in
// name order is a CA file; a "*.cert" needs the "*.key" of the same stem and the reverse, or
// it is an error, as in containers/image. A missing directory is no extra trust. With
// several pairs the first in name order is the client certificate.
oci::Result<TlsTrust> load_cert_dir(const std::filesystem::path& dir);

// The trust for `host_port`: `cert_dir` when given, else the certs.d lookup in `roots`.
oci::Result<TlsTrust> tls_trust_for(std::string_view host_port,
                                    const std::optional<std::filesystem::path>& cert_dir,
                                    const std::vector<std::filesystem::path>& roots);

}  // namespace client
