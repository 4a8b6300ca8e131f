// The check every request passes before its handler: who the caller is and whether they may
// do what the request asks. A refused request is answered here: 401 with a challenge (no or
// bad credentials, or a token that lacks a scope a new one could carry), 403 DENIED (signed
// in, not allowed).
#pragma once

#include "server/context.h"
#include "server/exchange.h"
#include "server/route.h"

namespace server {

// True when the handler may go on (the caller is set on the exchange); false when the
// request has been answered. Needs context.authenticator.
asio::awaitable<bool> admit(Exchange& exchange, const Route& route, Context& context);

// "https://host:port" or "http://host:port" from the request's Host header, for a realm
// that was not configured; "localhost" stands in for a Host that is not a plain host name.
std::string realm_base(const Exchange& exchange);

// The caller a request's credentials name (nobody for none); kUnauthorized for bad ones,
// kTooManyRequests after too many wrong passwords for the user from this address.
asio::awaitable<oci::Result<Caller>> identify(Exchange& exchange, Context& context);
// The user of these Basic credentials: remembered from a recent check, or checked with bcrypt
// on the blocking pool. Errors as identify's.
asio::awaitable<oci::Result<Caller>> sign_in(Exchange& exchange, Context& context,
                                             const auth::BasicCredentials& credentials);
// A refused identify(): 401 with `challenge`, or 429 with Retry-After.
asio::awaitable<void> send_refusal(Exchange& exchange, Context& context, const oci::Error& error,
                                   const auth::BasicCredentials* credentials,
                                   const std::string& challenge);

// 401 with the WWW-Authenticate challenge and the spec's error body.
asio::awaitable<void> send_unauthorized(Exchange& exchange, const oci::Error& error,
                                        const std::string& challenge);

}  // namespace server
