#include "metadata/store_conformance.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <limits>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace metadata {

void StoreConformance::SetUp() {
  static std::atomic<int> next{0};
  directory_ =
      std::filesystem::path(testing::TempDir()) /
      ("regmirror-store-test-" + std::to_string(::getpid()) + "-" + std::to_string(next++));
  std::filesystem::remove_all(directory_);
  std::filesystem::create_directories(directory_);
  auto opened = GetParam()(directory_);
  if (!opened && IsSkipped()) return;  // the factory's backend is not installed here
  ASSERT_TRUE(opened) << opened.error().message;
  store_ = std::move(*opened);
}

void StoreConformance::TearDown() {
  store_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

const char* const kRowsBeforeGc = R"sql(
INSERT INTO repositories (name) VALUES ('repo');
INSERT INTO blobs (digest, size) VALUES
  ('sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 5),
  ('sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', 6);
INSERT INTO repository_blobs (repository_id, digest)
  SELECT id, 'sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
  FROM repositories;
INSERT INTO manifests (repository_id, digest, media_type, size, artifact_type, subject, annotations)
  SELECT id, 'sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc',
    'application/vnd.oci.image.manifest.v1+json', 7, '', NULL, '' FROM repositories;
INSERT INTO manifest_blobs (repository_id, manifest_digest, blob_digest)
  SELECT id, 'sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc',
    'sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' FROM repositories;
INSERT INTO tags (repository_id, name, digest)
  SELECT id, 'v1', 'sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc'
  FROM repositories;
)sql";

void expect_rows_upgraded_for_gc(Store& store) {
  const std::string a = "sha256:" + std::string(64, 'a');
  const std::string b = "sha256:" + std::string(64, 'b');
  const std::string c = "sha256:" + std::string(64, 'c');
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  // Dated now: nothing is garbage before a grace has passed, then the unreferenced blob is.
  auto young = store.garbage_blobs(now - 60, "", 10);
  ASSERT_TRUE(young) << young.error().message;
  EXPECT_TRUE(young->empty());
  auto old = store.garbage_blobs(now + 60, "", 10);
  ASSERT_TRUE(old) << old.error().message;
  ASSERT_EQ(old->size(), 1u);
  EXPECT_EQ(old->front().digest, b);
  // The manifest's own bytes got a row, sized as the manifest.
  auto recorded = store.blob_recorded(c);
  ASSERT_TRUE(recorded);
  EXPECT_TRUE(*recorded);
  std::vector<GcManifest> seen;
  auto swept = store.sweep_repository("repo", now - 60, false,
                                      [&](const std::vector<GcManifest>& manifests) {
                                        seen = manifests;
                                        return std::vector<std::string>{};
                                      });
  ASSERT_TRUE(swept) << swept.error().message;
  EXPECT_TRUE(swept->links.empty());  // linked "now" by the migration
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].digest, c);
  EXPECT_TRUE(seen[0].tagged);
  EXPECT_GE(seen[0].pushed_at, now - 60);
  // Claims work on migrated rows, and the manifest's row is live.
  auto claimed = store.claim_blob(c, 7);
  ASSERT_TRUE(claimed);
  EXPECT_TRUE(*claimed);
  auto linked = store.linked_blob("repo", a);
  ASSERT_TRUE(linked);
  EXPECT_EQ(*linked, std::optional<std::uint64_t>(5));
}

void StoreConformance::reopen() {
  store_.reset();
  auto opened = GetParam()(directory_);
  ASSERT_TRUE(opened) << opened.error().message;
  store_ = std::move(*opened);
}

namespace {

using oci::ErrorCode;
using Names = std::vector<std::string>;

template <class T>
testing::AssertionResult ok(const Result<T>& result) {
  if (result) return testing::AssertionSuccess();
  return testing::AssertionFailure()
         << oci::code_name(result.error().code) << ": " << result.error().message;
}

// The value of a call that must succeed; a failure is recorded and T{} returned.
template <class T>
T value(Result<T> result) {
  EXPECT_TRUE(ok(result));
  return result ? std::move(*result) : T{};
}

// A well-formed digest whose order follows `n`.
std::string digest(unsigned n) {
  char hex[65];
  std::snprintf(hex, sizeof hex, "%064x", n);
  return std::string("sha256:") + hex;
}

ManifestRecord image_manifest(unsigned n) {
  ManifestRecord record;
  record.digest = digest(n);
  record.media_type = "application/vnd.oci.image.manifest.v1+json";
  record.size = 1000 + n;
  return record;
}

ManifestRecord referrer(unsigned n, std::string subject, std::string artifact_type) {
  ManifestRecord record = image_manifest(n);
  record.artifact_type = std::move(artifact_type);
  record.subject = std::move(subject);
  record.annotations_json = R"({"org.opencontainers.image.created":"2024-01-01T00:00:00Z"})";
  return record;
}

ManifestPut put_of(std::string repository, ManifestRecord manifest,
                   std::optional<std::string> tag = std::nullopt, Names blobs = {}) {
  ManifestPut put;
  put.repository = std::move(repository);
  put.manifest = std::move(manifest);
  put.blob_digests = std::move(blobs);
  put.tag = std::move(tag);
  return put;
}

// What registry/ does to link a blob: claim it, then link it.
Result<void> link_claimed(Store& store, std::string_view repository, const std::string& digest,
                          std::uint64_t size) {
  auto claimed = store.claim_blob(digest, size);
  if (!claimed) return std::unexpected(claimed.error());
  if (!*claimed) return oci::fail(ErrorCode::kTooManyRequests, "claim refused", digest);
  return store.link_blob(repository, digest);
}

// What registry/ does to record a manifest: claim its bytes, then record it.
Result<std::optional<std::string>> put_claimed(Store& store, const ManifestPut& put) {
  auto claimed = store.claim_blob(put.manifest.digest, put.manifest.size);
  if (!claimed) return std::unexpected(claimed.error());
  if (!*claimed)
    return oci::fail(ErrorCode::kTooManyRequests, "claim refused", put.manifest.digest);
  return store.put_manifest(put);
}

void expect_same(const ManifestRecord& actual, const ManifestRecord& expected) {
  EXPECT_EQ(actual.digest, expected.digest);
  EXPECT_EQ(actual.media_type, expected.media_type);
  EXPECT_EQ(actual.size, expected.size);
  EXPECT_EQ(actual.artifact_type, expected.artifact_type);
  EXPECT_EQ(actual.subject, expected.subject);
  EXPECT_EQ(actual.annotations_json, expected.annotations_json);
}

void expect_same(const UploadRecord& actual, const UploadRecord& expected) {
  EXPECT_EQ(actual.id, expected.id);
  EXPECT_EQ(actual.repository, expected.repository);
  EXPECT_EQ(actual.size, expected.size);
  EXPECT_EQ(actual.started_at, expected.started_at);
  EXPECT_EQ(actual.updated_at, expected.updated_at);
  EXPECT_EQ(actual.hash_state, expected.hash_state);
}

Names digests_of(const std::vector<ManifestRecord>& records) {
  Names digests;
  for (const auto& record : records) digests.push_back(record.digest);
  return digests;
}

Names ids_of(const std::vector<UploadRecord>& records) {
  Names ids;
  for (const auto& record : records) ids.push_back(record.id);
  return ids;
}

// Blobs GC would mark once everything is old enough (a cutoff in the future).
constexpr std::int64_t kLater = std::numeric_limits<std::int64_t>::max();

Names garbage(Store& store, std::size_t limit = 100) {
  auto blobs = store.garbage_blobs(kLater, "", limit);
  EXPECT_TRUE(ok(blobs));
  Names digests;
  if (blobs) {
    for (const auto& blob : *blobs) digests.push_back(blob.digest);
  }
  return digests;
}

Names digests_of(const std::vector<GarbageBlob>& blobs) {
  Names digests;
  for (const auto& blob : blobs) digests.push_back(blob.digest);
  return digests;
}

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// --- repositories

TEST_P(StoreConformance, RepositoryExistsOnceSomethingIsLinked) {
  EXPECT_EQ(value(store_->repository_exists("library/alpine")), false);
  ASSERT_TRUE(ok(link_claimed(*store_, "library/alpine", digest(1), 10)));
  EXPECT_EQ(value(store_->repository_exists("library/alpine")), true);

  ASSERT_TRUE(ok(put_claimed(*store_, put_of("library/busybox", image_manifest(2)))));
  EXPECT_EQ(value(store_->repository_exists("library/busybox")), true);
  EXPECT_EQ(value(store_->repository_exists("library")), false);
}

TEST_P(StoreConformance, RepositoriesPageInByteOrder) {
  for (const char* name : {"b", "a", "A", "a/b", "a-b", "ab"}) {
    ASSERT_TRUE(ok(link_claimed(*store_, name, digest(1), 10)));
  }
  const Names all = {"A", "a", "a-b", "a/b", "ab", "b"};
  EXPECT_EQ(value(store_->repositories("", 100)), all);
  EXPECT_EQ(value(store_->repositories("", 2)), (Names{"A", "a"}));
  EXPECT_EQ(value(store_->repositories("a", 2)), (Names{"a-b", "a/b"}));
  EXPECT_EQ(value(store_->repositories("aa", 100)), (Names{"ab", "b"}));  // "aa" is no repository
  EXPECT_EQ(value(store_->repositories("b", 100)), Names{});
  EXPECT_EQ(value(store_->repositories("zzz", 100)), Names{});
  EXPECT_EQ(value(store_->repositories("", 0)), Names{});

  Names walked;
  std::string after;
  while (true) {
    auto page = store_->repositories(after, 1);
    ASSERT_TRUE(ok(page));
    if (page->empty()) break;
    ASSERT_EQ(page->size(), 1u);
    walked.push_back(after = page->front());
  }
  EXPECT_EQ(walked, all);
}

// --- blobs

TEST_P(StoreConformance, LinkedBlobIsPerRepository) {
  ASSERT_TRUE(ok(link_claimed(*store_, "one", digest(1), 1234)));
  EXPECT_EQ(value(store_->linked_blob("one", digest(1))), std::optional<std::uint64_t>(1234));
  EXPECT_EQ(value(store_->linked_blob("one", digest(2))), std::nullopt);
  EXPECT_EQ(value(store_->linked_blob("two", digest(1))), std::nullopt);

  ASSERT_TRUE(ok(link_claimed(*store_, "two", digest(1), 1234)));
  EXPECT_EQ(value(store_->linked_blob("two", digest(1))), std::optional<std::uint64_t>(1234));
}

TEST_P(StoreConformance, LinkingTwiceThenUnlinking) {
  ASSERT_TRUE(ok(link_claimed(*store_, "repo", digest(1), 10)));
  ASSERT_TRUE(ok(link_claimed(*store_, "repo", digest(1), 10)));
  EXPECT_EQ(value(store_->unlink_blob("repo", digest(1))), true);
  EXPECT_EQ(value(store_->linked_blob("repo", digest(1))), std::nullopt);
  EXPECT_EQ(value(store_->unlink_blob("repo", digest(1))), false);
  EXPECT_EQ(value(store_->unlink_blob("no/such/repo", digest(1))), false);
}

TEST_P(StoreConformance, LinkedBytesCountEachBlobOfANamespaceOnce) {
  ASSERT_TRUE(ok(link_claimed(*store_, "quay.io/a", digest(1), 100)));
  ASSERT_TRUE(ok(link_claimed(*store_, "quay.io/b", digest(1), 100)));
  ASSERT_TRUE(ok(link_claimed(*store_, "quay.io/b", digest(2), 20)));
  ASSERT_TRUE(ok(link_claimed(*store_, "quay.io/deep/c", digest(3), 3)));
  ASSERT_TRUE(ok(link_claimed(*store_, "quay.iox/d", digest(4), 4000)));
  ASSERT_TRUE(ok(link_claimed(*store_, "quay.io", digest(5), 50000)));
  ASSERT_TRUE(ok(link_claimed(*store_, "local", digest(6), 600000)));
  const std::vector<std::string> none;
  EXPECT_EQ(value(store_->linked_bytes("quay.io", none)), 50123u);
  EXPECT_EQ(value(store_->linked_bytes("quay.io/b", none)), 120u);
  EXPECT_EQ(value(store_->linked_bytes("quay.io", {"quay.io/deep"})), 50120u);
  EXPECT_EQ(value(store_->linked_bytes("", none)), 654123u);
  EXPECT_EQ(value(store_->linked_bytes("", {"quay.io", "quay.iox"})), 600000u);
  EXPECT_EQ(value(store_->linked_bytes("nothing", none)), 0u);
  // Names are not patterns.
  EXPECT_EQ(value(store_->linked_bytes("quay.i_", none)), 0u);
  EXPECT_EQ(value(store_->linked_bytes("", {"%"})), 654123u);
}

TEST_P(StoreConformance, UnreferencedBlobsAreThoseNothingPointsAt) {
  for (unsigned n : {1, 2, 3, 4}) ASSERT_TRUE(ok(link_claimed(*store_, "repo", digest(n), n)));
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", image_manifest(10), "v1", {digest(2)}))));
  EXPECT_EQ(garbage(*store_), Names{});

  for (unsigned n : {1, 2, 4}) ASSERT_TRUE(ok(store_->unlink_blob("repo", digest(n))));
  // 2 is still referenced by the manifest, 3 still linked.
  EXPECT_EQ(garbage(*store_), (Names{digest(1), digest(4)}));
  EXPECT_EQ(garbage(*store_, 1), Names{digest(1)});

  // The manifest's own bytes go with it.
  ASSERT_EQ(value(store_->delete_manifest("repo", digest(10))), true);
  EXPECT_EQ(garbage(*store_), (Names{digest(1), digest(2), digest(4), digest(10)}));
}

TEST_P(StoreConformance, BlobLinkedInAnyRepositoryIsReferenced) {
  ASSERT_TRUE(ok(link_claimed(*store_, "one", digest(1), 10)));
  ASSERT_TRUE(ok(link_claimed(*store_, "two", digest(1), 10)));
  ASSERT_EQ(value(store_->unlink_blob("one", digest(1))), true);
  EXPECT_EQ(garbage(*store_), Names{});
}

TEST_P(StoreConformance, ManifestsAndIndexChildrenAreReferenced) {
  // A manifest's own bytes and an index's children may be stored as blobs.
  for (unsigned n : {1, 2, 3}) ASSERT_TRUE(ok(link_claimed(*store_, "repo", digest(n), n)));
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", image_manifest(1)))));
  ManifestPut index = put_of("repo", image_manifest(2));
  index.manifest.media_type = "application/vnd.oci.image.index.v1+json";
  index.manifest_digests = {digest(3)};
  ASSERT_TRUE(ok(put_claimed(*store_, index)));
  for (unsigned n : {1, 2, 3}) ASSERT_TRUE(ok(store_->unlink_blob("repo", digest(n))));
  EXPECT_EQ(garbage(*store_), Names{});

  ASSERT_EQ(value(store_->delete_manifest("repo", digest(2))), true);
  EXPECT_EQ(garbage(*store_), (Names{digest(2), digest(3)}));
}

TEST_P(StoreConformance, BlobTotalsCountEachStoredBlobOnce) {
  EXPECT_EQ(value(store_->blob_totals()).blobs, 0u);
  ASSERT_TRUE(ok(link_claimed(*store_, "one", digest(1), 10)));
  ASSERT_TRUE(ok(link_claimed(*store_, "two", digest(1), 10)));
  ASSERT_TRUE(ok(link_claimed(*store_, "two", digest(2), 20)));
  auto totals = value(store_->blob_totals());
  EXPECT_EQ(totals.blobs, 2u);
  EXPECT_EQ(totals.bytes, 30u);
  // Gone once GC removed it: unlinked everywhere, marked, forgotten.
  for (const char* repository : {"one", "two"}) {
    ASSERT_TRUE(ok(store_->unlink_blob(repository, digest(1))));
  }
  ASSERT_EQ(digests_of(value(store_->mark_garbage_blobs(kLater, 100))), Names{digest(1)});
  ASSERT_TRUE(ok(store_->forget_blob(digest(1))));
  totals = value(store_->blob_totals());
  EXPECT_EQ(totals.blobs, 1u);
  EXPECT_EQ(totals.bytes, 20u);
}

// --- manifests and tags

TEST_P(StoreConformance, PutManifestRecordsEveryField) {
  const ManifestRecord plain = image_manifest(1);
  const ManifestRecord signature = referrer(2, digest(1), "application/vnd.dev.cosign.sig");
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", plain))));
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", signature))));

  auto found = store_->manifest("repo", digest(1));
  ASSERT_TRUE(ok(found));
  ASSERT_TRUE(found->has_value());
  expect_same(**found, plain);
  EXPECT_EQ((*found)->subject, std::nullopt);

  found = store_->manifest("repo", digest(2));
  ASSERT_TRUE(ok(found));
  ASSERT_TRUE(found->has_value());
  expect_same(**found, signature);
}

TEST_P(StoreConformance, ManifestIsPerRepository) {
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("one", image_manifest(1), "latest"))));
  auto found = store_->manifest("two", digest(1));
  ASSERT_TRUE(ok(found));
  EXPECT_FALSE(found->has_value());
  EXPECT_EQ(value(store_->tag("two", "latest")), std::optional<std::string>());
  found = store_->manifest("one", digest(2));
  ASSERT_TRUE(ok(found));
  EXPECT_FALSE(found->has_value());
}

TEST_P(StoreConformance, PutManifestIsIdempotent) {
  ManifestPut put = put_of("repo", image_manifest(1), "latest", {digest(5)});
  ASSERT_TRUE(ok(link_claimed(*store_, "repo", digest(5), 5)));
  ASSERT_TRUE(ok(put_claimed(*store_, put)));
  ASSERT_TRUE(ok(put_claimed(*store_, put)));

  // An existing manifest is not replaced.
  put.manifest.media_type = "application/vnd.docker.distribution.manifest.v2+json";
  ASSERT_TRUE(ok(put_claimed(*store_, put)));
  auto found = store_->manifest("repo", digest(1));
  ASSERT_TRUE(ok(found));
  ASSERT_TRUE(found->has_value());
  expect_same(**found, image_manifest(1));

  EXPECT_EQ(value(store_->tags("repo", "", 100)), Names{"latest"});
  ASSERT_EQ(value(store_->unlink_blob("repo", digest(5))), true);
  EXPECT_EQ(garbage(*store_), Names{});
}

TEST_P(StoreConformance, PutManifestMovesTag) {
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", image_manifest(1), "latest"))));
  EXPECT_EQ(value(store_->tag("repo", "latest")), std::optional(digest(1)));
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", image_manifest(2), "latest"))));
  EXPECT_EQ(value(store_->tag("repo", "latest")), std::optional(digest(2)));
  // The untagged manifest stays.
  auto found = store_->manifest("repo", digest(1));
  ASSERT_TRUE(ok(found));
  EXPECT_TRUE(found->has_value());
}

TEST_P(StoreConformance, PutManifestWithoutTagKeepsTags) {
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", image_manifest(1), "v1"))));
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", image_manifest(1)))));
  EXPECT_EQ(value(store_->tag("repo", "v1")), std::optional(digest(1)));
}

TEST_P(StoreConformance, TagLookupMisses) {
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", image_manifest(1), "v1"))));
  EXPECT_EQ(value(store_->tag("repo", "v2")), std::optional<std::string>());
  EXPECT_EQ(value(store_->tag("repo", "V1")), std::optional<std::string>());
  EXPECT_EQ(value(store_->tag("other", "v1")), std::optional<std::string>());
}

TEST_P(StoreConformance, DeleteManifestRemovesItsTags) {
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", image_manifest(1), "a"))));
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", image_manifest(1), "b"))));
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", image_manifest(2), "c"))));
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("other", image_manifest(1), "a"))));

  EXPECT_EQ(value(store_->delete_manifest("repo", digest(1))), true);
  auto found = store_->manifest("repo", digest(1));
  ASSERT_TRUE(ok(found));
  EXPECT_FALSE(found->has_value());
  EXPECT_EQ(value(store_->tag("repo", "a")), std::optional<std::string>());
  EXPECT_EQ(value(store_->tag("repo", "b")), std::optional<std::string>());
  EXPECT_EQ(value(store_->tags("repo", "", 100)), Names{"c"});
  EXPECT_EQ(value(store_->tag("other", "a")), std::optional(digest(1)));

  EXPECT_EQ(value(store_->delete_manifest("repo", digest(1))), false);
  EXPECT_EQ(value(store_->delete_manifest("no/such/repo", digest(1))), false);
}

TEST_P(StoreConformance, DeleteTagKeepsManifest) {
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", image_manifest(1), "v1"))));
  EXPECT_EQ(value(store_->delete_tag("repo", "v1")), true);
  EXPECT_EQ(value(store_->delete_tag("repo", "v1")), false);
  EXPECT_EQ(value(store_->delete_tag("no/such/repo", "v1")), false);
  EXPECT_EQ(value(store_->tag("repo", "v1")), std::optional<std::string>());
  auto found = store_->manifest("repo", digest(1));
  ASSERT_TRUE(ok(found));
  EXPECT_TRUE(found->has_value());
}

TEST_P(StoreConformance, TagsPageInByteOrder) {
  unsigned n = 0;
  for (const char* tag : {"v1.9", "b", "latest", "A", "a", "1.0", "v1.10"}) {
    ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", image_manifest(++n), tag))));
  }
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("other", image_manifest(1), "0-other"))));

  const Names all = {"1.0", "A", "a", "b", "latest", "v1.10", "v1.9"};
  EXPECT_EQ(value(store_->tags("repo", "", 100)), all);
  EXPECT_EQ(value(store_->tags("repo", "", 3)), (Names{"1.0", "A", "a"}));
  EXPECT_EQ(value(store_->tags("repo", "a", 2)), (Names{"b", "latest"}));
  EXPECT_EQ(value(store_->tags("repo", "c", 100)), (Names{"latest", "v1.10", "v1.9"}));  // absent
  EXPECT_EQ(value(store_->tags("repo", "v1.9", 100)), Names{});
  EXPECT_EQ(value(store_->tags("repo", "", 0)), Names{});
  EXPECT_EQ(value(store_->tags("no/such/repo", "", 100)), Names{});

  Names walked;
  std::string after;
  while (true) {
    auto page = store_->tags("repo", after, 1);
    ASSERT_TRUE(ok(page));
    if (page->empty()) break;
    ASSERT_EQ(page->size(), 1u);
    walked.push_back(after = page->front());
  }
  EXPECT_EQ(walked, all);
}

TEST_P(StoreConformance, ReferrersFilterBySubjectAndArtifactType) {
  const std::string subject = digest(1);
  const std::string sig = "application/vnd.dev.cosign.sig";
  const std::string sbom = "application/spdx+json";
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", image_manifest(1), "latest"))));
  // Put out of digest order, to see the result ordered by digest.
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", referrer(7, subject, sig)))));
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", referrer(3, subject, sbom)))));
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", referrer(5, subject, sig)))));
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", referrer(4, digest(2), sig)))));
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("other", referrer(6, subject, sig)))));

  auto all = store_->referrers("repo", subject, std::nullopt);
  ASSERT_TRUE(ok(all));
  EXPECT_EQ(digests_of(*all), (Names{digest(3), digest(5), digest(7)}));
  ASSERT_EQ(all->size(), 3u);
  expect_same((*all)[0], referrer(3, subject, sbom));

  auto signatures = store_->referrers("repo", subject, sig);
  ASSERT_TRUE(ok(signatures));
  EXPECT_EQ(digests_of(*signatures), (Names{digest(5), digest(7)}));

  auto none = store_->referrers("repo", subject, "application/unknown");
  ASSERT_TRUE(ok(none));
  EXPECT_TRUE(none->empty());

  auto unrelated = store_->referrers("repo", digest(99), std::nullopt);
  ASSERT_TRUE(ok(unrelated));
  EXPECT_TRUE(unrelated->empty());

  ASSERT_EQ(value(store_->delete_manifest("repo", digest(5))), true);
  auto after_delete = store_->referrers("repo", subject, std::nullopt);
  ASSERT_TRUE(ok(after_delete));
  EXPECT_EQ(digests_of(*after_delete), (Names{digest(3), digest(7)}));
}

// --- upload sessions

TEST_P(StoreConformance, UploadLifecycle) {
  const UploadRecord created{
      .id = "5f2c1a", .repository = "repo", .size = 0, .started_at = 1000, .updated_at = 1000};
  ASSERT_TRUE(ok(store_->create_upload(created)));
  auto found = store_->upload("5f2c1a");
  ASSERT_TRUE(ok(found));
  ASSERT_TRUE(found->has_value());
  expect_same(**found, created);

  ASSERT_TRUE(ok(store_->update_upload("5f2c1a", 4096, 1060, "")));
  found = store_->upload("5f2c1a");
  ASSERT_TRUE(ok(found));
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->size, 4096u);
  EXPECT_EQ((*found)->started_at, 1000);
  EXPECT_EQ((*found)->updated_at, 1060);

  ASSERT_TRUE(ok(store_->delete_upload("5f2c1a")));
  found = store_->upload("5f2c1a");
  ASSERT_TRUE(ok(found));
  EXPECT_FALSE(found->has_value());
  EXPECT_TRUE(ok(store_->delete_upload("5f2c1a")));
}

TEST_P(StoreConformance, CompletingAnUploadLinksItsBlobAndEndsIt) {
  ASSERT_TRUE(ok(store_->create_upload(
      {.id = "u1", .repository = "repo", .size = 3, .started_at = 1, .updated_at = 1})));
  ASSERT_TRUE(ok(store_->claim_blob(digest(7), 3)));
  ASSERT_TRUE(ok(store_->complete_upload("u1", "repo", digest(7))));
  EXPECT_FALSE(value(store_->upload("u1")).has_value());
  EXPECT_EQ(value(store_->linked_blob("repo", digest(7))), std::optional<std::uint64_t>(3));
}

TEST_P(StoreConformance, UpdatingAnUnknownUploadFails) {
  auto updated = store_->update_upload("unknown", 10, 10, "");
  ASSERT_FALSE(updated);
  EXPECT_EQ(updated.error().code, ErrorCode::kBlobUploadUnknown);
}

// Any bytes: a serialized hash state is binary.
const std::string kHashState("sha256\0state\xff\x01", 14);

TEST_P(StoreConformance, HashStateRoundTrips) {
  const UploadRecord created{.id = "h",
                             .repository = "repo",
                             .size = 0,
                             .started_at = 10,
                             .updated_at = 10,
                             .hash_state = kHashState};
  ASSERT_TRUE(ok(store_->create_upload(created)));
  auto found = value(store_->upload("h"));
  ASSERT_TRUE(found.has_value());
  expect_same(*found, created);

  const std::string grown = kHashState + std::string(300, '\x7f');
  ASSERT_TRUE(ok(store_->update_upload("h", 512, 20, grown)));
  found = value(store_->upload("h"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->size, 512u);
  EXPECT_EQ(found->hash_state, grown);

  ASSERT_TRUE(ok(store_->update_upload("h", 600, 30, "")));
  found = value(store_->upload("h"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->size, 600u);
  EXPECT_EQ(found->hash_state, "");
}

TEST_P(StoreConformance, TouchKeepsSizeAndHashState) {
  ASSERT_TRUE(ok(store_->create_upload(
      {.id = "t", .repository = "repo", .size = 0, .started_at = 10, .updated_at = 10})));
  ASSERT_TRUE(ok(store_->update_upload("t", 1024, 20, kHashState)));
  ASSERT_TRUE(ok(store_->touch_upload("t", 90)));
  auto found = value(store_->upload("t"));
  ASSERT_TRUE(found.has_value());
  expect_same(*found, UploadRecord{.id = "t",
                                   .repository = "repo",
                                   .size = 1024,
                                   .started_at = 10,
                                   .updated_at = 90,
                                   .hash_state = kHashState});
  EXPECT_EQ(ids_of(value(store_->stale_uploads(90))), Names{});

  auto touched = store_->touch_upload("unknown", 90);
  ASSERT_FALSE(touched);
  EXPECT_EQ(touched.error().code, ErrorCode::kBlobUploadUnknown);
}

TEST_P(StoreConformance, StaleUploadsAreThoseNotUpdatedSince) {
  for (auto [id, updated_at] : {std::pair{"u3", 300}, std::pair{"u1", 100}, std::pair{"u2", 200}}) {
    ASSERT_TRUE(ok(store_->create_upload(
        {.id = id, .repository = "repo", .size = 1, .started_at = 50, .updated_at = updated_at})));
  }
  auto stale = store_->stale_uploads(200);
  ASSERT_TRUE(ok(stale));
  EXPECT_EQ(ids_of(*stale), Names{"u1"});
  ASSERT_EQ(stale->size(), 1u);
  expect_same(
      stale->front(),
      UploadRecord{
          .id = "u1", .repository = "repo", .size = 1, .started_at = 50, .updated_at = 100});

  stale = store_->stale_uploads(301);
  ASSERT_TRUE(ok(stale));
  EXPECT_EQ(ids_of(*stale), (Names{"u1", "u2", "u3"}));

  ASSERT_TRUE(ok(store_->update_upload("u1", 2, 400, "")));
  stale = store_->stale_uploads(301);
  ASSERT_TRUE(ok(stale));
  EXPECT_EQ(ids_of(*stale), (Names{"u2", "u3"}));

  stale = store_->stale_uploads(0);
  ASSERT_TRUE(ok(stale));
  EXPECT_TRUE(stale->empty());
}

// --- leases

TEST_P(StoreConformance, ALeaseHasOneHolder) {
  using namespace std::chrono_literals;
  EXPECT_TRUE(value(store_->acquire_lease("fetch/a", "replica-1", 1h)));
  EXPECT_FALSE(value(store_->acquire_lease("fetch/a", "replica-2", 1h)));
  // Names are independent.
  EXPECT_TRUE(value(store_->acquire_lease("fetch/b", "replica-2", 1h)));
}

TEST_P(StoreConformance, TheHolderRenewsItsLease) {
  using namespace std::chrono_literals;
  ASSERT_TRUE(value(store_->acquire_lease("fetch/a", "replica-1", 50ms)));
  EXPECT_TRUE(value(store_->acquire_lease("fetch/a", "replica-1", 1h)));
  std::this_thread::sleep_for(100ms);  // past the first term: only the renewal keeps it
  EXPECT_FALSE(value(store_->acquire_lease("fetch/a", "replica-2", 1h)));
}

TEST_P(StoreConformance, AnExpiredLeaseIsTakenOver) {
  using namespace std::chrono_literals;
  ASSERT_TRUE(value(store_->acquire_lease("fetch/a", "replica-1", 50ms)));
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(value(store_->acquire_lease("fetch/a", "replica-2", 1h)));
  EXPECT_FALSE(value(store_->acquire_lease("fetch/a", "replica-1", 1h)));
}

TEST_P(StoreConformance, AReleasedLeaseIsFree) {
  using namespace std::chrono_literals;
  ASSERT_TRUE(value(store_->acquire_lease("fetch/a", "replica-1", 1h)));
  ASSERT_TRUE(ok(store_->release_lease("fetch/a", "replica-1")));
  EXPECT_TRUE(value(store_->acquire_lease("fetch/a", "replica-2", 1h)));
  // Releasing what one does not hold (or what nobody holds) changes nothing.
  ASSERT_TRUE(ok(store_->release_lease("fetch/a", "replica-1")));
  ASSERT_TRUE(ok(store_->release_lease("fetch/none", "replica-1")));
  EXPECT_FALSE(value(store_->acquire_lease("fetch/a", "replica-1", 1h)));
}

TEST_P(StoreConformance, SharedSettingKeepsTheFirstValueProposed) {
  auto first = store_->shared_setting("auth.token.key", "key of the first replica");
  ASSERT_TRUE(ok(first));
  EXPECT_EQ(*first, "key of the first replica");
  auto second = store_->shared_setting("auth.token.key", "key of the second replica");
  ASSERT_TRUE(ok(second));
  EXPECT_EQ(*second, "key of the first replica");
  auto other = store_->shared_setting("other", "");
  ASSERT_TRUE(ok(other));
  EXPECT_EQ(*other, "");
}

OutboxEvent outbox_event(std::int64_t time_ms, std::string repository) {
  return OutboxEvent{.time_ms = time_ms,
                     .action = "push",
                     .repository = std::move(repository),
                     .payload = R"({"n":)" + std::to_string(time_ms) + "}"};
}

TEST_P(StoreConformance, AppendedEventsAreReadInOrderAfterACursor) {
  ASSERT_TRUE(ok(store_->append_events({outbox_event(1, "a"), outbox_event(2, "b")})));
  ASSERT_TRUE(ok(store_->append_events({outbox_event(3, "a")})));
  auto all = value(store_->events_after(0, 10));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_LT(all[0].id, all[1].id);
  EXPECT_LT(all[1].id, all[2].id);
  EXPECT_EQ(all[1].repository, "b");
  EXPECT_EQ(all[2].payload, R"({"n":3})");
  EXPECT_EQ(all[2].action, "push");
  EXPECT_EQ(all[2].time_ms, 3);
  auto page = value(store_->events_after(all[0].id, 1));
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].id, all[1].id);
  EXPECT_TRUE(value(store_->events_after(all[2].id, 10)).empty());
}

TEST_P(StoreConformance, ANewEventCursorStartsAfterTheNewestEvent) {
  ASSERT_TRUE(ok(store_->append_events({outbox_event(1, "a"), outbox_event(2, "a")})));
  const auto newest = value(store_->events_after(0, 10)).back().id;
  const EventCursor cursor = value(store_->event_cursor("hook"));
  EXPECT_EQ(cursor.delivered, newest);
  EXPECT_EQ(cursor.attempts, 0);
  ASSERT_TRUE(ok(store_->append_events({outbox_event(3, "a")})));
  // Asked again, the cursor stays where it was.
  EXPECT_EQ(value(store_->event_cursor("hook")).delivered, newest);
}

TEST_P(StoreConformance, EventCursorCountsFailuresUntilItAdvances) {
  ASSERT_TRUE(ok(store_->append_events({outbox_event(1, "a")})));
  ASSERT_TRUE(ok(store_->event_cursor("hook")));
  ASSERT_TRUE(ok(store_->append_events({outbox_event(2, "a")})));
  ASSERT_TRUE(ok(store_->record_event_failure("hook", 5000, "connection refused")));
  ASSERT_TRUE(ok(store_->record_event_failure("hook", 7000, "HTTP 500")));
  EventCursor cursor = value(store_->event_cursor("hook"));
  EXPECT_EQ(cursor.attempts, 2);
  EXPECT_EQ(cursor.next_attempt_ms, 7000);
  EXPECT_EQ(cursor.last_error, "HTTP 500");
  const auto second = value(store_->events_after(cursor.delivered, 10)).at(0).id;
  ASSERT_TRUE(ok(store_->advance_event_cursor("hook", second)));
  cursor = value(store_->event_cursor("hook"));
  EXPECT_EQ(cursor.delivered, second);
  EXPECT_EQ(cursor.attempts, 0);
  EXPECT_EQ(cursor.next_attempt_ms, 0);
  EXPECT_EQ(cursor.last_error, "");
  reopen();
  EXPECT_EQ(value(store_->event_cursor("hook")).delivered, second);
}

TEST_P(StoreConformance, OnlyOldEventsEveryEndpointDeliveredAreDeleted) {
  ASSERT_TRUE(ok(store_->event_cursor("fast")));
  ASSERT_TRUE(ok(store_->event_cursor("slow")));
  ASSERT_TRUE(ok(store_->append_events(
      {outbox_event(100, "a"), outbox_event(200, "a"), outbox_event(300, "a")})));
  const auto ids = value(store_->events_after(0, 10));
  ASSERT_TRUE(ok(store_->advance_event_cursor("fast", ids[2].id)));
  ASSERT_TRUE(ok(store_->advance_event_cursor("slow", ids[1].id)));
  // "slow" has not had the third; the second is not older than 200.
  EXPECT_EQ(value(store_->delete_delivered_events(200, {"fast", "slow"})), 1u);
  EXPECT_EQ(value(store_->events_after(0, 10)).front().id, ids[1].id);
  // Without "slow" among the endpoints, its cursor keeps nothing.
  EXPECT_EQ(value(store_->delete_delivered_events(1000, {"fast"})), 2u);
  EXPECT_TRUE(value(store_->events_after(0, 10)).empty());
  // Ids are never given again, even with the outbox empty.
  ASSERT_TRUE(ok(store_->append_events({outbox_event(400, "a")})));
  EXPECT_GT(value(store_->events_after(0, 10)).at(0).id, ids[2].id);
}

TEST_P(StoreConformance, ConcurrentAppendersCommitEventsInIdOrder) {
  constexpr int kThreads = 4;
  constexpr int kBatches = 25;
  std::atomic<bool> done{false};
  // A reader following the outbox as a deliverer does must never find an id below one it
  // already passed.
  std::int64_t seen = 0;
  std::size_t read_count = 0;
  bool out_of_order = false;
  std::thread reader([&] {
    while (true) {
      const bool last = done.load();
      auto page = store_->events_after(seen, 1000);
      if (!page) continue;
      for (const OutboxEvent& event : *page) {
        if (event.id <= seen) out_of_order = true;
        seen = event.id;
        ++read_count;
      }
      if (last && page->empty()) return;
    }
  });
  std::vector<std::thread> writers;
  writers.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        std::string repository = "r";
        repository += std::to_string(t);  // not "r" + ...: GCC 12 -Wrestrict
        EXPECT_TRUE(
            ok(store_->append_events({outbox_event(b, repository), outbox_event(b, repository)})));
      }
    });
  }
  for (auto& writer : writers) writer.join();
  done = true;
  reader.join();
  EXPECT_FALSE(out_of_order);
  EXPECT_EQ(read_count, std::size_t{kThreads} * kBatches * 2);
}

TEST_P(StoreConformance, ConcurrentAcquirersGetOneLease) {
  using namespace std::chrono_literals;
  constexpr unsigned kThreads = 8;
  std::atomic<unsigned> holders{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (unsigned t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      if (value(store_->acquire_lease("fetch/contended", "replica-" + std::to_string(t), 1h))) {
        ++holders;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(holders.load(), 1u);
}

// --- the store as a whole

TEST_P(StoreConformance, ReopeningKeepsData) {
  ASSERT_TRUE(ok(link_claimed(*store_, "repo", digest(5), 55)));
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", image_manifest(1), "v1", {digest(5)}))));
  ASSERT_TRUE(ok(store_->create_upload(
      {.id = "u", .repository = "repo", .size = 7, .started_at = 1, .updated_at = 2})));

  reopen();
  ASSERT_TRUE(store_);

  EXPECT_EQ(value(store_->repositories("", 100)), Names{"repo"});
  EXPECT_EQ(value(store_->linked_blob("repo", digest(5))), std::optional<std::uint64_t>(55));
  EXPECT_EQ(value(store_->tag("repo", "v1")), std::optional(digest(1)));
  auto found = store_->manifest("repo", digest(1));
  ASSERT_TRUE(ok(found));
  ASSERT_TRUE(found->has_value());
  expect_same(**found, image_manifest(1));
  auto upload = store_->upload("u");
  ASSERT_TRUE(ok(upload));
  ASSERT_TRUE(upload->has_value());
  EXPECT_EQ((*upload)->size, 7u);
}

TEST_P(StoreConformance, ConcurrentUseFromEightThreads) {
  constexpr unsigned kThreads = 8;
  constexpr unsigned kManifests = 25;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (unsigned t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string repository = "team/" + std::to_string(t);
      for (unsigned i = 0; i < kManifests; ++i) {
        const unsigned n = t * 1000 + i;
        const std::string tag = std::string(1, 'v') + std::to_string(i);  // GCC 12 -Wrestrict
        // Every thread also writes the same rows of one shared repository.
        ASSERT_TRUE(ok(link_claimed(*store_, "shared", digest(i), i)));
        ASSERT_TRUE(ok(link_claimed(*store_, repository, digest(n + 500), n)));
        ASSERT_TRUE(ok(
            put_claimed(*store_, put_of(repository, image_manifest(n), tag, {digest(n + 500)}))));
        EXPECT_EQ(value(store_->tag(repository, tag)), std::optional(digest(n)));
        auto found = store_->manifest(repository, digest(n));
        ASSERT_TRUE(ok(found));
        EXPECT_TRUE(found->has_value());
        EXPECT_EQ(value(store_->linked_blob("shared", digest(i))), std::optional<std::uint64_t>(i));
      }
    });
  }
  for (auto& thread : threads) thread.join();

  auto repositories = store_->repositories("", 100);
  ASSERT_TRUE(ok(repositories));
  EXPECT_EQ(repositories->size(), kThreads + 1);
  for (unsigned t = 0; t < kThreads; ++t) {
    auto tags = store_->tags("team/" + std::to_string(t), "", 1000);
    ASSERT_TRUE(ok(tags));
    EXPECT_EQ(tags->size(), kManifests);
  }
}

// --- garbage collection

TEST_P(StoreConformance, ClaimCreatesOrTouchesALiveRow) {
  EXPECT_EQ(value(store_->claim_blob(digest(1), 10)), true);
  EXPECT_EQ(value(store_->claim_blob(digest(1), 10)), true);
  EXPECT_EQ(value(store_->blob_recorded(digest(1))), true);
  EXPECT_EQ(value(store_->blob_recorded(digest(2))), false);
  // Claimed just now: not garbage for a cutoff before the claim.
  EXPECT_EQ(digests_of(value(store_->garbage_blobs(now_seconds() - 1, "", 100))), Names{});
  EXPECT_EQ(garbage(*store_), Names{digest(1)});
}

TEST_P(StoreConformance, MarkedBlobsRefuseClaimsAndLinksUntilForgotten) {
  for (unsigned n : {1, 2}) ASSERT_TRUE(ok(store_->claim_blob(digest(n), n)));
  ASSERT_TRUE(ok(link_claimed(*store_, "repo", digest(2), 2)));
  auto marked = store_->mark_garbage_blobs(kLater, 100);
  ASSERT_TRUE(ok(marked));
  ASSERT_EQ(marked->size(), 1u);
  EXPECT_EQ(marked->front().digest, digest(1));
  EXPECT_EQ(marked->front().size, 1u);
  EXPECT_EQ(digests_of(value(store_->deleting_blobs("", 100))), Names{digest(1)});
  EXPECT_EQ(garbage(*store_), Names{});  // marked once only

  EXPECT_EQ(value(store_->claim_blob(digest(1), 1)), false);
  auto linked = store_->link_blob("repo", digest(1));
  ASSERT_FALSE(linked);
  EXPECT_EQ(linked.error().code, ErrorCode::kTooManyRequests);
  EXPECT_EQ(value(store_->linked_blob("repo", digest(1))), std::nullopt);

  ASSERT_TRUE(ok(store_->forget_blob(digest(1))));
  EXPECT_EQ(value(store_->blob_recorded(digest(1))), false);
  EXPECT_EQ(digests_of(value(store_->deleting_blobs("", 100))), Names{});
  EXPECT_EQ(value(store_->claim_blob(digest(1), 1)), true);
  // A live row is never forgotten.
  ASSERT_TRUE(ok(store_->forget_blob(digest(2))));
  EXPECT_EQ(value(store_->linked_blob("repo", digest(2))), std::optional<std::uint64_t>(2));
}

TEST_P(StoreConformance, PuttingAManifestByTagSaysWhereTheTagPointedBefore) {
  using Target = std::optional<std::string>;
  EXPECT_EQ(value(put_claimed(*store_, put_of("repo", image_manifest(1), "v1"))), Target{});
  EXPECT_EQ(value(put_claimed(*store_, put_of("repo", image_manifest(2), "v1"))), digest(1));
  EXPECT_EQ(value(put_claimed(*store_, put_of("repo", image_manifest(2), "v1"))), digest(2));
  EXPECT_EQ(value(put_claimed(*store_, put_of("repo", image_manifest(1)))), Target{});
  EXPECT_EQ(value(put_claimed(*store_, put_of("other", image_manifest(1), "v1"))), Target{});
}

TEST_P(StoreConformance, ALeftoverIsMarkedOnlyWhenNothingRecordedIt) {
  EXPECT_EQ(value(store_->mark_leftover(digest(1), 10)), true);
  EXPECT_EQ(digests_of(value(store_->deleting_blobs("", 100))), Names{digest(1)});
  EXPECT_EQ(value(store_->claim_blob(digest(1), 10)), false);  // the claim waits for GC
  EXPECT_EQ(value(store_->mark_leftover(digest(1), 10)), false);
  ASSERT_TRUE(ok(store_->forget_blob(digest(1))));
  EXPECT_EQ(value(store_->blob_recorded(digest(1))), false);

  ASSERT_TRUE(ok(store_->claim_blob(digest(2), 2)));
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", image_manifest(3)))));
  for (unsigned n : {2, 3}) EXPECT_EQ(value(store_->mark_leftover(digest(n), n)), false);
  EXPECT_EQ(digests_of(value(store_->deleting_blobs("", 100))), Names{});
  EXPECT_EQ(value(store_->claim_blob(digest(2), 2)), true);
}

TEST_P(StoreConformance, MarkingStopsAtTheCutoffAndTheLimit) {
  for (unsigned n : {1, 2, 3}) ASSERT_TRUE(ok(store_->claim_blob(digest(n), n)));
  EXPECT_EQ(digests_of(value(store_->mark_garbage_blobs(now_seconds() - 1, 100))), Names{});
  EXPECT_EQ(digests_of(value(store_->garbage_blobs(kLater, digest(1), 100))),
            (Names{digest(2), digest(3)}));
  EXPECT_EQ(digests_of(value(store_->mark_garbage_blobs(kLater, 2))),
            (Names{digest(1), digest(2)}));
  EXPECT_EQ(digests_of(value(store_->mark_garbage_blobs(kLater, 2))), Names{digest(3)});
}

TEST_P(StoreConformance, AManifestIsRecordedOnlyWithItsRequiredReferences) {
  ManifestPut put = put_of("repo", image_manifest(1), "v1", {digest(5)});
  put.required_blobs = {digest(5)};
  auto refused = put_claimed(*store_, put);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kManifestBlobUnknown);
  EXPECT_EQ(refused.error().detail, digest(5));
  EXPECT_EQ(value(store_->tag("repo", "v1")), std::nullopt);

  ASSERT_TRUE(ok(link_claimed(*store_, "repo", digest(5), 5)));
  ASSERT_TRUE(ok(put_claimed(*store_, put)));

  ManifestPut index = put_of("repo", image_manifest(2));
  index.manifest_digests = index.required_manifests = {digest(1), digest(3)};
  refused = put_claimed(*store_, index);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().detail, digest(3));
}

TEST_P(StoreConformance, AManifestIsRecordedOnlyOnALiveClaimOfItsOwnBytes) {
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", image_manifest(1)))));
  EXPECT_EQ(value(store_->blob_recorded(digest(1))), true);
  ASSERT_EQ(value(store_->delete_manifest("repo", digest(1))), true);
  EXPECT_EQ(digests_of(value(store_->mark_garbage_blobs(kLater, 100))), Names{digest(1)});
  auto refused = store_->put_manifest(put_of("repo", image_manifest(1)));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kTooManyRequests);
  // Removed and forgotten between the claim and the record: the bytes are gone.
  ASSERT_TRUE(ok(store_->forget_blob(digest(1))));
  refused = store_->put_manifest(put_of("repo", image_manifest(1), "v1"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kTooManyRequests);
  EXPECT_EQ(value(store_->manifest("repo", digest(1))), std::nullopt);
  EXPECT_EQ(value(store_->tag("repo", "v1")), std::nullopt);
  EXPECT_EQ(value(store_->blob_recorded(digest(1))), false);
}

// A caller that claimed a blob, then stalled for longer than the grace before linking it: GC
// removed the bytes and forgot the row meanwhile. The link must not bring the row back.
TEST_P(StoreConformance, ALinkAfterGcForgotTheClaimedBlobIsRefused) {
  ASSERT_TRUE(ok(store_->create_upload(
      {.id = "u1", .repository = "repo", .size = 3, .started_at = 1, .updated_at = 1})));
  for (unsigned n : {1, 2}) ASSERT_TRUE(ok(store_->claim_blob(digest(n), n)));
  EXPECT_EQ(digests_of(value(store_->mark_garbage_blobs(kLater, 100))),
            (Names{digest(1), digest(2)}));
  for (unsigned n : {1, 2}) ASSERT_TRUE(ok(store_->forget_blob(digest(n))));

  auto linked = store_->link_blob("repo", digest(1));
  ASSERT_FALSE(linked);
  EXPECT_EQ(linked.error().code, ErrorCode::kTooManyRequests);
  auto completed = store_->complete_upload("u1", "repo", digest(2));
  ASSERT_FALSE(completed);
  EXPECT_EQ(completed.error().code, ErrorCode::kTooManyRequests);
  EXPECT_TRUE(value(store_->upload("u1")).has_value());  // the session stays, as it was
  for (unsigned n : {1, 2}) {
    EXPECT_EQ(value(store_->linked_blob("repo", digest(n))), std::nullopt);
    EXPECT_EQ(value(store_->blob_recorded(digest(n))), false);
  }
}

TEST_P(StoreConformance, ALinkTouchesTheClaimAgain) {
  ASSERT_TRUE(ok(store_->claim_blob(digest(1), 1)));
  ASSERT_TRUE(ok(store_->link_blob("repo", digest(1))));
  ASSERT_EQ(value(store_->unlink_blob("repo", digest(1))), true);
  // Unlinked now, but claimed (by the link) just now: not garbage for a cutoff before it.
  EXPECT_EQ(digests_of(value(store_->garbage_blobs(now_seconds() - 1, "", 100))), Names{});
}

TEST_P(StoreConformance, SweepRemovesChosenManifestsAndOldUnreferencedLinks) {
  for (unsigned n : {5, 6, 7}) ASSERT_TRUE(ok(link_claimed(*store_, "repo", digest(n), n)));
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", image_manifest(1), "v1", {digest(5)}))));
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", image_manifest(2), {}, {digest(6)}))));
  ManifestPut index = put_of("repo", image_manifest(3));
  index.manifest_digests = {digest(1), digest(2)};
  ASSERT_TRUE(ok(put_claimed(*store_, index)));
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", referrer(4, digest(1), "sig")))));

  std::vector<GcManifest> seen;
  const auto choose = [&](const std::vector<GcManifest>& manifests) {
    seen = manifests;
    return Names{digest(2), digest(3)};
  };
  // Links made just now are younger than this cutoff: only the manifests go.
  auto swept = store_->sweep_repository("repo", now_seconds() - 60, false, choose);
  ASSERT_TRUE(ok(swept));
  EXPECT_EQ(swept->manifests, (Names{digest(2), digest(3)}));
  EXPECT_EQ(swept->links, Names{});
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].digest, digest(1));
  EXPECT_TRUE(seen[0].tagged);
  EXPECT_GE(seen[0].pushed_at, now_seconds() - 60);
  EXPECT_FALSE(seen[1].tagged);
  EXPECT_EQ(seen[2].children, (Names{digest(1), digest(2)}));
  EXPECT_EQ(seen[3].subject, digest(1));
  EXPECT_FALSE(value(store_->manifest("repo", digest(2))).has_value());

  swept = store_->sweep_repository("repo", kLater, false,
                                   [](const std::vector<GcManifest>&) { return Names{}; });
  ASSERT_TRUE(ok(swept));
  // 5 is v1's layer; 6 went with manifest 2; 7 nothing references.
  EXPECT_EQ(swept->links, (Names{digest(6), digest(7)}));
  EXPECT_EQ(value(store_->linked_blob("repo", digest(5))), std::optional<std::uint64_t>(5));
  EXPECT_EQ(value(store_->linked_blob("repo", digest(7))), std::nullopt);
  EXPECT_EQ(garbage(*store_), (Names{digest(2), digest(3), digest(6), digest(7)}));
}

TEST_P(StoreConformance, ADryRunSweepChangesNothing) {
  ASSERT_TRUE(ok(link_claimed(*store_, "repo", digest(5), 5)));
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", image_manifest(1), {}, {digest(5)}))));
  auto swept = store_->sweep_repository(
      "repo", kLater, true, [](const std::vector<GcManifest>&) { return Names{digest(1)}; });
  ASSERT_TRUE(ok(swept));
  EXPECT_EQ(swept->manifests, Names{digest(1)});
  EXPECT_EQ(swept->links, Names{digest(5)});
  EXPECT_TRUE(value(store_->manifest("repo", digest(1))).has_value());
  EXPECT_EQ(value(store_->linked_blob("repo", digest(5))), std::optional<std::uint64_t>(5));
  EXPECT_EQ(value(store_->sweep_repository("nothing", kLater, false,
                                           [](const std::vector<GcManifest>&) { return Names{}; }))
                .manifests,
            Names{});
}

TEST_P(StoreConformance, GcRunsAreKeptNewestFirst) {
  ASSERT_TRUE(ok(store_->record_gc_run({.started_at = 1,
                                        .finished_at = 2,
                                        .manifests_removed = 3,
                                        .blobs_removed = 4,
                                        .bytes_freed = 5,
                                        .dry_run = true})));
  ASSERT_TRUE(ok(store_->record_gc_run({.started_at = 10, .finished_at = 20, .error = "failed"})));
  auto runs = store_->gc_runs(10);
  ASSERT_TRUE(ok(runs));
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].error, "failed");
  EXPECT_EQ((*runs)[0].started_at, 10);
  EXPECT_FALSE((*runs)[0].dry_run);
  EXPECT_EQ((*runs)[1].manifests_removed, 3u);
  EXPECT_EQ((*runs)[1].blobs_removed, 4u);
  EXPECT_EQ((*runs)[1].bytes_freed, 5u);
  EXPECT_TRUE((*runs)[1].dry_run);
  EXPECT_GT((*runs)[0].id, (*runs)[1].id);
  EXPECT_EQ(value(store_->gc_runs(1)).size(), 1u);
}

// --- quotas (issue 13)

TEST_P(StoreConformance, NamespaceBytesCountBlobsAndManifestsOnce) {
  ASSERT_TRUE(ok(link_claimed(*store_, "team/a", digest(1), 100)));
  ASSERT_TRUE(ok(link_claimed(*store_, "team/b", digest(1), 100)));
  ASSERT_TRUE(ok(link_claimed(*store_, "team/b", digest(2), 20)));
  ASSERT_TRUE(ok(link_claimed(*store_, "team", digest(3), 3)));
  ASSERT_TRUE(ok(link_claimed(*store_, "teamx", digest(4), 4000)));
  // Manifest 10 is stored in two repositories (1010 bytes, counted once), 11 in one.
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("team/a", image_manifest(10), "v1", {digest(1)}))));
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("team/b", image_manifest(10)))));
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("teamx", image_manifest(11)))));
  EXPECT_EQ(value(store_->namespace_bytes("team", true)), 100u + 20 + 3 + 1010);
  EXPECT_EQ(value(store_->namespace_bytes("team", false)), 3u);
  EXPECT_EQ(value(store_->namespace_bytes("team/b", false)), 120u + 1010);
  EXPECT_EQ(value(store_->namespace_bytes("", true)), 100u + 20 + 3 + 4000 + 1010 + 1011);
  EXPECT_EQ(value(store_->namespace_bytes("nothing", true)), 0u);
  EXPECT_EQ(value(store_->namespace_bytes("tea_", true)), 0u);  // names are not patterns

  EXPECT_TRUE(value(store_->namespace_holds("team", true, digest(2))));
  EXPECT_TRUE(value(store_->namespace_holds("team", true, digest(10))));
  EXPECT_FALSE(value(store_->namespace_holds("team", true, digest(11))));
  EXPECT_FALSE(value(store_->namespace_holds("team", false, digest(2))));
  EXPECT_TRUE(value(store_->namespace_holds("team", false, digest(3))));
  EXPECT_FALSE(value(store_->namespace_holds("team/a", true, digest(2))));
  EXPECT_TRUE(value(store_->namespace_holds("", true, digest(11))));
  EXPECT_FALSE(value(store_->namespace_holds("", true, digest(12))));

  ASSERT_TRUE(value(store_->delete_manifest("team/a", digest(10))));
  EXPECT_EQ(value(store_->namespace_bytes("team/a", false)), 100u);
}

// --- retention

// digest -> last pull time, as retention_view reports them.
std::map<std::string, std::int64_t> pull_times(Store& store, std::string_view repository) {
  std::map<std::string, std::int64_t> times;
  for (const auto& manifest : value(store.retention_view(repository)).manifests) {
    times[manifest.digest] = manifest.last_pulled_at;
  }
  return times;
}

TEST_P(StoreConformance, PullsAreWrittenOncePerRefresh) {
  using namespace std::chrono_literals;
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", image_manifest(1), "v1"))));
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", image_manifest(2)))));
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("other", image_manifest(1)))));
  EXPECT_EQ(pull_times(*store_, "repo"),
            (std::map<std::string, std::int64_t>{{digest(1), 0}, {digest(2), 0}}));

  // Unknown repositories and manifests are skipped, the rest of the batch is written.
  ASSERT_TRUE(ok(store_->record_pulls(
      {{"repo", digest(1), 1000}, {"no/such/repo", digest(1), 1000}, {"repo", digest(9), 1000}},
      60s)));
  EXPECT_EQ(pull_times(*store_, "repo"),
            (std::map<std::string, std::int64_t>{{digest(1), 1000}, {digest(2), 0}}));
  EXPECT_EQ(pull_times(*store_, "other")[digest(1)], 0);  // per repository

  // Within the refresh nothing is written; past it, and never backwards.
  ASSERT_TRUE(ok(store_->record_pulls({{"repo", digest(1), 1059}}, 60s)));
  EXPECT_EQ(pull_times(*store_, "repo")[digest(1)], 1000);
  ASSERT_TRUE(ok(store_->record_pulls({{"repo", digest(1), 1061}}, 60s)));
  EXPECT_EQ(pull_times(*store_, "repo")[digest(1)], 1061);
  ASSERT_TRUE(ok(store_->record_pulls({{"repo", digest(1), 500}}, 0s)));
  EXPECT_EQ(pull_times(*store_, "repo")[digest(1)], 1061);

  reopen();
  EXPECT_EQ(pull_times(*store_, "repo")[digest(1)], 1061);
}

TEST_P(StoreConformance, RetentionViewHoldsTagsAndIndexChildren) {
  const std::int64_t before = now_seconds();
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", image_manifest(1), "b"))));
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", image_manifest(2), "a"))));
  ManifestPut index = put_of("repo", image_manifest(3), "c");
  index.manifest_digests = {digest(2), digest(1)};
  ASSERT_TRUE(ok(put_claimed(*store_, index)));
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("other", image_manifest(4), "z"))));

  const RetentionView view = value(store_->retention_view("repo"));
  ASSERT_EQ(view.tags.size(), 3u);
  EXPECT_EQ(view.tags[0].name, "a");
  EXPECT_EQ(view.tags[0].digest, digest(2));
  EXPECT_EQ(view.tags[1].name, "b");
  EXPECT_EQ(view.tags[2].digest, digest(3));
  EXPECT_GE(view.tags[0].updated_at, before);
  EXPECT_LE(view.tags[0].updated_at, now_seconds());
  ASSERT_EQ(view.manifests.size(), 3u);
  EXPECT_EQ(view.manifests[0].children, Names{});
  EXPECT_EQ(view.manifests[2].digest, digest(3));
  EXPECT_EQ(view.manifests[2].children, (Names{digest(1), digest(2)}));

  const RetentionView none = value(store_->retention_view("no/such/repo"));
  EXPECT_TRUE(none.tags.empty());
  EXPECT_TRUE(none.manifests.empty());
}

TEST_P(StoreConformance, RemovingTagsLeavesThoseMovedMeanwhile) {
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", image_manifest(1), "v1"))));
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", image_manifest(1), "v2"))));
  const RetentionView view = value(store_->retention_view("repo"));
  ASSERT_EQ(view.tags.size(), 2u);
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", image_manifest(2), "v2"))));  // moved

  EXPECT_EQ(value(store_->remove_tags("repo", view.tags)), Names{"v1"});
  EXPECT_EQ(value(store_->tag("repo", "v1")), std::nullopt);
  EXPECT_EQ(value(store_->tag("repo", "v2")), std::optional<std::string>(digest(2)));
  // The tag goes, its manifest stays (GC removes it once untagged).
  EXPECT_TRUE(value(store_->manifest("repo", digest(1))).has_value());
  EXPECT_EQ(value(store_->tags("repo", "", 10)), Names{"v2"});
}

TEST_P(StoreConformance, AnAttachedTagStaysWhileItsManifestIsTagged) {
  for (const char* repository : {"kept", "dropped"}) {
    ASSERT_TRUE(ok(put_claimed(*store_, put_of(repository, image_manifest(1), "old"))));
    ASSERT_TRUE(ok(put_claimed(*store_, put_of(repository, image_manifest(2), "sig"))));
  }
  auto doomed = [&](std::string_view repository) {
    std::vector<RetentionTag> tags = value(store_->retention_view(repository)).tags;
    for (RetentionTag& tag : tags) {
      if (tag.name == "sig") tag.unless_tagged = digest(1);
    }
    return tags;
  };
  const std::vector<RetentionTag> kept = doomed("kept");
  const std::vector<RetentionTag> dropped = doomed("dropped");
  // Tagged again between the decision and the removal: its signature stays.
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("kept", image_manifest(1), "hotfix"))));
  EXPECT_EQ(value(store_->remove_tags("kept", kept)), Names{"old"});
  EXPECT_EQ(value(store_->tags("kept", "", 10)), (Names{"hotfix", "sig"}));
  // Otherwise the plain tags go first, then the signature whose manifest no tag names.
  EXPECT_EQ(value(store_->remove_tags("dropped", dropped)), (Names{"old", "sig"}));
}

// --- the web UI's views

TEST_P(StoreConformance, TagCountAndRecordsReadTagsAlone) {
  const std::int64_t before = now_seconds();
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", image_manifest(1), "b"))));
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", image_manifest(2), "a"))));
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", image_manifest(1), "c"))));
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("repo", image_manifest(3)))));  // untagged
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("other", image_manifest(4), "z"))));
  ASSERT_TRUE(ok(put_claimed(*store_, put_of("untagged", image_manifest(5)))));

  const TagCount count = value(store_->tag_count("repo"));
  EXPECT_EQ(count.tags, 3u);
  ASSERT_TRUE(count.newest_updated_at.has_value());
  EXPECT_GE(*count.newest_updated_at, before);
  EXPECT_LE(*count.newest_updated_at, now_seconds());
  EXPECT_EQ(value(store_->tag_count("other")).tags, 1u);
  for (const char* none : {"untagged", "no/such/repo"}) {
    const TagCount empty = value(store_->tag_count(none));
    EXPECT_EQ(empty.tags, 0u) << none;
    EXPECT_EQ(empty.newest_updated_at, std::nullopt) << none;
  }

  const std::vector<RetentionTag> records = value(store_->tag_records("repo"));
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].name, "a");
  EXPECT_EQ(records[0].digest, digest(2));
  EXPECT_EQ(records[1].name, "b");
  EXPECT_EQ(records[2].digest, digest(1));
  EXPECT_EQ(*count.newest_updated_at,
            std::max({records[0].updated_at, records[1].updated_at, records[2].updated_at}));
  EXPECT_TRUE(value(store_->tag_records("no/such/repo")).empty());
}

}  // namespace

}  // namespace metadata
