// Test-only: the GPG half of a signedBy check on an image's lookaside signatures, for
// gpg_lookaside.sh to run against what `skopeo copy --sign-by` wrote. Reads the registries.d
// directory, every lookaside signature of REPOSITORY@DIGEST, and verifies each with KEY_FILE;
// prints each accepted payload on a line of its own, each refusal on stderr. Exits 0 when at
// least one signature was accepted, 1 otherwise, 2 on a usage or lookaside error.
#include <iostream>

#include <nlohmann/json.hpp>

#include "nodeconf/registries_d.h"
#include "oci/digest.h"
#include "signature/gpg_verify.h"
#include "transfer/lookaside.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: lookaside_gpg_check REGISTRIES_D REPOSITORY DIGEST KEY_FILE\n";
    return 2;
  }
  oci::Result<nodeconf::RegistriesD> config = nodeconf::RegistriesD::load(argv[1]);
  oci::Result<oci::Digest> digest = oci::Digest::parse(argv[3]);
  if (!config || !digest) {
    std::cerr << (!config ? config.error().message : digest.error().message) << "\n";
    return 2;
  }
  transfer::AccessOptions access;
  access.tls_verify = false;
  oci::Result<std::vector<std::string>> signatures =
      transfer::read_lookaside_signatures(*config, argv[2], *digest, access);
  if (!signatures) {
    std::cerr << signatures.error().message << "\n";
    return 2;
  }
  const nlohmann::json requirement = {
      {"type", "signedBy"}, {"keyType", "GPGKeys"}, {"keyPath", argv[4]}};
  int accepted = 0;
  for (const std::string& signature : *signatures) {
    oci::Result<std::string> payload = signature::verify_gpg_signature(requirement, signature);
    if (payload) {
      std::cout << *payload << "\n";
      ++accepted;
    } else {
      std::cerr << payload.error().message << "\n";
    }
  }
  std::cerr << signatures->size() << " signature(s), " << accepted << " accepted\n";
  return accepted > 0 ? 0 : 1;
}
