// Registry credentials as containers-auth.json(5) stores them, and the lookup a client
// uses per repository.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace client {

struct Credentials {
  std::string username;
  std::string password;
  std::string identity_token;  // "identitytoken": an OAuth2 refresh token for Bearer realms
};

// Called with the repository ("ns/app") of the request; the host is the client's own.
using CredentialLookup = std::function<std::optional<Credentials>(std::string_view repository)>;

}  // namespace client
