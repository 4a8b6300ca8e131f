#include "server/server_metrics.h"

#include <gtest/gtest.h>

namespace server {
namespace {

using namespace std::chrono_literals;

TEST(CachedBlobTotals, AsksTheStoreAtMostOncePerMaxAge) {
  int queries = 0;
  CachedBlobTotals cached(
      [&queries]() -> oci::Result<metadata::BlobTotals> {
        ++queries;
        return metadata::BlobTotals{static_cast<std::uint64_t>(queries), 100};
      },
      5s);
  const auto now = CachedBlobTotals::Clock::now();
  EXPECT_EQ(cached.get(now)->blobs, 1u);
  EXPECT_EQ(cached.get(now + 4s)->blobs, 1u);
  EXPECT_EQ(cached.get(now + 5s)->blobs, 2u);
  EXPECT_EQ(queries, 2);
}

TEST(CachedBlobTotals, KeepsTheLastAnswerThroughAFailure) {
  bool fail = false;
  CachedBlobTotals cached(
      [&fail]() -> oci::Result<metadata::BlobTotals> {
        if (fail) return oci::fail(oci::ErrorCode::kInternal, "database down");
        return metadata::BlobTotals{3, 30};
      },
      1s);
  const auto now = CachedBlobTotals::Clock::now();
  EXPECT_EQ(cached.get(now)->bytes, 30u);
  fail = true;
  EXPECT_EQ(cached.get(now + 2s)->bytes, 30u);
}

TEST(CachedBlobTotals, NothingBeforeTheFirstAnswer) {
  CachedBlobTotals cached(
      []() -> oci::Result<metadata::BlobTotals> {
        return oci::fail(oci::ErrorCode::kInternal, "database down");
      },
      1s);
  EXPECT_FALSE(cached.get().has_value());
}

TEST(ServerMetrics, ExposesStorageUploadsBuildAndProcess) {
  metrics::Registry registry;
  ServerMetrics server_metrics(
      registry,
      []() -> oci::Result<metadata::BlobTotals> {
        return metadata::BlobTotals{7, 4096};
      },
      [] { return std::size_t{3}; });
  std::string out;
  registry.write_text(out);
  EXPECT_NE(out.find("\nregmirror_storage_bytes 4096\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\nregmirror_storage_blobs 7\n"), std::string::npos);
  EXPECT_NE(out.find("\nregmirror_uploads_in_progress 3\n"), std::string::npos);
  EXPECT_NE(out.find("\nregmirror_build_info{version=\""), std::string::npos);
  EXPECT_NE(out.find("\nprocess_open_fds "), std::string::npos);
}

}  // namespace
}  // namespace server
