// Bytes streamed into one new S3 object through spools of one part each: one PutObject when
// they fit in a part, else a multipart upload fed part by part. A full part is sent on a
// thread of its own while the next one fills (at most one in flight), so that the writer's
// caller keeps receiving while S3 receives; two parts of local disk at most per upload. The
// object appears (replacing any older one) only when finish() succeeds; an upload dropped or
// failed before that leaves nothing visible (its multipart upload is aborted).
#pragma once

#include <cstdint>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "storage/s3_client.h"
#include "storage/s3_spool.h"

namespace storage {

class S3Upload {
 public:
  S3Upload(std::shared_ptr<S3Client> client, std::string key, Metadata metadata,
           std::filesystem::path spool_directory);
  ~S3Upload();
  S3Upload(const S3Upload&) = delete;
  S3Upload& operator=(const S3Upload&) = delete;

  Result<void> write(std::span<const std::byte> bytes);
  // A failure of write() or finish() is final: the upload is aborted and takes nothing more.
  Result<void> finish();
  // Gives up: an open multipart upload is aborted (best effort: some stores cannot).
  void abort();
  std::uint64_t size() const { return size_; }

 private:
  // Sends the filling spool as the next part, after the one in flight has gone.
  Result<void> flush_part();
  // Waits for the part in flight, if any, and keeps its spool for the next part.
  Result<void> settle_in_flight();
  // Aborts after a failure, which it returns: the upload takes nothing more.
  Result<void> give_up(Result<void> failure);

  std::shared_ptr<S3Client> client_;
  std::string key_;
  Metadata metadata_;
  std::filesystem::path spool_directory_;
  std::optional<Spool> filling_;
  std::optional<Spool> sending_;                // the spool of the part in flight, or a spare one
  std::future<Result<std::string>> in_flight_;  // its ETag
  std::string upload_id_;
  std::vector<s3xml::CompletedPart> parts_;
  std::uint64_t size_ = 0;
  bool done_ = false;
};

}  // namespace storage
