// The web UI: index.html for every page of the app (it routes on the client) and the files
// under /ui/assets/, all built into the binary (ui/assets.h). Served to anyone: the JSON API
// the app calls decides what each caller sees.
#include <array>
#include <string_view>

#include "server/handlers.h"
#include "ui/assets.h"

namespace server {
namespace {

constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

// Whether an If-None-Match list ("a", W/"b", or *) names `etag` (weak comparison, RFC 9110).
bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  while (!if_none_match.empty()) {
    const auto comma = if_none_match.find(',');
    std::string_view candidate = if_none_match.substr(0, comma);
    while (!candidate.empty() && (candidate.front() == ' ' || candidate.front() == '\t')) {
      candidate.remove_prefix(1);
    }
    while (!candidate.empty() && (candidate.back() == ' ' || candidate.back() == '\t')) {
      candidate.remove_suffix(1);
    }
    if (candidate.starts_with("W/")) candidate.remove_prefix(2);
    if (candidate == "*" || candidate == etag) return true;
    if (comma == std::string_view::npos) break;
    if_none_match.remove_prefix(comma + 1);
  }
  return false;
}

asio::awaitable<void> send_asset(Exchange& exchange, const ui::Asset& asset) {
  const std::array<HeaderLine, 6> headers = {{
      {"Content-Type", asset.content_type},
      {"ETag", asset.etag},
      {"Cache-Control", "no-cache"},
      {"Content-Security-Policy", kContentSecurityPolicy},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
  }};
  if (etag_matches(exchange.header(http::field::if_none_match), asset.etag)) {
    // No body and no length: Exchange::send leaves Content-Length off a 304.
    auto response = exchange.make_response(http::status::not_modified);
    for (const HeaderLine& line : headers) {
      if (line.name != "Content-Type") response.set(line.name, line.value);
    }
    co_return co_await exchange.send(std::move(response));
  }
  co_await exchange.send_bytes(http::status::ok, headers, asset.body);
}

}  // namespace

asio::awaitable<void> handle_ui(Exchange& exchange, const Route& route, Context& /*context*/) {
  if (exchange.method() != http::verb::get && exchange.method() != http::verb::head) {
    co_return co_await method_not_allowed(exchange);
  }
  // route.reference is the path under /ui/: a file under assets/, else a page of the app.
  constexpr std::string_view kAssets = kUiAssetsPrefix.substr(kUiPrefix.size());
  const std::string_view path = route.reference;
  const ui::Asset* asset = path.starts_with(kAssets) ? ui::find_asset(path.substr(kAssets.size()))
                                                     : ui::find_asset("index.html");
  if (asset == nullptr) {
    const oci::Error error{oci::ErrorCode::kNameUnknown, "no such file of the web UI",
                           std::string(exchange.target().substr(0, 256))};
    co_return co_await exchange.send_error(error);
  }
  co_await send_asset(exchange, *asset);
}

}  // namespace server
