#include "client/token_request.h"

#include <openssl/evp.h>

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "client/url.h"
#include "oci/percent_encoding.h"

namespace client {
namespace {

constexpr std::chrono::seconds kMaxTokenLifetime = std::chrono::hours(24);

}  // namespace

std::string repository_scope(std::string_view repository, bool push) {
  return fmt::format("repository:{}:{}", repository, push ? "pull,push" : "pull");
}

std::string basic_authorization(const Credentials& credentials) {
  const std::string plain = credentials.username + ":" + credentials.password;
  std::string encoded(4 * ((plain.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                reinterpret_cast<const unsigned char*>(plain.data()),
                                static_cast<int>(plain.size()));
  encoded.resize(static_cast<std::size_t>(n));
  return "Basic " + encoded;
}

HttpRequest token_request(const Challenge& bearer, const std::vector<std::string>& scopes,
                          const std::optional<Credentials>& credentials) {
  HttpRequest request;
  const std::string realm = bearer.param("realm");
  const std::string service = bearer.param("service");
  if (credentials && !credentials->identity_token.empty()) {
    std::string scope;
    for (const auto& s : scopes) scope.append(scope.empty() ? "" : " ").append(s);
    request.method = "POST";
    request.url = realm;
    request.headers.push_back("Content-Type: application/x-www-form-urlencoded");
    request.body = fmt::format("grant_type=refresh_token&refresh_token={}&client_id=regmirror",
                               oci::percent_encode(credentials->identity_token));
    if (!service.empty()) request.body.append("&service=").append(oci::percent_encode(service));
    if (!scope.empty()) request.body.append("&scope=").append(oci::percent_encode(scope));
    return request;
  }
  request.url = realm;
  if (!service.empty()) request.url = add_query(request.url, "service", service);
  for (const auto& scope : scopes) request.url = add_query(request.url, "scope", scope);
  if (credentials && !credentials->username.empty()) {
    request.url = add_query(request.url, "account", credentials->username);
    request.headers.push_back("Authorization: " + basic_authorization(*credentials));
  }
  return request;
}

oci::Result<TokenGrant> parse_token_response(std::string_view body) {
  const auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) {
    return oci::fail(oci::ErrorCode::kUnauthorized, "the token endpoint's answer is not JSON");
  }
  TokenGrant grant;
  for (const char* name : {"token", "access_token"}) {
    if (const auto it = json.find(name);
        it != json.end() && it->is_string() && !it->get<std::string>().empty()) {
      grant.token = it->get<std::string>();
      break;
    }
  }
  if (grant.token.empty()) {
    return oci::fail(oci::ErrorCode::kUnauthorized, "the token endpoint's answer has no token");
  }
  if (const auto it = json.find("expires_in");
      it != json.end() && it->is_number() && it->get<double>() > 0) {
    // Capped: a huge expires_in would overflow the double-to-integer conversion and the
    // cache's clock arithmetic, and a token is cheap to fetch again after a day.
    const double seconds = std::min(it->get<double>(), double{kMaxTokenLifetime.count()});
    grant.lifetime =
        std::max(std::chrono::seconds(static_cast<std::int64_t>(seconds)), std::chrono::seconds(1));
  }
  return grant;
}

}  // namespace client
