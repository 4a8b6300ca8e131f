// What TLS trusts for one registry host: the system CAs plus the CAs and client
// certificates of containers-certs.d(5) directories.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace client {

struct TlsTrust {
  std::vector<std::filesystem::path> ca_files;  // "*.crt": trusted in addition to the system's
  std::filesystem::path client_cert;            // "*.cert" (empty: none)
  std::filesystem::path client_key;             // its "*.key"
};

}  // namespace client
