// GET /v2/<name>/tags/list, /v2/_catalog and /v2/<name>/referrers/<digest>
#include <charconv>
#include <nlohmann/json.hpp>

#include "oci/media_type.h"
#include "oci/percent_encoding.h"
#include "server/handlers.h"

namespace server {
namespace {

// Without `n` a list is returned whole up to this many entries, then paginated with Link.
constexpr std::size_t kDefaultPage = 10000;

std::size_t page_size(const Route& route) {
  const std::string_view n = route.param("n");
  std::size_t value = 0;
  auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), value);
  if (n.empty() || ec != std::errc() || end != n.data() + n.size()) return kDefaultPage;
  return std::min(value, kDefaultPage);
}

// RFC 8288 Link to the next page, as distribution writes it.
std::string next_link(std::string_view path, std::size_t n, std::string_view last) {
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
  std::string link(1, '<');
  link.append(path)
      .append("?n=")
      .append(std::to_string(n))
      .append("&last=")
      .append(oci::percent_encode(last));
  link.append(">; rel=\"next\"");
  return link;
}

asio::awaitable<void> send_page(Exchange& exchange, nlohmann::json body, const registry::Page& page,
                                std::string_view path, std::size_t n) {
  auto response = exchange.make_response(http::status::ok);
  response.set(http::field::content_type, "application/json");
  if (page.more && !page.items.empty()) {
    response.set(http::field::link, next_link(path, n, page.items.back()));
  }
  response.body() = body.dump();
  co_await exchange.send(std::move(response));
}

}  // namespace

asio::awaitable<void> handle_tags(Exchange& exchange, const Route& route, Context& context) {
  if (exchange.method() != http::verb::get && exchange.method() != http::verb::head) {
    co_return co_await method_not_allowed(exchange);
  }
  const std::size_t n = page_size(route);
  auto page = context.registry.tags(route.name, route.param("last"), n);
  if (!page) co_return co_await exchange.send_error(page.error());
  nlohmann::json body = {{"name", route.name}, {"tags", page->items}};
  co_await send_page(exchange, std::move(body), *page, "/v2/" + route.name + "/tags/list", n);
}

asio::awaitable<void> handle_catalog(Exchange& exchange, const Route& route, Context& context) {
  if (exchange.method() != http::verb::get && exchange.method() != http::verb::head) {
    co_return co_await method_not_allowed(exchange);
  }
  const std::size_t n = page_size(route);
  auto page = context.registry.catalog(route.param("last"), n);
  if (!page) co_return co_await exchange.send_error(page.error());
  nlohmann::json body = {{"repositories", page->items}};
  co_await send_page(exchange, std::move(body), *page, "/v2/_catalog", n);
}

asio::awaitable<void> handle_referrers(Exchange& exchange, const Route& route, Context& context) {
  if (exchange.method() != http::verb::get && exchange.method() != http::verb::head) {
    co_return co_await method_not_allowed(exchange);
  }
  std::optional<std::string_view> artifact_type;
  if (route.has_param("artifactType")) artifact_type = route.param("artifactType");
  auto index = context.registry.referrers(route.name, route.reference, artifact_type);
  if (!index) co_return co_await exchange.send_error(index.error());
  auto response = exchange.make_response(http::status::ok);
  response.set(http::field::content_type, oci::media_type::kOciIndex);
  if (artifact_type) response.set("OCI-Filters-Applied", "artifactType");
  response.body() = std::move(*index);
  co_await exchange.send(std::move(response));
}

}  // namespace server
