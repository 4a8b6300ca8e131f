#include "mirror/pull_through.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "oci/attachment_tag.h"
#include "oci/digest.h"
#include "storage/filesystem_driver.h"

namespace mirror {
namespace {

bool is_digest(std::string_view reference) { return reference.find(':') != std::string_view::npos; }

// The upstream answered; it does not have what was asked. Anything else is its failure.
bool is_unknown(const oci::Error& error) {
  using oci::ErrorCode;
  return error.code == ErrorCode::kManifestUnknown || error.code == ErrorCode::kBlobUnknown ||
         error.code == ErrorCode::kNameUnknown || error.code == ErrorCode::kNotFound;
}

std::string describe(const Upstream& upstream, std::string_view repository,
                     std::string_view reference) {
  return fmt::format("{}/{}{}{}", upstream.url, repository, is_digest(reference) ? "@" : ":",
                     reference);
}

// An upstream's failure as the requester sees it: not found stays not found, anything else
// is the mirror's problem to report, never an UNAUTHORIZED that would confuse the client.
oci::Error as_requester_error(const Upstream& upstream, oci::Error error) {
  if (is_unknown(error)) return error;
  return oci::Error{oci::ErrorCode::kInternal,
                    fmt::format("upstream {} failed: {}", upstream.url, error.message),
                    std::move(error.detail)};
}

}  // namespace

struct PullThrough::Upstreams {
  std::map<const Upstream*, std::unique_ptr<UpstreamSources>> sources;
  std::map<const Upstream*, std::unique_ptr<UpstreamHealth>> health;
};

PullThrough::PullThrough(UpstreamTable table, registry::Registry& registry,
                         PullThroughOptions options)
    : table_(std::move(table)),
      registry_(registry),
      events_(options.events),
      upstreams_(std::make_unique<Upstreams>()),
      manifest_workers_(options.manifest_workers),
      blob_workers_(options.blob_workers) {
  if (!registry.uploads_readable_while_written()) {
    spool_ = storage::make_filesystem_driver(options.spool_directory.empty()
                                                 ? std::filesystem::temp_directory_path() /
                                                       "regmirror-fetch-spool"
                                                 : options.spool_directory);
    (void)spool_->remove("fetches");  // what a process that stopped left behind
  }
  if (options.leases) {
    cluster_.emplace(LeaseContext{*options.leases, new_lease_holder(), options.lease_timing});
  }
  for (const Upstream& upstream : table_.upstreams()) {
    upstreams_->sources.emplace(
        &upstream, std::make_unique<UpstreamSources>(upstream, options.registries_conf, opener_));
    // The metrics' upstream label: its namespace, or its host for a whole-registry mirror.
    upstreams_->health.emplace(
        &upstream, std::make_unique<UpstreamHealth>(upstream.prefix.empty() ? upstream.host()
                                                                            : upstream.prefix));
  }
}

PullThrough::~PullThrough() { stop(); }

void PullThrough::stop() {
  stopping_ = true;
  blob_workers_.stop();
  manifest_workers_.stop();
  std::map<std::string, std::vector<ManifestDone>, std::less<>> manifest_waiters;
  std::map<std::string, std::shared_ptr<BlobFetch>, std::less<>> blob_fetches;
  {
    std::lock_guard lock(mutex_);
    manifest_waiters.swap(manifest_waiters_);
    blob_fetches.swap(blob_fetches_);
  }
  const oci::Error stopping{oci::ErrorCode::kInternal, "the server is stopping"};
  for (auto& [key, waiters] : manifest_waiters) {
    for (auto& waiter : waiters) waiter(std::unexpected(stopping));
  }
  for (auto& [key, fetch] : blob_fetches) fetch->abandon(stopping);
}

UpstreamSources& PullThrough::sources_of(const Upstream& upstream) {
  return *upstreams_->sources.at(&upstream);
}

UpstreamHealth& PullThrough::health_of(const Upstream& upstream) {
  return *upstreams_->health.at(&upstream);
}

void PullThrough::note(const Upstream& upstream, const oci::Error* error) {
  if (error == nullptr) {
    health_of(upstream).answered();
  } else if (is_unknown(*error)) {
    health_of(upstream).answered_not_found();
  } else {
    health_of(upstream).failed(error->message);
  }
}

void PullThrough::hit(const UpstreamMatch& match) { health_of(*match.upstream).hit(); }

bool PullThrough::serve_cached(const UpstreamMatch& match, std::string_view repository,
                               std::string_view reference) const {
  return is_digest(reference) || freshness_.fresh(repository, reference, match.upstream->tag_ttl);
}

std::vector<UpstreamStatus> PullThrough::status() const {
  std::vector<UpstreamStatus> status;
  for (const Upstream& upstream : table_.upstreams()) {
    auto bytes = registry_.linked_bytes(upstream.prefix, table_.prefixes_within(upstream));
    status.push_back({&upstream, upstreams_->health.at(&upstream)->snapshot(),
                      bytes ? std::optional(*bytes) : std::nullopt});
  }
  return status;
}

void PullThrough::manifest(const UpstreamMatch& match, std::string repository,
                           std::string reference, ManifestDone done) {
  const std::string key = repository + "\n" + reference;
  {
    std::lock_guard lock(mutex_);
    auto [waiting, first] = manifest_waiters_.try_emplace(key);
    waiting->second.push_back(std::move(done));
    if (!first) return;
  }
  manifest_workers_.post([this, match, repository = std::move(repository),
                          reference = std::move(reference), key] {
    oci::Result<registry::ManifestContent> result = fetch_manifest(match, repository, reference);
    std::vector<ManifestDone> waiters;
    {
      std::lock_guard lock(mutex_);
      auto entry = manifest_waiters_.extract(key);
      if (!entry.empty()) waiters = std::move(entry.mapped());
    }
    for (auto& waiter : waiters) waiter(result);
  });
}

oci::Result<registry::ManifestContent> PullThrough::fetch_manifest(const UpstreamMatch& match,
                                                                   const std::string& repository,
                                                                   const std::string& reference) {
  if (!is_digest(reference)) return revalidate_tag(match, repository, reference);
  // Another request may have stored it since the caller looked.
  if (auto stored = registry_.get_manifest(repository, reference)) return stored;
  health_of(*match.upstream).miss();
  return store_from_upstream(match, repository, reference, reference);
}

oci::Result<registry::ManifestContent> PullThrough::revalidate_tag(const UpstreamMatch& match,
                                                                   const std::string& repository,
                                                                   const std::string& tag) {
  const Upstream& upstream = *match.upstream;
  // An attachment tag (sha256-<hex>.sig...) follows the image it belongs to, not the tag rules:
  // whoever may pull the image by digest may read its signatures.
  if (!oci::parse_attachment_tag(tag) && !upstream.tags.allows(tag)) {
    return oci::fail(oci::ErrorCode::kManifestUnknown, "tag not mirrored",
                     fmt::format("the mirror's tag rules for {} leave out {}", upstream.url, tag));
  }
  oci::Result<registry::ManifestContent> cached = registry_.get_manifest(repository, tag);
  if (cached && freshness_.fresh(repository, tag, upstream.tag_ttl)) return cached;
  // Served without the upstream's confirmation. Not marked checked when the upstream failed:
  // the next request asks again (after UpstreamHealth's short hold), so a tag that moved
  // meanwhile is seen as soon as the upstream is back.
  enum class Stale { kFailed, kHeld, kGone };
  const auto serve_stale = [&](Stale kind, const std::string& why) {
    spdlog::log(kind == Stale::kHeld ? spdlog::level::debug : spdlog::level::warn,
                "mirror: serving the cached {}:{} ({}), upstream {}: {}", repository, tag,
                cached->digest.str(), upstream.url, why);
    health_of(upstream).stale();
    if (kind == Stale::kGone) freshness_.checked(repository, tag);
    return cached;
  };
  if (cached && health_of(upstream).recently_failed()) {
    return serve_stale(Stale::kHeld, "failed moments ago");
  }

  auto head = sources_of(upstream).head_tag(match.remote_repository, tag);
  note(upstream, head ? nullptr : &head.error());
  if (head && *head && cached && (*head)->digest == cached->digest) {
    health_of(upstream).hit();
    freshness_.checked(repository, tag);
    return cached;
  }
  if (head && !*head) {
    if (cached) return serve_stale(Stale::kGone, "it no longer has the tag");
    return oci::fail(oci::ErrorCode::kManifestUnknown, "manifest unknown",
                     describe(upstream, match.remote_repository, tag));
  }
  if (!head && cached) return serve_stale(Stale::kFailed, head.error().message);

  // New to the cache, or moved upstream: fetch it by digest when the HEAD told one (a
  // verified body), else by tag through whatever sources there are.
  health_of(upstream).miss();
  const std::string upstream_ref = head ? (*head)->digest.str() : tag;
  auto stored = store_from_upstream(match, repository, tag, upstream_ref);
  if (stored) {
    freshness_.checked(repository, tag);
  } else if (cached) {
    return serve_stale(Stale::kFailed, stored.error().message);
  }
  return stored;
}

oci::Result<registry::ManifestContent> PullThrough::store_from_upstream(
    const UpstreamMatch& match, const std::string& repository, const std::string& reference,
    const std::string& upstream_ref) {
  const Upstream& upstream = *match.upstream;
  auto source = sources_of(upstream).open(match.remote_repository, upstream_ref);
  if (!source) return std::unexpected(as_requester_error(upstream, std::move(source.error())));
  auto fetched = (*source)->get_manifest(upstream_ref);
  note(upstream, fetched ? nullptr : &fetched.error());
  if (!fetched) return std::unexpected(as_requester_error(upstream, std::move(fetched.error())));
  auto stored =
      registry_.put_fetched_manifest(repository, reference, fetched->media_type, fetched->body);
  if (!stored) return std::unexpected(std::move(stored.error()));
  health_of(upstream).fetched(0);
  spdlog::info("mirror: fetched {} ({})", describe(upstream, match.remote_repository, upstream_ref),
               stored->digest.str());
  if (events_ != nullptr && events_->enabled()) {
    events::Event event;
    event.action = events::Action::kMirrorFetch;
    event.repository = repository;
    event.digest = stored->digest.str();
    if (reference.find(':') == std::string::npos) event.tag = reference;
    event.media_type = stored->media_type;
    event.size = stored->size;
    events_->emit(std::move(event));
  }
  return registry::ManifestContent{stored->digest, fetched->media_type,
                                   std::make_shared<const std::string>(std::move(fetched->body))};
}

std::shared_ptr<BlobFetch> PullThrough::blob(const UpstreamMatch& match, std::string repository,
                                             oci::Digest digest) {
  std::string key = repository + "\n" + digest.str();
  std::shared_ptr<BlobFetch> fetch;
  {
    std::lock_guard lock(mutex_);
    if (auto it = blob_fetches_.find(key); it != blob_fetches_.end()) return it->second;
    fetch = std::make_shared<BlobFetch>(registry_, std::move(repository), std::move(digest),
                                        spool_.get(), cluster_ ? &*cluster_ : nullptr);
    blob_fetches_.emplace(key, fetch);
  }
  health_of(*match.upstream).miss();
  blob_workers_.post([this, match, fetch, key = std::move(key)] {
    const Upstream& upstream = *match.upstream;
    UpstreamSources& sources = sources_of(upstream);
    std::unique_ptr<transfer::ImageStore> store;
    BlobFetch::Source source;
    source.size = [&]() -> oci::Result<std::optional<std::uint64_t>> {
      auto size = sources.blob_size(match.remote_repository, fetch->digest());
      note(upstream, size ? nullptr : &size.error());
      if (!size) return std::unexpected(as_requester_error(upstream, std::move(size.error())));
      return size;
    };
    source.read = [&](std::uint64_t offset, const client::ByteSink& sink) -> oci::Result<void> {
      auto opened = sources.open(match.remote_repository, fetch->digest().str());
      if (!opened) return std::unexpected(as_requester_error(upstream, std::move(opened.error())));
      const oci::Descriptor descriptor{
          .media_type = "application/octet-stream",
          .digest = fetch->digest(),
          .size = static_cast<std::int64_t>(fetch->progress().size.value_or(0)),
          .urls = {},
          .artifact_type = {},
          .annotations = {}};
      // An error of the sink (a local write, the server stopping) is not the upstream's.
      bool sink_failed = false;
      const client::ByteSink watched = [&](std::span<const std::byte> bytes) {
        auto taken = sink(bytes);
        sink_failed = !taken;
        return taken;
      };
      auto read = (*opened)->read_blob(descriptor, static_cast<std::int64_t>(offset), watched);
      if (sink_failed) return read;
      note(upstream, read ? nullptr : &read.error());
      if (read) return read;
      return std::unexpected(as_requester_error(upstream, std::move(read.error())));
    };
    const std::uint64_t bytes = fetch->run(source, [this] { return !stopping_.load(); });
    if (bytes > 0) {
      health_of(upstream).fetched(bytes);
      spdlog::info("mirror: fetched {} ({} bytes)",
                   describe(upstream, match.remote_repository, fetch->digest().str()), bytes);
      if (events_ != nullptr && events_->enabled()) {
        events::Event event;
        event.action = events::Action::kMirrorFetch;
        event.repository = fetch->repository();
        event.digest = fetch->digest().str();
        event.size = bytes;
        events_->emit(std::move(event));
      }
    } else if (const auto error = fetch->progress().error) {
      // A blob the upstream does not have is a client's probe (a HEAD before a push), not
      // a failure to warn about.
      spdlog::log(is_unknown(*error) ? spdlog::level::debug : spdlog::level::warn,
                  "mirror: fetch of {} failed: {}",
                  describe(upstream, match.remote_repository, fetch->digest().str()),
                  error->message);
    }
    std::lock_guard lock(mutex_);
    blob_fetches_.erase(key);
  });
  return fetch;
}

void PullThrough::tags(const UpstreamMatch& match,
                       std::function<void(oci::Result<std::vector<std::string>>)> done) {
  manifest_workers_.post([this, match, done = std::move(done)] {
    const Upstream& upstream = *match.upstream;
    if (health_of(upstream).recently_failed()) {
      return done(oci::fail(oci::ErrorCode::kInternal, "upstream failed moments ago"));
    }
    auto tags = sources_of(upstream).tags(match.remote_repository);
    note(upstream, tags ? nullptr : &tags.error());
    if (!tags) return done(std::unexpected(as_requester_error(upstream, std::move(tags.error()))));
    std::erase_if(*tags, [&](const std::string& tag) { return !upstream.tags.allows(tag); });
    done(std::move(*tags));
  });
}

void PullThrough::referrers(const UpstreamMatch& match, oci::Digest subject,
                            std::function<void(oci::Result<std::vector<oci::Descriptor>>)> done) {
  manifest_workers_.post([this, match, subject = std::move(subject), done = std::move(done)] {
    const Upstream& upstream = *match.upstream;
    if (health_of(upstream).recently_failed()) {
      return done(oci::fail(oci::ErrorCode::kInternal, "upstream failed moments ago"));
    }
    auto source = sources_of(upstream).open(match.remote_repository, subject.str());
    if (!source) return done(std::unexpected(as_requester_error(upstream, source.error())));
    auto found = (*source)->referrers(subject);
    note(upstream, found ? nullptr : &found.error());
    if (!found) return done(std::unexpected(as_requester_error(upstream, found.error())));
    done(std::move(*found));
  });
}

}  // namespace mirror
