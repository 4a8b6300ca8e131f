// libFuzzer target for what auth/ reads from a request or a file: the first byte picks the
// parser, the rest is its input. Invariants: nothing the fuzzer writes verifies as a token
// (it cannot sign), claims signed here verify back to themselves, scopes and Basic
// credentials format and parse back to themselves, a challenge built from any values parses
// (client/'s parser) back to those values without control characters, and the key, user
// file and pattern parsers return without crashing.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "auth/access_rules.h"
#include "auth/authorization_header.h"
#include "auth/htpasswd.h"
#include "auth/jwt.h"
#include "auth/keys.h"
#include "auth/repository_pattern.h"
#include "auth/scope.h"
#include "client/auth_challenge.h"
#include "oci/base64.h"

namespace {

void require(bool invariant) {
  if (!invariant) __builtin_trap();
}

// `input` cut at NUL bytes into at most `count` pieces (missing ones empty).
std::vector<std::string> pieces(std::string_view input, std::size_t count) {
  std::vector<std::string> out;
  while (out.size() + 1 < count) {
    const std::size_t nul = input.find('\0');
    if (nul == std::string_view::npos) break;
    out.emplace_back(input.substr(0, nul));
    input.remove_prefix(nul + 1);
  }
  out.emplace_back(input);
  out.resize(count);
  return out;
}

const auth::PrivateKey& ec_key() {
  static const auth::PrivateKey key = *auth::PrivateKey::generate_ec();
  return key;
}

const auth::VerifyOptions& verify_options() {
  static const auth::VerifyOptions options{{ec_key().public_key()}, "", "", 1'800'000'000};
  return options;
}

void check_htpasswd(std::string_view input) {
  const oci::Result<auth::Htpasswd> file = auth::Htpasswd::parse(input);
  if (file) require(file->size() <= static_cast<std::size_t>(std::ranges::count(input, '\n')) + 1);
}

void check_token(std::string_view input) {
  require(!auth::verify_token(input, verify_options()));
  (void)auth::parse_bearer_authorization(input);
}

void check_signed_claims(std::string_view input) {
  const std::vector<std::string> parts = pieces(input, 4);
  auth::Claims claims;
  claims.subject = parts[0];
  claims.issuer = parts[1];
  if (!parts[2].empty()) claims.audience = {parts[2]};
  claims.expires_at = 1'800'000'000;
  const std::optional<std::vector<auth::Scope>> scopes = auth::parse_scopes(parts[3]);
  if (scopes) claims.access = *scopes;
  const oci::Result<std::string> token = auth::sign_token(claims, ec_key());
  if (!token) return;
  const oci::Result<auth::Claims> verified = auth::verify_token(*token, verify_options());
  require(verified && *verified == claims);
}

void check_scopes(std::string_view input) {
  const std::optional<std::vector<auth::Scope>> scopes = auth::parse_scopes(input);
  if (!scopes) return;
  for (const auth::Scope& scope : *scopes) {
    require(auth::parse_scope(auth::format_scope(scope)) == scope);
  }
}

bool has_control(std::string_view text) {
  return std::ranges::any_of(
      text, [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

std::string without_controls(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out += c;
  }
  return out;
}

void check_authorization(std::string_view input) {
  const std::optional<auth::BasicCredentials> credentials = auth::parse_basic_authorization(input);
  if (credentials) {
    const std::string header =
        "Basic " + oci::base64_encode(credentials->user + ":" + credentials->password);
    require(auth::parse_basic_authorization(header) == credentials);
  }
  const std::vector<std::string> parts = pieces(input, 3);
  const std::string challenge = auth::format_bearer_challenge({parts[0], parts[1], parts[2], ""});
  require(!has_control(challenge));
  const std::vector<client::Challenge> parsed = client::parse_challenges(challenge);
  require(parsed.size() == 1 && parsed[0].scheme == "bearer");
  require(parsed[0].param("realm") == without_controls(parts[0]));
  require(parsed[0].param("service") == without_controls(parts[1]));
  require(parsed[0].param("scope") == without_controls(parts[2]));
}

void check_keys(std::string_view input) {
  (void)auth::public_keys_from_jwks(input);
  (void)auth::public_keys_from_pem(input);
  (void)auth::PrivateKey::from_pem(input);
}

void check_pattern(std::string_view input) {
  const std::vector<std::string> parts = pieces(input, 2);
  const oci::Result<auth::RepositoryPattern> pattern = auth::RepositoryPattern::parse(parts[0]);
  if (!pattern) return;
  require(pattern->matches(parts[0]) || parts[0].find('*') != std::string::npos);
  const oci::Result<auth::AccessRules> rules =
      auth::AccessRules::make({{parts[0], {"pull"}, {"authenticated"}}}, {});
  require(rules.has_value());
  require(rules->may({"u"}, auth::Action::kPull, parts[1]) == pattern->matches(parts[1]));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 7) {
    case 0:
      check_htpasswd(input);
      break;
    case 1:
      check_token(input);
      break;
    case 2:
      check_signed_claims(input);
      break;
    case 3:
      check_scopes(input);
      break;
    case 4:
      check_authorization(input);
      break;
    case 5:
      check_keys(input);
      break;
    default:
      check_pattern(input);
      break;
  }
  return 0;
}
