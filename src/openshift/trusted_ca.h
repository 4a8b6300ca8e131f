// The additionalTrustedCA ConfigMap: each key a registry host with ".." standing for ':'
// ("harbor.example.com..8443"), each value PEM certificates or base64 of them.
#pragma once

#include <string>
#include <vector>

#include "oci/error.h"
#include "openshift/cluster_objects.h"

namespace openshift {

struct RegistryCa {
  std::string host;  // "harbor.example.com:8443", the certs.d directory name
  std::string pem;
};

// Errors: a key that is not a valid host[:port], a value holding no certificate or one that
// OpenSSL cannot parse.
oci::Result<std::vector<RegistryCa>> registry_cas(const ConfigMap& config_map);

}  // namespace openshift
