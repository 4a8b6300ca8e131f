// The `auth:` section of the server's configuration: who the users are, how they prove it,
// and what each may do. Auth is on when any of htpasswd, access rules or trusted token keys
// is configured; without them every request is served as before.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "auth/access_rules.h"

namespace YAML {
class Node;
}

namespace server {

enum class AuthMode {
  kToken,  // 401 with a Bearer challenge; clients fetch a JWT from /token (Docker's protocol)
  kBasic,  // 401 with a Basic challenge; clients send the password on every request
};

struct TokenConfig {
  std::string realm;                  // the token URL in challenges; empty = https?://<Host>/token
  std::string service = "regmirror";  // the tokens' audience, named in challenges
  std::string issuer = "regmirror";
  std::filesystem::path key;  // signing key (PEM); empty = generated in the storage root
  std::chrono::seconds expiry{std::chrono::minutes(5)};
  std::chrono::seconds refresh_expiry{std::chrono::hours(24 * 30)};
  std::vector<std::filesystem::path> trusted_keys;  // an external issuer's keys: PEM or JWKS
  std::string trusted_issuer;                       // its `iss`, required with trusted_keys
};

// Wrong passwords per user and client address: `burst` may come at once, then one every
// 60/per_minute seconds; past that even the right password waits (429 with Retry-After).
struct FailedLoginsConfig {
  double burst = 5;
  double per_minute = 6;
};

struct AuthConfig {
  AuthMode mode = AuthMode::kToken;
  std::filesystem::path htpasswd;
  bool anonymous_pull = false;  // adds the rule `** pull anonymous`
  std::map<std::string, std::vector<std::string>> groups;
  std::vector<auth::RuleSpec> access;  // none given: signed-in users may do everything
  TokenConfig token;
  FailedLoginsConfig failed_logins;
  // Subjects (as rules name them) who may run garbage collection (POST /regmirror/v1/gc).
  std::vector<std::string> admins;

  bool enabled() const {
    return !htpasswd.empty() || !access.empty() || !token.trusted_keys.empty();
  }
};

// Readers for the keys that are not scalars; errors name `key`.
oci::Result<void> read_auth_mode(const YAML::Node& node, const std::string& key, AuthMode& out);
oci::Result<void> read_groups(const YAML::Node& node, const std::string& key,
                              std::map<std::string, std::vector<std::string>>& out);
oci::Result<void> read_access_rules(const YAML::Node& node, const std::string& key,
                                    std::vector<auth::RuleSpec>& out);
oci::Result<void> read_paths(const YAML::Node& node, const std::string& key,
                             std::vector<std::filesystem::path>& out);

// The rules auth decides with: the configured ones, `** pull anonymous` with anonymous_pull,
// and `** pull,push,delete authenticated` when no rule is configured (as distribution's
// htpasswd auth: signing in is all it takes). Errors name the rule.
oci::Result<auth::AccessRules> effective_rules(const AuthConfig& config);

}  // namespace server
