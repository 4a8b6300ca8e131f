// ui_test's registry: in memory (MemoryDriver, SQLite in a temporary directory), with helpers
// that push what the views describe: image configs, layers, images, indexes, artifacts.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "metadata/sqlite_store.h"
#include "oci/media_type.h"
#include "registry/registry.h"
#include "storage/memory_driver.h"
#include "testsupport/temp_dir.h"

namespace ui::testing {

struct Pushed {
  std::string digest;
  std::uint64_t size = 0;
};

class TestRegistry {
 public:
  explicit TestRegistry(registry::Options options = {})
      : store_(std::move(*metadata::open_sqlite_store(dir_ / "metadata.sqlite"))),
        registry_(std::make_unique<registry::Registry>(*driver_, *store_, options)) {}

  registry::Registry& operator*() { return *registry_; }
  registry::Registry* operator->() { return registry_.get(); }

  Pushed blob(const std::string& repository, std::string_view content) {
    auto upload = registry_->start_upload(repository);
    EXPECT_TRUE(upload);
    auto appender = registry_->append_upload(repository, upload->id, std::nullopt);
    EXPECT_TRUE(appender);
    EXPECT_TRUE((*appender)->write(std::as_bytes(std::span(content.data(), content.size()))));
    const std::string digest = oci::digest_of(content).str();
    EXPECT_TRUE(registry_->complete_upload(repository, std::move(*appender), digest));
    return {digest, content.size()};
  }

  Pushed manifest(const std::string& repository, const std::string& reference,
                  const nlohmann::json& body) {
    const std::string text = body.dump();
    auto put = registry_->put_manifest(repository, reference,
                                       body.value("mediaType", std::string()), text);
    EXPECT_TRUE(put) << (put ? "" : put.error().message + " " + put.error().detail);
    return {put ? put->digest.str() : "", text.size()};
  }

  // An image of one layer whose config names `architecture` (os linux).
  Pushed image(const std::string& repository, const std::string& reference,
               const std::string& architecture, const std::string& layer_content) {
    const nlohmann::json config = {
        {"os", "linux"},
        {"architecture", architecture},
        {"created", "2026-12-01T10:00:00Z"},
        {"config",
         {{"Entrypoint", {"/bin/sh"}},
          {"Env", {"PATH=/bin"}},
          {"ExposedPorts", {{"8080/tcp", nlohmann::json::object()}}},
          {"Labels", {{"team", "infra"}}}}},
        {"history", {{{"created_by", "ADD file"}, {"empty_layer", false}}}}};
    const Pushed config_blob = blob(repository, config.dump());
    const Pushed layer = blob(repository, layer_content);
    return manifest(
        repository, reference,
        {{"schemaVersion", 2},
         {"mediaType", oci::media_type::kOciManifest},
         {"config", descriptor("application/vnd.oci.image.config.v1+json", config_blob)},
         {"layers", {descriptor("application/vnd.oci.image.layer.v1.tar+gzip", layer)}}});
  }

  // An image (linux/amd64) whose `count` layers are all the same blob.
  Pushed repeated_layers(const std::string& repository, const std::string& reference, int count) {
    const Pushed config = blob(repository, R"({"os":"linux","architecture":"amd64"})");
    const Pushed layer = blob(repository, "layer");
    auto layers = nlohmann::json::array();
    for (int i = 0; i < count; ++i) {
      layers.push_back(descriptor("application/vnd.oci.image.layer.v1.tar", layer));
    }
    return manifest(repository, reference,
                    {{"schemaVersion", 2},
                     {"mediaType", oci::media_type::kOciManifest},
                     {"config", descriptor("application/vnd.oci.image.config.v1+json", config)},
                     {"layers", std::move(layers)}});
  }

  // An index that names `child` `count` times, without platforms.
  static nlohmann::json repeating_index(const Pushed& child, std::string_view media_type,
                                        int count) {
    auto children = nlohmann::json::array();
    for (int i = 0; i < count; ++i) children.push_back(descriptor(media_type, child));
    return {{"schemaVersion", 2},
            {"mediaType", oci::media_type::kOciIndex},
            {"manifests", std::move(children)}};
  }

  static nlohmann::json descriptor(std::string_view media_type, const Pushed& pushed) {
    return {{"mediaType", media_type}, {"digest", pushed.digest}, {"size", pushed.size}};
  }

 private:
  testsupport::TempDir dir_;
  std::unique_ptr<storage::Driver> driver_ = storage::make_memory_driver();
  std::unique_ptr<metadata::Store> store_;
  std::unique_ptr<registry::Registry> registry_;
};

}  // namespace ui::testing
