// Test images built by hand: random blobs and hand-written manifests in an OCI layout written
// file by file (not through LayoutStore), so the stores are checked against the spec's files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "oci/manifest.h"
#include "testsupport/temp_dir.h"
#include "transfer/layout_store.h"
#include "transfer/progress.h"

namespace transfer::testing {

std::string random_bytes(std::size_t size, unsigned seed);
// A descriptor of `bytes` (with another size when given, to describe them wrongly).
oci::Descriptor descriptor_of(std::string_view bytes, std::int64_t size = -1);
// LayoutOptions that create the layout.
LayoutOptions creating(std::vector<std::filesystem::path> also_present_in = {});
std::string read_text(const std::filesystem::path& path);
void write_text(const std::filesystem::path& path, std::string_view text);

struct Image {
  oci::Descriptor manifest;
  std::vector<oci::Descriptor> blobs;  // config first, then the layers
};

class LayoutWriter {
 public:
  // Creates an empty layout in `directory`.
  explicit LayoutWriter(std::filesystem::path directory);

  std::filesystem::path blob_path(const oci::Digest& digest) const;
  oci::Descriptor blob(std::string_view bytes, std::string media_type);
  // Stores `manifest` (its mediaType decides the descriptor's).
  oci::Descriptor manifest(const nlohmann::json& manifest);
  // An image of `layers` random layers of `layer_size` bytes; `seed` makes it unique.
  Image image(int layers, std::size_t layer_size, unsigned seed);
  // An image index over `children`, each with its platform ("linux/arm64/v8").
  oci::Descriptor index(const std::vector<std::pair<oci::Descriptor, std::string>>& children);
  // A signature-like artifact whose subject is `subject`, with one small layer.
  Image referrer(const oci::Descriptor& subject, unsigned seed);

  // index.json entries: named (ref.name) or not.
  void name(const oci::Descriptor& manifest, std::string_view name);
  void list(const oci::Descriptor& manifest);

 private:
  void save_index() const;
  std::filesystem::path directory_;
  nlohmann::json entries_ = nlohmann::json::array();
};

// Records every event, for checks on what the engine reported.
class RecordingProgress final : public Progress {
 public:
  void blob_started(std::string_view, const oci::Descriptor& blob, std::int64_t offset) override;
  void blob_bytes(const oci::Descriptor&, std::int64_t) override {}
  void blob_finished(const oci::Descriptor& blob, BlobOutcome outcome) override;
  void manifest_written(std::string_view, const oci::Digest& digest, std::string_view) override;
  void note(std::string_view text) override;
  void done() override {}

  std::vector<std::string> lines() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

}  // namespace transfer::testing
