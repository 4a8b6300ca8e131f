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
// request has been answered.
asio::awaitable<bool> admit(Exchange& exchange, const Route& route, Context& context);

// "https://host:port" or "http://host:port" from the request's Host header, for a realm
// that was not configured; "localhost" stands in for a Host that is not a plain host name.
std::string realm_base(const Exchange& exchange);

// The caller a request's credentials name (nobody for none); kUnauthorized for bad ones.
asio::awaitable<oci::Result<Caller>> identify(Exchange& exchange, Context& context);

// 401 with the WWW-Authenticate challenge and the spec's error body.
asio::awaitable<void> send_unauthorized(Exchange& exchange, const oci::Error& error,
                                        const std::string& challenge);

}  // namespace server
