// GET /v2/<name>/tags/list, /v2/_catalog and /v2/<name>/referrers/<digest>
#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "mirror/pull_through.h"
#include "oci/media_type.h"
#include "oci/percent_encoding.h"
#include "server/callback_wait.h"
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

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out.append("\\u00").append(1, kHex[c >> 4]).append(1, kHex[c & 15]);
    } else {
      out += c;
    }
  }
  out += '"';
}

// {"name":"<name>","tags":[...]} or {"repositories":[...]}, written directly: a tag list is
// read often and holds many short strings, each of which a JSON library would allocate.
std::string list_body(std::optional<std::string_view> name, std::string_view key,
                      const std::vector<std::string>& items) {
  std::string body;
  std::size_t size = 32 + key.size() + (name ? name->size() : 0);
  for (const auto& item : items) size += item.size() + 3;
  body.reserve(size);
  body += '{';
  if (name) {
    body += "\"name\":";
    append_json_string(body, *name);
    body += ',';
  }
  append_json_string(body, key);
  body += ":[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) body += ',';
    append_json_string(body, items[i]);
  }
  body += "]}";
  return body;
}

asio::awaitable<void> send_page(Exchange& exchange, std::string body, const registry::Page& page,
                                std::string_view path, std::size_t n) {
  std::string link;
  if (page.more && !page.items.empty()) link = next_link(path, n, page.items.back());
  const std::array<HeaderLine, 2> headers{{
      {"Content-Type", "application/json"},
      {"Link", link},
  }};
  const std::span<const HeaderLine> sent(headers.data(), link.empty() ? 1 : 2);
  co_await exchange.send_bytes(http::status::ok, sent, body);
}

// A page of the repositories the caller may pull: pages are read on until `n` visible ones
// are found or the list ends, so hidden repositories leave neither gaps nor hints.
oci::Result<registry::Page> visible_catalog_page(registry::Registry& registry, const Caller& caller,
                                                 std::string after, std::size_t n) {
  registry::Page visible;
  for (;;) {
    auto page = registry.catalog(after, n);
    if (!page) return page;
    std::string last = page->items.empty() ? std::string() : page->items.back();
    for (auto& name : page->items) {
      if (visible.items.size() == n) {
        visible.more = true;
        return visible;
      }
      if (caller.rules_allow(auth::Action::kPull, name)) visible.items.push_back(std::move(name));
    }
    if (!page->more || page->items.empty()) return visible;
    after = std::move(last);
  }
}

// The page of a whole tag list after `last`, in the registry's order (byte order).
registry::Page page_of(std::vector<std::string> tags, std::string_view last, std::size_t n) {
  std::ranges::sort(tags);
  auto first = std::ranges::upper_bound(tags, last, std::less<>());
  if (last.empty()) first = tags.begin();
  registry::Page page;
  for (auto it = first; it != tags.end(); ++it) {
    if (page.items.size() == n) {
      page.more = true;
      break;
    }
    page.items.push_back(std::move(*it));
  }
  return page;
}

}  // namespace

// The upstream's tags (what a pull through the mirror can get), the cached ones when the
// upstream does not answer.
asio::awaitable<void> handle_mirrored_tags(Exchange& exchange, const Route& route, Context& context,
                                           const mirror::UpstreamMatch& match) {
  if (exchange.method() != http::verb::get && exchange.method() != http::verb::head) {
    co_return co_await method_not_allowed(exchange);
  }
  oci::Result<std::vector<std::string>> upstream_tags =
      oci::fail(oci::ErrorCode::kInternal, "not asked");
  co_await wait_for_callback([&](const std::function<void()>& wake) {
    context.mirror->tags(match, [&upstream_tags, wake](oci::Result<std::vector<std::string>> tags) {
      upstream_tags = std::move(tags);
      wake();
    });
  });
  if (!upstream_tags) co_return co_await handle_tags(exchange, route, context);
  const std::size_t n = page_size(route);
  const registry::Page page = page_of(std::move(*upstream_tags), route.param("last"), n);
  std::string body = list_body(route.name, "tags", page.items);
  std::string path = "/v2/" + route.name + "/tags/list";
  co_await send_page(exchange, std::move(body), page, path, n);
}

// The upstream's referrers with those the cache holds besides (pushed here, or no longer
// listed upstream), as one index; the cached ones alone when the upstream does not answer.
asio::awaitable<void> handle_mirrored_referrers(Exchange& exchange, const Route& route,
                                                Context& context,
                                                const mirror::UpstreamMatch& match) {
  auto subject = oci::Digest::parse(route.reference);
  if (!subject || (exchange.method() != http::verb::get && exchange.method() != http::verb::head)) {
    co_return co_await handle_referrers(exchange, route, context);
  }
  oci::Result<std::vector<oci::Descriptor>> upstream =
      oci::fail(oci::ErrorCode::kInternal, "not asked");
  co_await wait_for_callback([&](const std::function<void()>& wake) {
    context.mirror->referrers(match, *subject,
                              [&upstream, wake](oci::Result<std::vector<oci::Descriptor>> found) {
                                upstream = std::move(found);
                                wake();
                              });
  });
  if (!upstream) co_return co_await handle_referrers(exchange, route, context);

  std::optional<std::string_view> artifact_type;
  if (route.has_param("artifactType")) artifact_type = route.param("artifactType");
  auto& registry = context.registry;
  auto cached = co_await offload(
      context, [&] { return registry.referrers(route.name, route.reference, artifact_type); });
  if (!cached) co_return co_await exchange.send_error(cached.error());
  nlohmann::json index = nlohmann::json::parse(*cached);
  nlohmann::json& manifests = index["manifests"];
  std::set<std::string> listed;
  for (const auto& descriptor : manifests) listed.insert(descriptor.value("digest", ""));
  for (const oci::Descriptor& descriptor : *upstream) {
    if (artifact_type && descriptor.artifact_type != *artifact_type) continue;
    if (listed.insert(descriptor.digest.str()).second) manifests.push_back(descriptor.to_json());
  }
  auto response = exchange.make_response(http::status::ok);
  response.set(http::field::content_type, oci::media_type::kOciIndex);
  if (artifact_type) response.set("OCI-Filters-Applied", "artifactType");
  response.body() = index.dump();
  co_await exchange.send(std::move(response));
}

asio::awaitable<void> handle_tags(Exchange& exchange, const Route& route, Context& context) {
  if (exchange.method() != http::verb::get && exchange.method() != http::verb::head) {
    co_return co_await method_not_allowed(exchange);
  }
  const std::size_t n = page_size(route);
  auto& registry = context.registry;
  auto page =
      co_await offload(context, [&] { return registry.tags(route.name, route.param("last"), n); });
  if (!page) co_return co_await exchange.send_error(page.error());
  std::string body = list_body(route.name, "tags", page->items);
  std::string path = "/v2/" + route.name + "/tags/list";
  co_await send_page(exchange, std::move(body), *page, path, n);
}

asio::awaitable<void> handle_catalog(Exchange& exchange, const Route& route, Context& context) {
  if (exchange.method() != http::verb::get && exchange.method() != http::verb::head) {
    co_return co_await method_not_allowed(exchange);
  }
  const std::size_t n = page_size(route);
  auto& registry = context.registry;
  auto page = co_await offload(context, [&] {
    return visible_catalog_page(registry, exchange.caller(), std::string(route.param("last")), n);
  });
  if (!page) co_return co_await exchange.send_error(page.error());
  std::string body = list_body(std::nullopt, "repositories", page->items);
  co_await send_page(exchange, std::move(body), *page, "/v2/_catalog", n);
}

asio::awaitable<void> handle_referrers(Exchange& exchange, const Route& route, Context& context) {
  if (exchange.method() != http::verb::get && exchange.method() != http::verb::head) {
    co_return co_await method_not_allowed(exchange);
  }
  std::optional<std::string_view> artifact_type;
  if (route.has_param("artifactType")) artifact_type = route.param("artifactType");
  auto& registry = context.registry;
  auto index = co_await offload(
      context, [&] { return registry.referrers(route.name, route.reference, artifact_type); });
  if (!index) co_return co_await exchange.send_error(index.error());
  auto response = exchange.make_response(http::status::ok);
  response.set(http::field::content_type, oci::media_type::kOciIndex);
  if (artifact_type) response.set("OCI-Filters-Applied", "artifactType");
  response.body() = std::move(*index);
  co_await exchange.send(std::move(response));
}

}  // namespace server
