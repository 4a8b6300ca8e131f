#include "transfer/oci_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include "transfer/copy_image.h"
#include "transfer/layout_tar.h"
#include "transfer/test_images.h"

namespace transfer {
namespace {

using testing::Image;
using testing::LayoutWriter;
using testsupport::TempDir;

TEST(OciArchiveTest, RoundTripsAnImageWithItsReferrer) {
  TempDir temp;
  LayoutWriter writer(temp / "src");
  const Image image = writer.image(2, 200'000, 1);
  const Image signature = writer.referrer(image.manifest, 2);
  writer.name(image.manifest, "quay.io/ns/app:v1");
  writer.list(signature.manifest);
  NoProgress quiet;

  {
    auto source = LayoutStore::open(temp / "src");
    ASSERT_TRUE(source);
    auto archive = OciArchiveStore::create(temp / "out.tar");
    ASSERT_TRUE(archive) << archive.error().message;
    EXPECT_EQ((*archive)->describe(), "oci-archive:" + (temp / "out.tar").string());
    auto copied = copy_image(**source, "quay.io/ns/app:v1", **archive, "quay.io/ns/app:v1",
                             CopyOptions{}, quiet);
    ASSERT_TRUE(copied) << copied.error().message;
    EXPECT_FALSE(std::filesystem::exists(temp / "out.tar"));  // written at finish()
    ASSERT_TRUE((*archive)->finish());
  }
  ASSERT_TRUE(std::filesystem::exists(temp / "out.tar"));
  // Only the archive is left beside it: the temporary layout is gone.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(temp.path()),
                          std::filesystem::directory_iterator()),
            2);

  std::filesystem::create_directories(temp / "extract");
  auto archive = OciArchiveStore::open(temp / "out.tar", temp / "extract");
  ASSERT_TRUE(archive) << archive.error().message;
  EXPECT_EQ((*archive)->list_tags().value(), std::vector<std::string>{"quay.io/ns/app:v1"});
  auto back = LayoutStore::open(temp / "back", testing::creating());
  ASSERT_TRUE(back);
  auto copied = copy_image(**archive, "quay.io/ns/app:v1", **back, "v1", CopyOptions{}, quiet);
  ASSERT_TRUE(copied) << copied.error().message;
  EXPECT_EQ(copied->digest, image.manifest.digest);
  EXPECT_EQ(copied->stats.manifests, 2);
  for (const auto& blob : image.blobs) {
    EXPECT_EQ(
        testing::read_text(temp / "back" / "blobs" / "sha256" / std::string(blob.digest.hex())),
        testing::read_text(writer.blob_path(blob.digest)));
  }
  EXPECT_EQ((*back)->referrers(image.manifest.digest)->size(), 1u);
  archive->reset();
  EXPECT_TRUE(std::filesystem::is_empty(temp / "extract"));
}

TEST(OciArchiveTest, AMissingArchiveFails) {
  TempDir temp;
  auto archive = OciArchiveStore::open(temp / "none.tar", temp.path());
  ASSERT_FALSE(archive);
  EXPECT_NE(archive.error().message.find("oci-archive:"), std::string::npos);
  EXPECT_TRUE(std::filesystem::is_empty(temp.path()));
}

// Writes a tar holding one file at `name`.
void write_tar(const std::filesystem::path& file, const char* name) {
  archive* writer = archive_write_new();
  archive_write_set_format_pax_restricted(writer);
  ASSERT_EQ(archive_write_open_filename(writer, file.c_str()), ARCHIVE_OK);
  archive_entry* entry = archive_entry_new();
  archive_entry_set_pathname(entry, name);
  archive_entry_set_filetype(entry, AE_IFREG);
  archive_entry_set_perm(entry, 0644);
  archive_entry_set_size(entry, 3);
  archive_write_header(writer, entry);
  archive_write_data(writer, "bad", 3);
  archive_entry_free(entry);
  archive_write_close(writer);
  archive_write_free(writer);
}

TEST(LayoutTarTest, RefusesEntriesOutsideTheDirectory) {
  TempDir temp;
  std::filesystem::create_directories(temp / "into" / "deep");
  write_tar(temp / "escape.tar", "../../escaped");
  auto unpacked = unpack_archive(temp / "escape.tar", temp / "into" / "deep");
  ASSERT_FALSE(unpacked);
  EXPECT_EQ(unpacked.error().code, sys::Errc::kPathEscape);
  EXPECT_FALSE(std::filesystem::exists(temp / "escaped"));
  write_tar(temp / "absolute.tar", "/tmp/absolute-escape");
  auto absolute = unpack_archive(temp / "absolute.tar", temp / "into");
  ASSERT_FALSE(absolute);
  EXPECT_EQ(absolute.error().code, sys::Errc::kPathEscape);
}

TEST(OciArchiveTest, PathEscapeIsNotAnInvalidManifest) {
  TempDir temp;
  write_tar(temp / "escape.tar", "../escaped");
  auto store = OciArchiveStore::open(temp / "escape.tar", temp.path());
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, oci::ErrorCode::kDenied);
  EXPECT_NE(store.error().message.find("path escape"), std::string::npos) << store.error().message;
}

TEST(LayoutTarTest, PacksFilesButNotLeftovers) {
  TempDir temp;
  testing::write_text(temp / "dir" / "index.json", "{}");
  testing::write_text(temp / "dir" / "blobs" / "sha256" / "abc", "data");
  testing::write_text(temp / "dir" / "blobs" / "sha256" / "def.partial", "half");
  testing::write_text(temp / "dir" / "blobs" / "sha256" / ".tmp~1-2", "temp");
  ASSERT_TRUE(pack_directory(temp / "dir", temp / "out.tar"));
  std::filesystem::create_directories(temp / "unpacked");
  ASSERT_TRUE(unpack_archive(temp / "out.tar", temp / "unpacked"));
  EXPECT_EQ(testing::read_text(temp / "unpacked" / "index.json"), "{}");
  EXPECT_EQ(testing::read_text(temp / "unpacked" / "blobs" / "sha256" / "abc"), "data");
  EXPECT_FALSE(std::filesystem::exists(temp / "unpacked" / "blobs" / "sha256" / "def.partial"));
  EXPECT_FALSE(std::filesystem::exists(temp / "unpacked" / "blobs" / "sha256" / ".tmp~1-2"));
}

}  // namespace
}  // namespace transfer
