#include "server/auth_gate.h"

#include <ctime>

#include "server/error_response.h"
#include "server/request_limits.h"
#include "server/required_access.h"

namespace server {
namespace {

bool is_host_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == ':' || c == '[' || c == ']';
}

asio::awaitable<void> send_denied(Exchange& exchange) {
  const oci::Error error{oci::ErrorCode::kDenied, "requested access to the resource is denied"};
  co_await exchange.send_error(error);
}

}  // namespace

std::string realm_base(const Exchange& exchange) {
  std::string_view host = exchange.header(http::field::host);
  if (host.empty() || host.size() > 255 || !std::ranges::all_of(host, is_host_character)) {
    host = "localhost";
  }
  return (exchange.peer().secure ? "https://" : "http://") + std::string(host);
}

asio::awaitable<void> send_unauthorized(Exchange& exchange, const oci::Error& error,
                                        const std::string& challenge) {
  auto response = exchange.make_response(status_for(error.code));
  response.set(http::field::content_type, "application/json");
  response.set(http::field::www_authenticate, challenge);
  response.body() = error_body(error);
  co_await exchange.send(std::move(response));
}

asio::awaitable<oci::Result<Caller>> sign_in(Exchange& exchange, Context& context,
                                             const auth::BasicCredentials& credentials) {
  Authenticator& authenticator = *context.authenticator;
  const std::int64_t now = std::time(nullptr);
  if (auto recent = authenticator.recent_login(credentials, now)) co_return *recent;
  const std::string& address = exchange.peer().address;
  co_return co_await offload(
      context, [&] { return authenticator.check_password(credentials, address, now); });
}

asio::awaitable<void> send_refusal(Exchange& exchange, Context& context, const oci::Error& error,
                                   const auth::BasicCredentials* credentials,
                                   const std::string& challenge) {
  if (error.code != oci::ErrorCode::kTooManyRequests || credentials == nullptr) {
    co_return co_await send_unauthorized(exchange, error, challenge);
  }
  const std::chrono::seconds wait =
      std::max(context.authenticator->login_blocked(credentials->user, exchange.peer().address),
               std::chrono::seconds(1));
  co_await send_too_many_requests(exchange, error.message, wait);
}

asio::awaitable<oci::Result<Caller>> identify(Exchange& exchange, Context& context) {
  Authenticator& authenticator = *context.authenticator;
  const std::int64_t now = std::time(nullptr);
  PresentedCredentials presented = read_authorization(exchange.header(http::field::authorization));
  switch (presented.kind) {
    case PresentedCredentials::Kind::kNone:
      co_return authenticator.unauthenticated(exchange.peer());
    case PresentedCredentials::Kind::kBearer:
      co_return authenticator.bearer(presented.bearer, now);
    case PresentedCredentials::Kind::kBasic:
      co_return co_await sign_in(exchange, context, presented.basic);
    case PresentedCredentials::Kind::kMalformed:
      break;
  }
  co_return oci::fail(oci::ErrorCode::kUnauthorized, "malformed Authorization header");
}

asio::awaitable<bool> admit(Exchange& exchange, const Route& route, Context& context) {
  const RequiredAccess required = required_access(route, exchange.method());
  if (required.kind == RequiredAccess::Kind::kNone) co_return true;
  Authenticator& authenticator = *context.authenticator;
  auto caller = co_await identify(exchange, context);
  if (!caller) {
    const PresentedCredentials presented =
        read_authorization(exchange.header(http::field::authorization));
    const bool bad_token = presented.kind == PresentedCredentials::Kind::kBearer;
    const std::string challenge =
        authenticator.challenge(required, realm_base(exchange), bad_token ? "invalid_token" : "");
    co_await send_refusal(exchange, context, caller.error(), &presented.basic, challenge);
    co_return false;
  }
  exchange.set_caller(std::move(*caller));
  const Caller& who = exchange.caller();
  // Nobody who came without a token: ask for credentials rather than refuse.
  const bool nobody = who.anonymous() && !who.token;
  bool allowed = false;
  switch (required.kind) {
    case RequiredAccess::Kind::kSignedIn:
      allowed = !nobody;
      break;
    case RequiredAccess::Kind::kCatalog:
      allowed = !nobody && who.may_list_catalog();
      break;
    case RequiredAccess::Kind::kRepository:
      allowed = who.may(required.action, required.repository);
      break;
    case RequiredAccess::Kind::kAdmin:
      allowed = !who.anonymous() && authenticator.is_admin(who.user);
      break;
    case RequiredAccess::Kind::kNone:
      allowed = true;
      break;
  }
  if (allowed) co_return true;
  // Refused: signing in may help the anonymous, and a new token one whose token lacks a
  // scope the rules would grant; everyone else is denied.
  // (Being an admin is the user's, not the token's: no token makes a user one.)
  const bool new_token_would_do = who.token && required.kind != RequiredAccess::Kind::kAdmin &&
                                  (required.kind != RequiredAccess::Kind::kRepository ||
                                   who.rules_allow(required.action, required.repository));
  if (who.anonymous() || new_token_would_do) {
    const oci::Error error{oci::ErrorCode::kUnauthorized, "authentication required"};
    std::string challenge = authenticator.challenge(required, realm_base(exchange),
                                                    who.anonymous() ? "" : "insufficient_scope");
    co_await send_unauthorized(exchange, error, challenge);
  } else {
    co_await send_denied(exchange);
  }
  co_return false;
}

}  // namespace server
