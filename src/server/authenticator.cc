#include "server/authenticator.h"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>

#include "oci/digest.h"
#include "sys/small_file.h"

namespace server {
namespace {

constexpr std::size_t kCacheCapacity = 4096;
// A password checked this long ago is checked again (sooner when the htpasswd file changes).
constexpr std::int64_t kLoginCacheSeconds = 300;

oci::Result<std::shared_ptr<const auth::Htpasswd>> read_users(const std::filesystem::path& path) {
  auto text = sys::read_small_file(path, auth::kMaxHtpasswdSize);
  if (!text) {
    return oci::fail(oci::ErrorCode::kInternal,
                     "htpasswd " + path.string() + ": " + text.error().message);
  }
  auto parsed = auth::Htpasswd::parse(*text);
  if (!parsed) {
    return oci::fail(oci::ErrorCode::kInternal,
                     "htpasswd " + path.string() + ": " + parsed.error().message);
  }
  return std::make_shared<const auth::Htpasswd>(std::move(*parsed));
}

std::string scope_for(const RequiredAccess& required) {
  using Kind = RequiredAccess::Kind;
  switch (required.kind) {
    case Kind::kCatalog:
      return "registry:catalog:*";
    case Kind::kRepository: {
      // A push needs pull too (HEAD of the blobs it may skip), as distribution asks.
      const std::string_view actions = required.action == auth::Action::kPush     ? "pull,push"
                                       : required.action == auth::Action::kDelete ? "delete"
                                                                                  : "pull";
      return "repository:" + required.repository + ":" + std::string(actions);
    }
    case Kind::kNone:
    case Kind::kSignedIn:
    case Kind::kAdmin:
      break;
  }
  return {};
}

// Failed logins are counted per user at an address.
std::string failure_key(std::string_view user, std::string_view address) {
  std::string key(user);
  key.push_back('\0');  // no user name holds one
  key.append(address);
  return key;
}

}  // namespace

PresentedCredentials read_authorization(std::string_view header) {
  PresentedCredentials presented;
  if (header.empty()) return presented;
  if (auto basic = auth::parse_basic_authorization(header)) {
    presented.kind = PresentedCredentials::Kind::kBasic;
    presented.basic = std::move(*basic);
  } else if (auto bearer = auth::parse_bearer_authorization(header)) {
    presented.kind = PresentedCredentials::Kind::kBearer;
    presented.bearer = std::move(*bearer);
  } else {
    presented.kind = PresentedCredentials::Kind::kMalformed;
  }
  return presented;
}

Authenticator::Authenticator(AuthConfig config, auth::AccessRules rules, TokenService tokens)
    : config_(std::move(config)),
      tokens_(std::move(tokens)),
      rules_(std::make_shared<const auth::AccessRules>(std::move(rules))),
      admins_(std::make_shared<const Admins>(Admins{config_.admins, config_.groups})),
      tokens_checked_(kCacheCapacity),
      logins_checked_(kCacheCapacity),
      failed_logins_(config_.failed_logins.per_minute / 60, config_.failed_logins.burst) {
  std::array<unsigned char, 32> secret{};
  RAND_bytes(secret.data(), static_cast<int>(secret.size()));
  login_secret_.assign(reinterpret_cast<const char*>(secret.data()), secret.size());
}

oci::Result<std::unique_ptr<Authenticator>> Authenticator::make(
    const AuthConfig& config, const std::filesystem::path& storage_root, metadata::Store* shared) {
  auto rules = effective_rules(config);
  if (!rules) return std::unexpected(rules.error());
  auto tokens = TokenService::make(config.token, storage_root, shared);
  if (!tokens) return std::unexpected(tokens.error());
  std::unique_ptr<Authenticator> made(
      new Authenticator(config, std::move(*rules), std::move(*tokens)));
  if (!config.htpasswd.empty()) {
    auto users = read_users(config.htpasswd);
    if (!users) return std::unexpected(users.error());
    made->users_ = std::move(*users);
    std::error_code ec;
    made->users_stamp_ = FileStamp{std::filesystem::last_write_time(config.htpasswd, ec),
                                   std::filesystem::file_size(config.htpasswd, ec)};
  }
  return made;
}

Caller Authenticator::caller(std::string user, std::shared_ptr<const auth::Claims> claims) const {
  return Caller{std::move(user), std::move(claims), rules_.load()};
}

void Authenticator::replace_rules(auth::AccessRules rules) {
  rules_.store(std::make_shared<const auth::AccessRules>(std::move(rules)));
}

void Authenticator::replace_admins(std::vector<std::string> admins,
                                   std::map<std::string, std::vector<std::string>> groups) {
  admins_.store(std::make_shared<const Admins>(Admins{std::move(admins), std::move(groups)}));
}

Caller Authenticator::unauthenticated(const Peer& peer) const {
  return caller(peer.certificate_user);
}

oci::Result<Caller> Authenticator::bearer(std::string_view token, std::int64_t now) const {
  if (auto seen = tokens_checked_.find(token, now)) {
    return caller(std::move(seen->user), std::move(seen->claims));
  }
  auto claims = tokens_.verify_access(token, now);
  if (!claims) return std::unexpected(claims.error());
  auto shared = std::make_shared<const auth::Claims>(std::move(*claims));
  tokens_checked_.insert(std::string(token), {shared->subject, shared, shared->expires_at});
  return caller(shared->subject, shared);
}

std::string Authenticator::login_key(const auth::BasicCredentials& credentials) const {
  std::string material = login_secret_;
  material.append(credentials.user).push_back('\0');
  material.append(credentials.password);
  return oci::digest_of(material).str();
}

std::optional<Caller> Authenticator::recent_login(const auth::BasicCredentials& credentials,
                                                  std::int64_t now) const {
  auto seen = logins_checked_.find(login_key(credentials), now);
  if (!seen) return std::nullopt;
  return caller(std::move(seen->user));
}

std::shared_ptr<const auth::Htpasswd> Authenticator::users() const {
  std::lock_guard lock(users_mutex_);
  return users_;
}

std::chrono::seconds Authenticator::login_blocked(std::string_view user, std::string_view address) {
  const auto decision = failed_logins_.peek(failure_key(user, address), RateLimiter::Clock::now());
  return decision.allowed ? std::chrono::seconds(0) : decision.retry_after;
}

oci::Result<Caller> Authenticator::check_password(const auth::BasicCredentials& credentials,
                                                  std::string_view address, std::int64_t now) {
  const std::string key = failure_key(credentials.user, address);
  if (!failed_logins_.peek(key, RateLimiter::Clock::now()).allowed) {
    return oci::fail(oci::ErrorCode::kTooManyRequests, "too many failed logins: try again later");
  }
  const auto users = this->users();
  if (!users || !users->authenticate(credentials.user, credentials.password)) {
    failed_logins_.take(key, RateLimiter::Clock::now());
    return oci::fail(oci::ErrorCode::kUnauthorized, "invalid username or password");
  }
  logins_checked_.insert(login_key(credentials),
                         {credentials.user, nullptr, now + kLoginCacheSeconds});
  return caller(credentials.user);
}

oci::Result<Caller> Authenticator::refresh(std::string_view refresh_token, std::int64_t now) const {
  auto user = tokens_.verify_refresh(refresh_token, now);
  if (!user) return std::unexpected(user.error());
  const auto users = this->users();
  if (!users || !users->contains(*user)) {
    return oci::fail(oci::ErrorCode::kUnauthorized, "the refresh token's user no longer exists");
  }
  return caller(std::move(*user));
}

std::string Authenticator::challenge(const RequiredAccess& required, std::string_view realm_base,
                                     std::string_view error) const {
  if (config_.mode == AuthMode::kBasic) {
    return "Basic realm=\"" + config_.token.service + "\"";
  }
  auth::BearerChallenge challenge;
  challenge.realm = config_.token.realm.empty() ? std::string(realm_base) + std::string(kTokenPath)
                                                : config_.token.realm;
  challenge.service = config_.token.service;
  challenge.scope = scope_for(required);
  challenge.error = error;
  return auth::format_bearer_challenge(challenge);
}

bool Authenticator::is_admin(std::string_view user) const {
  const std::shared_ptr<const Admins> admins = admins_.load();
  return std::ranges::any_of(admins->subjects, [&](const std::string& subject) {
    if (subject == "authenticated") return true;
    if (subject.starts_with("group:")) {
      auto group = admins->groups.find(subject.substr(6));
      return group != admins->groups.end() &&
             std::ranges::find(group->second, user) != group->second.end();
    }
    return subject == user;
  });
}

void Authenticator::reload_users() {
  if (config_.htpasswd.empty()) return;
  std::error_code ec;
  const FileStamp stamp{std::filesystem::last_write_time(config_.htpasswd, ec),
                        std::filesystem::file_size(config_.htpasswd, ec)};
  if (ec || stamp == users_stamp_) return;
  users_stamp_ = stamp;  // a broken file is reported once, not at every look
  auto users = read_users(config_.htpasswd);
  if (!users) {
    spdlog::warn("keeping the users loaded before: {}", users.error().message);
    return;
  }
  {
    std::lock_guard lock(users_mutex_);
    users_ = std::move(*users);
  }
  logins_checked_.clear();
  spdlog::info("reloaded {}: {} users", config_.htpasswd.string(), this->users()->size());
}

}  // namespace server
