// GET /regmirror/v1/session, /regmirror/v1/repositories, .../repositories/<name>/tags and
// .../repositories/<name>/manifests/<reference>: the JSON the web UI reads (docs/api.md). The
// views are ui/'s; here the request is parsed, the caller's actions looked up, and the view
// computed on the blocking pool.
#include <nlohmann/json.hpp>

#include "mirror/pull_through.h"
#include "server/auth_gate.h"
#include "server/error_response.h"
#include "server/handlers.h"
#include "ui/image_view.h"
#include "ui/json_fields.h"
#include "ui/repository_list.h"
#include "ui/tag_list.h"

namespace server {
namespace {

bool is_read(const Exchange& exchange) {
  return exchange.method() == http::verb::get || exchange.method() == http::verb::head;
}

// The views change with every push: no cache keeps them.
asio::awaitable<void> send_json(Exchange& exchange, http::status status, std::string body) {
  auto response = exchange.make_response(status);
  response.set(http::field::content_type, "application/json");
  response.set(http::field::cache_control, "no-store");
  response.body() = std::move(body);
  co_await exchange.send(std::move(response));
}

asio::awaitable<void> send_view(Exchange& exchange, const oci::Result<std::string>& view) {
  if (!view) {
    co_return co_await send_json(exchange, status_for(view.error().code), error_body(view.error()));
  }
  co_await send_json(exchange, http::status::ok, *view);
}

// What the rules give the caller on `repository`, whatever a token carries: the UI asks the
// token service for a token with the action before it takes it. Inside an upstream's
// namespace pull-through refuses pushes and deletes unless the upstream allows pushes.
ui::Actions granted_actions(const Caller& caller, const Context& context,
                            std::string_view repository) {
  ui::Actions granted{.pull = caller.rules_allow(auth::Action::kPull, repository),
                      .push = caller.rules_allow(auth::Action::kPush, repository),
                      .remove = caller.rules_allow(auth::Action::kDelete, repository)};
  if (context.mirror != nullptr) {
    const auto match = context.mirror->match(repository);
    if (match && !match->upstream->allow_push) granted.push = granted.remove = false;
  }
  return granted;
}

nlohmann::json features(const Context& context) {
  const registry::Options& options = context.registry.options();
  return {{"mirror", context.mirror != nullptr},
          {"sync", context.sync_sets != nullptr},
          {"quotas", context.quotas != nullptr},
          {"gc", !options.read_only},
          {"delete", options.delete_enabled && !options.read_only},
          {"read_only", options.read_only}};
}

}  // namespace

asio::awaitable<void> handle_session(Exchange& exchange, const Route& /*route*/, Context& context) {
  if (!is_read(exchange)) co_return co_await method_not_allowed(exchange);
  nlohmann::json session = {{"auth", "none"},
                            {"token_realm", nullptr},
                            {"service", nullptr},
                            {"user", nullptr},
                            {"admin", true},
                            {"features", features(context)},
                            {"version", REGMIRROR_VERSION}};
  if (Authenticator* authenticator = context.authenticator; authenticator != nullptr) {
    const AuthConfig& config = authenticator->config();
    if (config.mode == AuthMode::kToken) {
      session["auth"] = "token";
      session["token_realm"] =
          config.token.realm.empty() ? std::string(kTokenPath) : config.token.realm;
      session["service"] = config.token.service;
    } else {
      session["auth"] = "basic";
    }
    // Credentials that do not check out name nobody here; they are refused where they are
    // used.
    auto caller = co_await identify(exchange, context);
    const bool named = caller && !caller->anonymous();
    if (named) session["user"] = caller->user;
    session["admin"] = named && authenticator->is_admin(caller->user);
  }
  co_await send_json(exchange, http::status::ok, ui::dump(session));
}

asio::awaitable<void> handle_ui_repositories(Exchange& exchange, const Route& route,
                                             Context& context) {
  if (!is_read(exchange)) co_return co_await method_not_allowed(exchange);
  auto n = ui::parse_page_size(route.param("n"));
  if (!n) {
    const oci::Result<std::string> refused = std::unexpected(n.error());
    co_return co_await send_view(exchange, refused);
  }
  const ui::RepositoryQuery query{
      .q = std::string(route.param("q")), .last = std::string(route.param("last")), .n = *n};
  const Caller& caller = exchange.caller();
  auto view = co_await offload(context, [&] {
    return ui::repository_list(context.registry, query, [&](std::string_view name) {
      return caller.rules_allow(auth::Action::kPull, name);
    });
  });
  co_await send_view(exchange, view);
}

asio::awaitable<void> handle_ui_tags(Exchange& exchange, const Route& route, Context& context) {
  if (!is_read(exchange)) co_return co_await method_not_allowed(exchange);
  const ui::Actions granted = granted_actions(exchange.caller(), context, route.name);
  auto view = co_await offload(context,
                               [&] { return ui::tag_list(context.registry, route.name, granted); });
  co_await send_view(exchange, view);
}

asio::awaitable<void> handle_ui_image(Exchange& exchange, const Route& route, Context& context) {
  if (!is_read(exchange)) co_return co_await method_not_allowed(exchange);
  const ui::Actions granted = granted_actions(exchange.caller(), context, route.name);
  auto view = co_await offload(context, [&] {
    return ui::image_view(context.registry, route.name, route.reference, granted);
  });
  co_await send_view(exchange, view);
}

}  // namespace server
