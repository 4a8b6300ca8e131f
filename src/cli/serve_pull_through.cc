#include "cli/serve_pull_through.h"

#include <spdlog/spdlog.h>

#include <string>

#include "nodeconf/registries_conf_loader.h"

namespace cli {

oci::Result<std::unique_ptr<ServePullThrough>> ServePullThrough::start(
    const server::MirrorConfig& config, registry::Registry& registry, metadata::Store& store,
    const std::filesystem::path& spool_directory, events::Sink* events) {
  if (!config.enabled()) return nullptr;
  auto table = mirror::UpstreamTable::create(config.upstreams);
  if (!table) return std::unexpected(table.error());
  std::unique_ptr<ServePullThrough> served(new ServePullThrough());
  if (!config.registries_conf.empty()) {
    const nodeconf::ConfigLocation location{.file = config.registries_conf,
                                            .dropin_dir = config.registries_conf.string() + ".d",
                                            .file_is_optional = false};
    auto loaded = nodeconf::load_registries_conf(location);
    if (!loaded) return std::unexpected(loaded.error());
    served->registries_conf_ = std::make_unique<nodeconf::RegistriesConf>(std::move(*loaded));
  }
  mirror::PullThroughOptions options;
  options.registries_conf = served->registries_conf_.get();
  options.blob_workers = config.blob_workers;
  options.spool_directory = spool_directory;
  options.events = events;
  options.lease_timing.ttl = config.fetch_lease;
  options.lease_timing.renew_every = config.fetch_lease / 3;
  options.leases = mirror::LeaseCalls{
      .acquire =
          [&store](std::string_view name, std::string_view holder, std::chrono::milliseconds ttl) {
            return store.acquire_lease(name, holder, ttl);
          },
      .release = [&store](std::string_view name,
                          std::string_view holder) { return store.release_lease(name, holder); }};
  for (const mirror::Upstream& upstream : table->upstreams()) {
    spdlog::info("mirroring {} at /v2/{}", upstream.url,
                 upstream.prefix.empty() ? std::string("...") : upstream.prefix + "/...");
  }
  served->pull_through_ =
      std::make_unique<mirror::PullThrough>(std::move(*table), registry, options);
  return served;
}

}  // namespace cli
