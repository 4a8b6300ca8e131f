// The token endpoint of a Bearer challenge (the Docker token spec and its OAuth2 variant):
// which request to send for a set of scopes, and how to read the answer.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/auth_challenge.h"
#include "client/credentials.h"
#include "client/http_transport.h"
#include "oci/error.h"

namespace client {

// "repository:<name>:pull" or "repository:<name>:pull,push".
std::string repository_scope(std::string_view repository, bool push);

// With an identity token: POST realm, form grant_type=refresh_token&refresh_token=..&
// service=..&scope=<space-separated>&client_id=regmirror. Otherwise GET
// realm?service=..&scope=..&scope=.. (one parameter per scope), with Basic credentials
// and account=<user> when a username is given; anonymous without.
HttpRequest token_request(const Challenge& bearer, const std::vector<std::string>& scopes,
                          const std::optional<Credentials>& credentials);

struct TokenGrant {
  std::string token;
  std::chrono::seconds lifetime{60};  // expires_in; 60 s when absent, as the spec says
};

// {"token": ..} or {"access_token": ..} (OAuth2), with optional "expires_in" seconds.
oci::Result<TokenGrant> parse_token_response(std::string_view body);

// "Basic base64(user:password)" for an Authorization header.
std::string basic_authorization(const Credentials& credentials);

}  // namespace client
