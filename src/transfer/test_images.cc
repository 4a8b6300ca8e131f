#include "transfer/test_images.h"

#include <fstream>
#include <random>
#include <sstream>

#include "oci/media_type.h"

namespace transfer::testing {

std::string random_bytes(std::size_t size, unsigned seed) {
  std::mt19937 generator(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(generator() & 0xff);
  return bytes;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_text(const std::filesystem::path& path, std::string_view text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

oci::Descriptor descriptor_of(std::string_view bytes, std::int64_t size) {
  oci::Descriptor descriptor{.media_type = "application/octet-stream",
                             .digest = oci::digest_of(bytes),
                             .size = size >= 0 ? size : static_cast<std::int64_t>(bytes.size()),
                             .urls = {},
                             .artifact_type = {},
                             .annotations = nullptr};
  return descriptor;
}

LayoutOptions creating(std::vector<std::filesystem::path> also_present_in) {
  LayoutOptions options;
  options.create = true;
  options.also_present_in = std::move(also_present_in);
  return options;
}

LayoutWriter::LayoutWriter(std::filesystem::path directory) : directory_(std::move(directory)) {
  write_text(directory_ / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  save_index();
}

std::filesystem::path LayoutWriter::blob_path(const oci::Digest& digest) const {
  return directory_ / "blobs" / std::string(digest.algorithm_name()) / std::string(digest.hex());
}

oci::Descriptor LayoutWriter::blob(std::string_view bytes, std::string media_type) {
  oci::Descriptor descriptor = descriptor_of(bytes);
  descriptor.media_type = std::move(media_type);
  write_text(blob_path(descriptor.digest), bytes);
  return descriptor;
}

oci::Descriptor LayoutWriter::manifest(const nlohmann::json& manifest) {
  return blob(manifest.dump(), manifest.at("mediaType").get<std::string>());
}

Image LayoutWriter::image(int layers, std::size_t layer_size, unsigned seed) {
  std::vector<oci::Descriptor> blobs;
  blobs.push_back(
      blob(R"({"architecture":"amd64","os":"linux","seed":)" + std::to_string(seed) + "}",
           "application/vnd.oci.image.config.v1+json"));
  nlohmann::json layer_list = nlohmann::json::array();
  for (int i = 0; i < layers; ++i) {
    blobs.push_back(blob(random_bytes(layer_size, seed * 100 + static_cast<unsigned>(i)),
                         "application/vnd.oci.image.layer.v1.tar"));
    layer_list.push_back(blobs.back().to_json());
  }
  oci::Descriptor top = manifest({{"schemaVersion", 2},
                                  {"mediaType", oci::media_type::kOciManifest},
                                  {"config", blobs.front().to_json()},
                                  {"layers", layer_list}});
  return Image{std::move(top), std::move(blobs)};
}

oci::Descriptor LayoutWriter::index(
    const std::vector<std::pair<oci::Descriptor, std::string>>& children) {
  nlohmann::json manifests = nlohmann::json::array();
  for (const auto& [child, platform] : children) {
    nlohmann::json entry = child.to_json();
    const auto first = platform.find('/');
    const auto second = platform.find('/', first + 1);
    entry["platform"] = {{"os", platform.substr(0, first)},
                         {"architecture", platform.substr(first + 1, second - first - 1)}};
    if (second != std::string::npos) entry["platform"]["variant"] = platform.substr(second + 1);
    manifests.push_back(std::move(entry));
  }
  return manifest(
      {{"schemaVersion", 2}, {"mediaType", oci::media_type::kOciIndex}, {"manifests", manifests}});
}

Image LayoutWriter::referrer(const oci::Descriptor& subject, unsigned seed) {
  std::vector<oci::Descriptor> blobs;
  blobs.push_back(blob("{}", std::string(oci::media_type::kOciEmpty)));
  blobs.push_back(blob(random_bytes(64, seed), "application/vnd.example.signature"));
  oci::Descriptor top = manifest({{"schemaVersion", 2},
                                  {"mediaType", oci::media_type::kOciManifest},
                                  {"artifactType", "application/vnd.example.signature"},
                                  {"config", blobs[0].to_json()},
                                  {"layers", {blobs[1].to_json()}},
                                  {"subject", subject.to_json()},
                                  {"annotations", {{"seed", std::to_string(seed)}}}});
  return Image{std::move(top), std::move(blobs)};
}

void LayoutWriter::name(const oci::Descriptor& manifest, std::string_view name) {
  nlohmann::json entry = manifest.to_json();
  entry["annotations"]["org.opencontainers.image.ref.name"] = name;
  entries_.push_back(std::move(entry));
  save_index();
}

void LayoutWriter::list(const oci::Descriptor& manifest) {
  entries_.push_back(manifest.to_json());
  save_index();
}

void LayoutWriter::save_index() const {
  write_text(directory_ / "index.json", nlohmann::json({{"schemaVersion", 2},
                                                        {"mediaType", oci::media_type::kOciIndex},
                                                        {"manifests", entries_}})
                                            .dump());
}

void RecordingProgress::blob_started(std::string_view, const oci::Descriptor& blob,
                                     std::int64_t offset) {
  std::lock_guard lock(mutex_);
  lines_.push_back("started " + blob.digest.str() + " at " + std::to_string(offset));
}

void RecordingProgress::blob_finished(const oci::Descriptor& blob, BlobOutcome outcome) {
  static constexpr const char* kNames[] = {"copied", "skipped", "mounted", "failed"};
  std::lock_guard lock(mutex_);
  lines_.push_back(std::string(kNames[static_cast<int>(outcome)]) + " " + blob.digest.str());
}

void RecordingProgress::manifest_written(std::string_view, const oci::Digest& digest,
                                         std::string_view) {
  std::lock_guard lock(mutex_);
  lines_.push_back("manifest " + digest.str());
}

void RecordingProgress::note(std::string_view text) {
  std::lock_guard lock(mutex_);
  lines_.push_back("note " + std::string(text));
}

std::vector<std::string> RecordingProgress::lines() const {
  std::lock_guard lock(mutex_);
  return lines_;
}

}  // namespace transfer::testing
