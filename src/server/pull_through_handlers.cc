// Requests for repositories inside an upstream's namespace (pull-through mirror mode):
// reads are answered from the cache when it holds the answer, otherwise from mirror/'s
// coalesced fetches while they run; writes are refused unless the upstream allows pushes.
#include <algorithm>
#include <array>

#include "mirror/pull_through.h"
#include "server/blob_response.h"
#include "server/callback_wait.h"
#include "server/handlers.h"

namespace server {
namespace {

using mirror::BlobFetch;

asio::awaitable<void> get_mirrored_manifest(Exchange& exchange, const Route& route,
                                            Context& context, const mirror::UpstreamMatch& match) {
  auto& registry = context.registry;
  auto& pull_through = *context.mirror;
  oci::Result<registry::ManifestContent> manifest =
      oci::fail(oci::ErrorCode::kManifestUnknown, "not looked up");
  if (pull_through.serve_cached(match, route.name, route.reference)) {
    if (auto cached = registry.cached_manifest(route.name, route.reference)) {
      manifest = std::move(*cached);
    } else {
      manifest = co_await offload(
          context, [&] { return registry.get_manifest(route.name, route.reference); });
    }
  }
  if (manifest) {
    pull_through.hit(match);
  } else {
    co_await wait_for_callback([&](const std::function<void()>& wake) {
      pull_through.manifest(match, route.name, route.reference,
                            [&manifest, wake](oci::Result<registry::ManifestContent> result) {
                              manifest = std::move(result);
                              wake();
                            });
    });
  }
  if (!manifest) co_return co_await exchange.send_error(manifest.error());
  if (exchange.method() == http::verb::get) {
    record_pull(route, context, *manifest);
    emit_pull(exchange, route, context, *manifest);
  }
  co_await send_manifest(exchange, *manifest);
}

// Waits until the fetch's progress differs from `seen`.
asio::awaitable<BlobFetch::Progress> next_progress(BlobFetch& fetch,
                                                   const BlobFetch::Progress& seen) {
  co_await wait_for_callback(
      [&](std::function<void()> wake) { fetch.when_changed(seen, std::move(wake)); });
  co_return fetch.progress();
}

asio::awaitable<void> send_fetching_blob(Exchange& exchange, Context& context,
                                         const std::shared_ptr<BlobFetch>& fetch) {
  BlobFetch::Progress progress = fetch->progress();
  while (!progress.size && !progress.ended()) progress = co_await next_progress(*fetch, progress);
  if (progress.error) co_return co_await exchange.send_error(*progress.error);
  const std::uint64_t size = *progress.size;

  std::optional<BlobAnswer> answer = answer_blob(exchange, fetch->digest(), size);
  if (!answer) co_return co_await refuse_range(exchange, size);
  const std::uint64_t offset = answer->offset;
  const std::uint64_t length = answer->length;
  if (exchange.method() == http::verb::head) {
    answer->response.content_length(length);
    co_return co_await exchange.send_header(std::move(answer->response));
  }
  // Nothing is sent before the first byte may be (for an empty body: before the digest
  // checked out), so that an early failure is still an error response.
  const auto started = [&](const BlobFetch::Progress& now) {
    return now.ended() || now.verified || now.sendable(offset, length) > 0;
  };
  while (!started(progress)) progress = co_await next_progress(*fetch, progress);
  if (progress.error) co_return co_await exchange.send_error(*progress.error);
  if (length == 0) {
    answer->response.content_length(0);
    co_return co_await exchange.send_header(std::move(answer->response));
  }
  auto reader = co_await offload(context, [&] { return fetch->open(offset); });
  if (!reader) co_return co_await exchange.send_error(reader.error());

  const Exchange::Arrival arrived =
      [&fetch, offset, length](std::uint64_t sent) -> asio::awaitable<oci::Result<std::uint64_t>> {
    BlobFetch::Progress now = fetch->progress();
    for (;;) {
      if (now.error) co_return std::unexpected(*now.error);
      const std::uint64_t there = now.sendable(offset, length);
      if (there > sent) co_return there;
      now = co_await next_progress(*fetch, now);
    }
  };
  co_await exchange.send_arriving_blob(std::move(answer->response), **reader, length,
                                       context.blocking, arrived);
}

asio::awaitable<void> get_mirrored_blob(Exchange& exchange, const Route& route, Context& context,
                                        const mirror::UpstreamMatch& match) {
  auto& registry = context.registry;
  std::optional<registry::BlobInfo> stored = registry.cached_blob(route.name, route.reference);
  if (!stored) {
    auto looked =
        co_await offload(context, [&] { return registry.stat_blob(route.name, route.reference); });
    if (looked) {
      stored = std::move(*looked);
    } else if (looked.error().code != oci::ErrorCode::kBlobUnknown) {
      co_return co_await exchange.send_error(looked.error());
    }
  }
  if (stored) {
    context.mirror->hit(match);
    co_return co_await send_stored_blob(exchange, *stored, context);
  }
  auto digest = oci::Digest::parse(route.reference);
  if (!digest) co_return co_await exchange.send_error(digest.error());
  const std::shared_ptr<BlobFetch> fetch =
      context.mirror->blob(match, route.name, std::move(*digest));
  co_await send_fetching_blob(exchange, context, fetch);
}

}  // namespace

asio::awaitable<void> handle_mirrored(Exchange& exchange, const Route& route, Context& context,
                                      const mirror::UpstreamMatch& match) {
  const bool read = exchange.method() == http::verb::get || exchange.method() == http::verb::head;
  if (!read && !match.upstream->allow_push) {
    const oci::Error error{oci::ErrorCode::kDenied,
                           "repository mirrors an upstream: pushes and deletes are refused",
                           route.name + " mirrors " + match.upstream->url};
    co_return co_await exchange.send_error(error);
  }
  if (match.coverage == mirror::Coverage::kNotServed) {
    const oci::Error error{oci::ErrorCode::kNameUnknown,
                           "repository is not mirrored from its upstream",
                           route.name + " (" + match.upstream->url + ")"};
    co_return co_await exchange.send_error(error);
  }
  if (read && route.resource == Resource::kManifest) {
    co_return co_await get_mirrored_manifest(exchange, route, context, match);
  }
  if (read && route.resource == Resource::kBlob) {
    co_return co_await get_mirrored_blob(exchange, route, context, match);
  }
  if (route.resource == Resource::kTags) {
    co_return co_await handle_mirrored_tags(exchange, route, context, match);
  }
  if (route.resource == Resource::kReferrers) {
    co_return co_await handle_mirrored_referrers(exchange, route, context, match);
  }
  co_await handle_resource(exchange, route, context);
}

}  // namespace server
