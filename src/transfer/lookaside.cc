#include "transfer/lookaside.h"

#include <unistd.h>

#include <array>
#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include "client/http_transport.h"
#include "client/registry_client.h"
#include "nodeconf/signature_payload.h"
#include "oci/percent_encoding.h"
#include "sys/small_file.h"

namespace transfer {
namespace {

std::unexpected<oci::Error> fail(std::string message) {
  return oci::fail(oci::ErrorCode::kInternal, std::move(message));
}

// containers/image's builtinDefaultLookasideStorageDir.
std::string default_lookaside_base() {
  if (::geteuid() == 0) return "file:///var/lib/containers/sigstore";
  const char* home = std::getenv("HOME");
  return "file://" + std::string(home != nullptr ? home : "") + "/.local/share/containers/sigstore";
}

// The first bytes of an OpenPGP message as containers/image's FromBlob recognises them:
// compressed data, a one-pass signature or a signature packet, in the old or new format.
bool starts_openpgp_message(unsigned char first) {
  constexpr std::array<unsigned char, 15> kFirstBytes = {
      0xA0, 0xA1, 0xA2, 0xA3, 0xC8, 0x90, 0x91, 0x92, 0x3d, 0xC4, 0x88, 0x89, 0x8A, 0x8B, 0xC2};
  return std::ranges::find(kFirstBytes, first) != kFirstBytes.end();
}

// The GPG signature a lookaside blob holds; nullopt for a sigstore one.
oci::Result<std::optional<std::string>> simple_signing_from_blob(std::string blob,
                                                                 const std::string& url) {
  if (blob.empty()) return fail(fmt::format("parsing signature {}: empty signature blob", url));
  const auto first = static_cast<unsigned char>(blob.front());
  if (starts_openpgp_message(first)) return std::optional<std::string>(std::move(blob));
  if (first != 0x00) {
    return fail(fmt::format(
        "parsing signature {}: unrecognized signature format, starting with binary {:#x}", url,
        first));
  }
  const std::size_t newline = blob.find('\n', 1);
  if (newline == std::string::npos) {
    return fail(
        fmt::format("parsing signature {}: invalid signature format, missing newline", url));
  }
  const std::string format = blob.substr(1, newline - 1);
  if (format == "simple-signing") return std::optional<std::string>(blob.substr(newline + 1));
  if (format == "sigstore-json") return std::optional<std::string>();
  return fail(fmt::format("parsing signature {}: unrecognized signature format \"{}\"", url,
                          format.substr(0, 64)));
}

// One signature's bytes, or nullopt when it does not exist.
using Fetched = oci::Result<std::optional<std::string>>;

Fetched read_file_signature(const std::string& url) {
  // file://[host]/path: the host is ignored, the path percent-decoded, as Go's url.URL.Path.
  std::string_view rest = std::string_view(url).substr(std::string_view("file://").size());
  const std::size_t slash = rest.find('/');
  const std::string path = oci::percent_decode(
      slash == std::string_view::npos ? std::string_view() : rest.substr(slash));
  sys::Result<std::string> bytes = sys::read_small_file(path, nodeconf::kMaxSignatureSize);
  if (bytes) return std::optional<std::string>(std::move(*bytes));
  if (bytes.error().code == sys::Errc::kNotFound) return std::optional<std::string>();
  if (bytes.error().code == sys::Errc::kTooLarge) {
    return fail(fmt::format("reading signature {}: larger than {} bytes", path,
                            nodeconf::kMaxSignatureSize));
  }
  return fail(fmt::format("reading signature {}: {}", path, bytes.error().message));
}

Fetched read_http_signature(client::HttpTransport& transport, const std::string& url) {
  client::HttpRequest request;
  request.url = url;
  request.max_body = nodeconf::kMaxSignatureSize;
  request.follow_redirects = true;
  client::TransferProgress progress;
  auto response = transport.perform(request, progress);
  if (!response) {
    oci::Error error = std::move(response.error().error);
    error.message = fmt::format("reading signature from {}: {}", url, error.message);
    return std::unexpected(std::move(error));
  }
  if (response->status == 404) return std::optional<std::string>();
  if (response->status != 200) {
    const oci::ErrorCode code = response->status == 401 || response->status == 403
                                    ? oci::ErrorCode::kDenied
                                    : oci::ErrorCode::kInternal;
    return oci::fail(code, fmt::format("reading signature from {}: unexpected HTTP status {}", url,
                                       response->status));
  }
  return std::optional<std::string>(std::move(response->body));
}

}  // namespace

oci::Result<std::vector<std::string>> read_lookaside_signatures(
    const nodeconf::RegistriesD& registries_d, std::string_view repository,
    const oci::Digest& manifest_digest, const AccessOptions& access) {
  const std::string base = registries_d.lookaside(repository).value_or(default_lookaside_base());
  const bool is_file = base.starts_with("file://");
  if (!is_file && !base.starts_with("http://") && !base.starts_with("https://")) {
    return fail(fmt::format("Unsupported scheme when reading signature from {}", base));
  }
  // The registry's HTTP settings, made only when the lookaside is on HTTP.
  std::optional<client::HttpTransport> transport;
  if (!is_file) {
    const std::string_view host = repository.substr(0, repository.find('/'));
    oci::Result<client::TlsTrust> trust = registry_tls_trust(host, access);
    if (!trust) return std::unexpected(trust.error());
    transport.emplace(client::TransportOptions{registry_insecure(repository, access),
                                               std::move(*trust),
                                               client::RegistryOptions().user_agent});
  }

  std::vector<std::string> signatures;
  for (int n = 1;; ++n) {
    if (n > kMaxLookasideSignatures) {
      return fail(fmt::format(
          "server provided {} signatures, assuming that's unreasonable and a server error",
          kMaxLookasideSignatures));
    }
    const std::string url =
        nodeconf::lookaside_signature_url(base, repository, manifest_digest.str(), n);
    Fetched blob = is_file ? read_file_signature(url) : read_http_signature(*transport, url);
    if (!blob) return std::unexpected(blob.error());
    if (!*blob) break;
    oci::Result<std::optional<std::string>> gpg = simple_signing_from_blob(std::move(**blob), url);
    if (!gpg) return std::unexpected(gpg.error());
    if (*gpg) signatures.push_back(std::move(**gpg));
  }
  return signatures;
}

}  // namespace transfer
