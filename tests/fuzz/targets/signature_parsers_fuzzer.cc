// libFuzzer target for what signature/ reads from files and registries, the first input byte
// picking the parser: a public key PEM, cosign's encrypted key envelope, a whole cosign key
// file, a sigstore attachment manifest. What parses must keep its invariants: a public key's
// PEM reads back to the same key, a private key signs what its public key verifies, a
// signature added to an attachment is listed by it and not added twice.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "signature/cosign_envelope.h"
#include "signature/private_key.h"
#include "signature/public_key.h"
#include "signature/sigstore_attachment.h"

namespace {

void require(bool invariant) {
  if (!invariant) __builtin_trap();
}

void check_public_key(std::string_view text) {
  const auto key = signature::PublicKey::from_pem(text);
  if (!key) return;
  const std::string pem = key->pem();
  const auto again = signature::PublicKey::from_pem(pem);
  require(again.has_value() && again->pem() == pem);
  require(!key->verifies(text, ""));
  key->verifies(text, text);  // must not crash, whatever it answers
}

void check_envelope(std::string_view text) {
  const auto plaintext = signature::internal::open_envelope(text, "pw");
  if (plaintext) require(plaintext->size() + 16 <= text.size());
}

void check_private_key(std::string_view text) {
  const auto key = signature::PrivateKey::from_cosign_pem(text, "pw");
  if (!key) return;
  require(key->public_key().verifies(text, key->sign(text)));
}

void check_attachment(std::string_view text) {
  const auto layers = signature::signature_layers(text);
  const auto written = signature::add_signature(text, "payload", "signature");
  if (!written) return;
  require(layers.has_value() || text.empty());
  const auto listed = signature::signature_layers(written->manifest);
  require(listed.has_value() && !listed->empty());
  const auto again = signature::add_signature(written->manifest, "payload", "signature");
  require(again.has_value() && again->manifest == written->manifest && again->blobs.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      check_public_key(text);
      break;
    case 1:
      check_envelope(text);
      break;
    case 2:
      check_private_key(text);
      break;
    default:
      check_attachment(text);
      break;
  }
  return 0;
}
