#include "transfer/oci_archive.h"

#include <system_error>

#include "sys/directories.h"
#include "transfer/layout_tar.h"
#include "transfer/small_file.h"

namespace transfer {
namespace {

// A private scratch directory "<parent>/<prefix>XXXXXX".
oci::Result<std::filesystem::path> make_temp_directory(const std::filesystem::path& parent,
                                                       const std::string& prefix) {
  auto made = sys::create_temporary_directory(parent, prefix);
  if (!made) return file_failure(std::move(made.error()));
  return std::move(*made);
}

}  // namespace

OciArchiveStore::OciArchiveStore(std::filesystem::path file, std::filesystem::path temp,
                                 bool writing)
    : file_(std::move(file)), temp_(std::move(temp)), writing_(writing) {}

OciArchiveStore::~OciArchiveStore() {
  layout_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(temp_, ignored);
}

oci::Result<std::unique_ptr<OciArchiveStore>> OciArchiveStore::open(
    std::filesystem::path file, std::filesystem::path temp_root) {
  std::error_code error;
  if (temp_root.empty()) temp_root = std::filesystem::temp_directory_path(error);
  if (error) return oci::fail(oci::ErrorCode::kInternal, "temporary directory: " + error.message());
  auto temp = make_temp_directory(temp_root, "regmirror-oci-archive-");
  if (!temp) return std::unexpected(std::move(temp.error()));
  std::unique_ptr<OciArchiveStore> store(new OciArchiveStore(std::move(file), *temp, false));
  if (auto unpacked = unpack_archive(store->file_, store->temp_); !unpacked) {
    const oci::Error error = from_file_error(std::move(unpacked.error()));
    return oci::fail(error.code, store->describe() + ": " + error.message);
  }
  auto layout = LayoutStore::open(store->temp_);
  if (!layout) {
    return oci::fail(layout.error().code, store->describe() + ": " + layout.error().message);
  }
  store->layout_ = std::move(*layout);
  return store;
}

oci::Result<std::unique_ptr<OciArchiveStore>> OciArchiveStore::create(std::filesystem::path file,
                                                                      LayoutOptions options) {
  // Beside FILE: the layout may be as large as the archive, and the system's /tmp small.
  const std::filesystem::path parent =
      file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  auto temp = make_temp_directory(
      parent, std::string(".").append(file.filename().string()).append(".layout-"));
  if (!temp) return std::unexpected(std::move(temp.error()));
  std::unique_ptr<OciArchiveStore> store(new OciArchiveStore(std::move(file), *temp, true));
  options.create = true;
  auto layout = LayoutStore::open(store->temp_, std::move(options));
  if (!layout) {
    return oci::fail(layout.error().code, store->describe() + ": " + layout.error().message);
  }
  store->layout_ = std::move(*layout);
  return store;
}

std::string OciArchiveStore::describe() const { return "oci-archive:" + file_.string(); }

oci::Result<client::FetchedManifest> OciArchiveStore::get_manifest(std::string_view reference) {
  return layout_->get_manifest(reference);
}

oci::Result<std::vector<std::string>> OciArchiveStore::list_tags() { return layout_->list_tags(); }

oci::Result<std::vector<oci::Descriptor>> OciArchiveStore::referrers(const oci::Digest& subject) {
  return layout_->referrers(subject);
}

oci::Result<void> OciArchiveStore::read_blob(const oci::Descriptor& blob, std::int64_t offset,
                                             const client::ByteSink& sink) {
  return layout_->read_blob(blob, offset, sink);
}

oci::Result<bool> OciArchiveStore::has_manifest(const oci::Digest& digest) {
  return layout_->has_manifest(digest);
}

oci::Result<void> OciArchiveStore::put_manifest(std::string_view body, std::string_view media_type,
                                                const oci::Digest& digest, std::string_view tag) {
  return layout_->put_manifest(body, media_type, digest, tag);
}

oci::Result<bool> OciArchiveStore::has_blob(const oci::Descriptor& blob) {
  return layout_->has_blob(blob);
}

oci::Result<bool> OciArchiveStore::mount_blob(const oci::Descriptor& blob, const ImageStore& from) {
  return layout_->mount_blob(blob, from);
}

oci::Result<std::int64_t> OciArchiveStore::resume_offset(const oci::Descriptor& blob) {
  return layout_->resume_offset(blob);
}

oci::Result<void> OciArchiveStore::write_blob(const oci::Descriptor& blob, std::int64_t offset,
                                              const client::ByteSource& source) {
  return layout_->write_blob(blob, offset, source);
}

oci::Result<void> OciArchiveStore::finish() {
  if (auto finished = layout_->finish(); !finished) return finished;
  if (!writing_) return {};
  if (auto packed = pack_directory(temp_, file_); !packed) {
    const oci::Error error = from_file_error(std::move(packed.error()));
    return oci::fail(error.code, describe() + ": " + error.message);
  }
  return {};
}

}  // namespace transfer
