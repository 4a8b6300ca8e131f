// What signature/'s unit tests share: reading testdata/ (see testdata/README.md for where each
// file comes from) and keys made directly with OpenSSL, independent of the code under test.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

namespace signature::testing {

// The bytes of src/signature/testdata/<name>.
std::string read_testdata(std::string_view name);

struct OpenSslKey {
  std::shared_ptr<EVP_PKEY> key;
  std::string public_pem;  // PEM "PUBLIC KEY"
};
// type: "EC" with group "P-256" ..., "RSA" with bits "2048", "ED25519" with "".
OpenSslKey openssl_key(const char* type, const char* parameter);
// As sigstore's signers: SHA-256 then ECDSA/RSA PKCS#1 v1.5, or pure Ed25519.
std::string openssl_sign(const OpenSslKey& key, std::string_view payload);

}  // namespace signature::testing
