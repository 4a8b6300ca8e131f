// Auth at run time: who a request's credentials name (a Bearer token, Basic credentials
// checked against the htpasswd file, a client certificate, or nobody), the rules that say
// what they may do, and the challenge a refused request gets. Checks that are cheap or were
// made before answer at once; a password never checked before costs a bcrypt computation,
// which callers run on the blocking pool (check_password).
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/access_rules.h"
#include "auth/authorization_header.h"
#include "auth/htpasswd.h"
#include "server/auth_config.h"
#include "server/caller.h"
#include "server/credential_cache.h"
#include "server/peer.h"
#include "server/rate_limiter.h"
#include "server/required_access.h"
#include "server/token_service.h"

namespace server {

// What a request's Authorization header holds.
struct PresentedCredentials {
  enum class Kind { kNone, kBasic, kBearer, kMalformed };
  Kind kind = Kind::kNone;
  auth::BasicCredentials basic;
  std::string bearer;
};
PresentedCredentials read_authorization(std::string_view header);

class Authenticator {
 public:
  // Reads the htpasswd file, the rules and the token keys (`shared`: see TokenService::make);
  // errors name what is wrong.
  static oci::Result<std::unique_ptr<Authenticator>> make(const AuthConfig& config,
                                                          const std::filesystem::path& storage_root,
                                                          metadata::Store* shared = nullptr);

  const AuthConfig& config() const { return config_; }
  const TokenService& tokens() const { return tokens_; }

  // Nobody, or the user a verified client certificate names.
  Caller unauthenticated(const Peer& peer) const;
  // The caller a valid access token names; kUnauthorized otherwise.
  oci::Result<Caller> bearer(std::string_view token, std::int64_t now) const;
  // The caller these credentials named when last checked, if that was recently.
  std::optional<Caller> recent_login(const auth::BasicCredentials& credentials,
                                     std::int64_t now) const;
  // Checks the password (bcrypt: run it on the blocking pool). kUnauthorized for a wrong
  // password or unknown user, which counts against the user at `address`; kTooManyRequests
  // while that user at that address has used up its attempts (see login_blocked).
  oci::Result<Caller> check_password(const auth::BasicCredentials& credentials,
                                     std::string_view address, std::int64_t now);
  // How long `user` at `address` waits before a password is checked again; 0 when now.
  std::chrono::seconds login_blocked(std::string_view user, std::string_view address);
  // A caller for the user a refresh token was issued to, while the user still exists.
  oci::Result<Caller> refresh(std::string_view refresh_token, std::int64_t now) const;

  // The WWW-Authenticate value for a refused request. `realm_base` is "scheme://host", used
  // when no realm is configured; `error` is the RFC 6750 error code, or empty.
  std::string challenge(const RequiredAccess& required, std::string_view realm_base,
                        std::string_view error) const;

  // Whether auth.admins names `user`, or a group of auth.groups listing it, or `authenticated`:
  // as the configuration last read says (replace_admins).
  bool is_admin(std::string_view user) const;

  // Re-reads the htpasswd file when it changed since the last read (a blocking call). A file
  // that no longer parses is logged and the users already loaded are kept.
  void reload_users();
  // Decides the requests that start from now on with `rules` (see effective_rules; SIGHUP).
  // Tokens already issued keep the grants they carry until they expire.
  void replace_rules(auth::AccessRules rules);
  // Decides is_admin from now on with these auth.admins and auth.groups (SIGHUP).
  void replace_admins(std::vector<std::string> admins,
                      std::map<std::string, std::vector<std::string>> groups);

 private:
  struct Admins {
    std::vector<std::string> subjects;  // auth.admins
    std::map<std::string, std::vector<std::string>> groups;
  };

  Authenticator(AuthConfig config, auth::AccessRules rules, TokenService tokens);
  Caller caller(std::string user, std::shared_ptr<const auth::Claims> claims = nullptr) const;
  std::string login_key(const auth::BasicCredentials& credentials) const;
  std::shared_ptr<const auth::Htpasswd> users() const;

  struct FileStamp {
    std::filesystem::file_time_type modified;
    std::uintmax_t size = 0;
    bool operator==(const FileStamp&) const = default;
  };

  const AuthConfig config_;
  const TokenService tokens_;
  std::atomic<std::shared_ptr<const auth::AccessRules>> rules_;  // replaced by replace_rules
  std::atomic<std::shared_ptr<const Admins>> admins_;            // replaced by replace_admins
  std::string login_secret_;  // random per process: the login cache never holds a password
  mutable std::mutex users_mutex_;
  std::shared_ptr<const auth::Htpasswd> users_;
  std::optional<FileStamp> users_stamp_;
  mutable CredentialCache tokens_checked_;  // filled by const lookups
  CredentialCache logins_checked_;
  RateLimiter failed_logins_;
};

}  // namespace server
