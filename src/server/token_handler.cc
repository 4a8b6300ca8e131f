// GET and POST /token: the built-in token server (Docker's token protocol, and its OAuth2
// form). GET takes Basic credentials (or none, for an anonymous token) and `scope` parameters;
// POST takes a form with grant_type=password (username, password) or grant_type=refresh_token.
// The token carries what the rules grant of the asked scopes, nothing more; asking for more
// is not an error, as in distribution's token servers.
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "auth/scope.h"
#include "server/auth_gate.h"
#include "server/error_response.h"
#include "server/handlers.h"

namespace server {
namespace {

constexpr std::uint64_t kMaxFormBytes = std::uint64_t{16} * 1024;

struct TokenRequest {
  std::vector<auth::Scope> scopes;
  std::string service;
  bool offline = false;  // also a refresh token
  std::optional<auth::BasicCredentials> password;
  std::string refresh_token;
};

// 400 with the registry's error body: clients show its message.
asio::awaitable<void> send_bad_request(Exchange& exchange, std::string message) {
  auto response = exchange.make_response(http::status::bad_request);
  response.set(http::field::content_type, "application/json");
  response.body() = error_body(oci::Error{oci::ErrorCode::kUnsupported, std::move(message)});
  co_await exchange.send(std::move(response));
}

// Each value may hold several space-separated scopes.
std::optional<std::vector<auth::Scope>> read_scopes(const std::vector<std::string_view>& values) {
  std::vector<auth::Scope> scopes;
  for (const std::string_view value : values) {
    auto parsed = auth::parse_scopes(value);
    if (!parsed) return std::nullopt;
    scopes.insert(scopes.end(), parsed->begin(), parsed->end());
    if (scopes.size() > auth::kMaxScopesPerRequest) return std::nullopt;
  }
  return scopes;
}

// The request's parameters, or why they are unusable.
oci::Result<TokenRequest> read_request(const QueryParams& params, bool form) {
  TokenRequest request;
  auto scopes = read_scopes(all_params(params, "scope"));
  if (!scopes) return oci::fail(oci::ErrorCode::kUnsupported, "malformed or too many scopes");
  request.scopes = std::move(*scopes);
  request.service = first_param(params, "service");
  request.offline = form ? first_param(params, "access_type") == "offline"
                         : first_param(params, "offline_token") == "true";
  if (!form) return request;
  const std::string_view grant = first_param(params, "grant_type");
  if (grant == "password") {
    request.password = auth::BasicCredentials{std::string(first_param(params, "username")),
                                              std::string(first_param(params, "password"))};
  } else if (grant == "refresh_token") {
    request.refresh_token = first_param(params, "refresh_token");
  } else {
    return oci::fail(oci::ErrorCode::kUnsupported, "grant_type must be password or refresh_token");
  }
  return request;
}

std::string rfc3339(std::int64_t seconds) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(static_cast<std::time_t>(seconds)));
}

std::string token_body(const std::string& token, const std::vector<auth::Scope>& granted,
                       std::int64_t now, std::int64_t lifetime, const std::string& refresh) {
  std::string scope;
  for (const auto& each : granted) {
    if (!scope.empty()) scope += ' ';
    scope += auth::format_scope(each);
  }
  nlohmann::json body{{"token", token},         {"access_token", token},
                      {"expires_in", lifetime}, {"issued_at", rfc3339(now)},
                      {"token_type", "Bearer"}, {"scope", scope}};
  if (!refresh.empty()) body["refresh_token"] = refresh;
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The caller a token request names: its form's password or refresh token, else its
// Authorization header (Basic, or nothing for an anonymous token).
asio::awaitable<oci::Result<Caller>> token_caller(Exchange& exchange, Context& context,
                                                  const TokenRequest& request) {
  Authenticator& authenticator = *context.authenticator;
  const std::int64_t now = std::time(nullptr);
  if (!request.refresh_token.empty()) co_return authenticator.refresh(request.refresh_token, now);
  if (request.password) co_return co_await sign_in(exchange, context, *request.password);
  co_return co_await identify(exchange, context);
}

}  // namespace

asio::awaitable<void> handle_token(Exchange& exchange, const Route& route, Context& context) {
  const bool form = exchange.method() == http::verb::post;
  if (context.authenticator == nullptr ||
      context.authenticator->config().mode != AuthMode::kToken) {
    const oci::Error error{oci::ErrorCode::kNameUnknown, "no such endpoint", "/token"};
    co_return co_await exchange.send_error(error);
  }
  if (!form && exchange.method() != http::verb::get)
    co_return co_await method_not_allowed(exchange);
  QueryParams params = route.query;
  if (form) {
    auto body = co_await exchange.read_body_string(kMaxFormBytes);
    if (!body) co_return co_await exchange.send_error(body.error());
    params = parse_form(*body);
  }
  auto request = read_request(params, form);
  if (!request) co_return co_await send_bad_request(exchange, request.error().message);
  Authenticator& authenticator = *context.authenticator;
  const TokenConfig& config = authenticator.config().token;
  if (!request->service.empty() && request->service != config.service) {
    std::string message = "this token server is for service \"" + config.service + "\"";
    co_return co_await send_bad_request(exchange, std::move(message));
  }
  auto caller = co_await token_caller(exchange, context, *request);
  if (!caller) {
    const std::string challenge = "Basic realm=\"" + config.service + "\"";
    const PresentedCredentials presented =
        read_authorization(exchange.header(http::field::authorization));
    const auth::BasicCredentials* credentials =
        request->password ? &*request->password : &presented.basic;
    co_return co_await send_refusal(exchange, context, caller.error(), credentials, challenge);
  }
  exchange.set_caller(std::move(*caller));
  const Caller& who = exchange.caller();
  const std::int64_t now = std::time(nullptr);
  std::vector<auth::Scope> granted = who.rules->grant(auth::Identity{who.user}, request->scopes);
  auto token = authenticator.tokens().issue_access(who.user, granted, now);
  std::string refresh;
  if (token && request->offline && !who.anonymous()) {
    auto made = authenticator.tokens().issue_refresh(who.user, now);
    if (made) refresh = std::move(*made);
  }
  if (!token) co_return co_await exchange.send_error(token.error());
  const std::array<HeaderLine, 2> headers{
      {{"Content-Type", "application/json"}, {"Cache-Control", "no-store"}}};
  co_await exchange.send_bytes(http::status::ok, headers,
                               token_body(*token, granted, now, config.expiry.count(), refresh));
}

}  // namespace server
