#include "storage/s3_driver.h"

#include <algorithm>
#include <array>

#include "storage/capabilities.h"
#include "storage/driver_path.h"
#include "storage/s3_client.h"
#include "storage/s3_live_put.h"
#include "storage/s3_segmented_reader.h"
#include "storage/s3_segments.h"
#include "storage/s3_spool.h"
#include "storage/s3_upload.h"
#include "storage/s3_writer.h"

namespace storage {

namespace {

// An index object is small (a line per writer session); this bounds what is read of one.
constexpr std::uint64_t kMaxIndexSize = std::uint64_t{4} << 20;
constexpr std::size_t kCopyBuffer = std::size_t{1} << 20;

// Deletes every object whose key starts with `prefix`.
Result<void> delete_keys_under(S3Client& client, const std::string& prefix) {
  std::string token;
  do {
    auto page = client.list_objects(prefix, "", token);
    if (!page) return std::unexpected(page.error());
    std::vector<std::string> keys;
    keys.reserve(page->objects.size());
    for (const auto& object : page->objects) keys.push_back(object.key);
    if (!keys.empty()) {
      if (auto deleted = client.delete_objects(keys); !deleted) return deleted;
    }
    token = page->next_continuation_token;
  } while (!token.empty());
  return {};
}

// Spool files left by a process that was killed. Removing one that a live process (sharing
// the directory) still writes costs it nothing: its descriptor keeps the file.
void sweep_spool(const std::filesystem::path& directory) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    if (entry.path().filename().string().starts_with(kSpoolFilePrefix)) {
      std::filesystem::remove(entry.path(), error);
    }
  }
}

// What one HEAD says about a path.
struct Entry {
  ObjectHead head;
  bool segmented = false;
  std::uint64_t size = 0;  // the file's, not the index object's
};

// A plain object written as one multipart upload, completed by publish() only.
class S3StagedWriter final : public StagedWriter {
 public:
  S3StagedWriter(std::shared_ptr<S3Client> client, std::string key,
                 std::optional<std::uint64_t> expected, const std::filesystem::path& spool)
      : client_(client),
        key_(key),
        expected_(expected),
        upload_(std::move(client), std::move(key), {}, spool) {}

  Result<void> write(std::span<const std::byte> bytes) override {
    if (expected_ && bytes.size() > *expected_ - upload_.size()) {
      return sys::fail(sys::Errc::kInvalid, "S3 upload " + key_ + ": more than the " +
                                                std::to_string(*expected_) + " bytes announced");
    }
    return upload_.write(bytes);
  }
  std::uint64_t size() const override { return upload_.size(); }
  Result<void> publish() override {
    if (expected_ && upload_.size() != *expected_) {
      return sys::fail(sys::Errc::kInvalid, "S3 upload " + key_ + ": " +
                                                std::to_string(upload_.size()) + " of the " +
                                                std::to_string(*expected_) + " bytes announced");
    }
    if (auto finished = upload_.finish(); !finished) return finished;
    // A segmented file that was at the path would keep its segments otherwise (unnamed).
    return delete_keys_under(*client_, key_ + std::string(kSegmentsInfix));
  }

 private:
  std::shared_ptr<S3Client> client_;
  std::string key_;
  std::optional<std::uint64_t> expected_;
  S3Upload upload_;
};

class S3Driver final : public Driver,
                       public PresignedUrlDriver,
                       public FileSizeLimitedDriver,
                       public StagedWriteDriver {
 public:
  // S3's largest object, or what 10,000 parts (a multipart upload's most) of part_size hold:
  // a blob cannot be written or committed past it.
  std::uint64_t max_file_size() const override {
    return std::min(std::uint64_t{5} << 40, 10'000 * client_->options().part_size);
  }

  S3Driver(std::shared_ptr<S3Client> client, std::filesystem::path spool)
      : client_(std::move(client)), spool_(std::move(spool)) {
    prefix_ = client_->options().prefix;
    if (!prefix_.empty() && !prefix_.ends_with('/')) prefix_ += '/';
  }

  Result<FileInfo> stat(std::string_view path) override {
    auto entry = lookup(path);
    if (!entry) return std::unexpected(entry.error());
    return FileInfo{entry->size, entry->head.modified_unix};
  }

  Result<std::unique_ptr<Reader>> reader(std::string_view path, std::uint64_t offset) override {
    auto entry = lookup(path);
    if (!entry) return std::unexpected(entry.error());
    if (offset > entry->size) {
      return sys::fail(sys::Errc::kInvalidRange, "offset " + std::to_string(offset) +
                                                     " beyond the end of " + std::string(path));
    }
    const std::string key = key_of(path);
    if (!entry->segmented) return client_->open_object(key, offset, entry->size);
    auto index = read_index(key);
    if (!index) return std::unexpected(index.error());
    return make_segmented_reader(client_, key, std::move(*index), offset);
  }

  Result<std::unique_ptr<Writer>> writer(std::string_view path, std::uint64_t keep) override {
    if (auto valid = check_path(path); !valid) return std::unexpected(valid.error());
    const std::string key = key_of(path);
    auto entry = lookup(path);
    if (!entry && entry.error().code != sys::Errc::kNotFound) {
      return std::unexpected(entry.error());
    }
    const std::uint64_t size = entry ? entry->size : 0;
    if (keep > size) {
      return sys::fail(sys::Errc::kInvalidRange, std::string(path) + " holds " +
                                                     std::to_string(size) + " bytes, fewer than " +
                                                     std::to_string(keep));
    }
    SegmentIndex kept;
    std::vector<std::string> obsolete;
    if (entry && entry->segmented) {
      auto index = read_index(key);
      if (!index) return std::unexpected(index.error());
      kept = truncated(*index, keep);
      for (std::size_t i = kept.segments.size(); i < index->segments.size(); ++i) {
        obsolete.push_back(segment_key(key, index->segments[i].name));
      }
    } else if (keep > 0) {
      // A plain object continued by a writer becomes the first segment of a segmented file.
      const std::string name = "0-plain";
      if (auto copied = copy(key, segment_key(key, name), entry->size); !copied) {
        return std::unexpected(copied.error());
      }
      kept.segments.push_back({name, keep, entry->size});
    }
    return make_segmented_writer(client_, key, std::move(kept), std::move(obsolete), spool_);
  }

  Result<void> put_content(std::string_view path, std::string_view content) override {
    if (auto valid = check_path(path); !valid) return valid;
    const std::string key = key_of(path);
    if (auto put = client_->put_object(key, S3Body{std::string(content)}, {}); !put) return put;
    return delete_keys_under(*client_, key + std::string(kSegmentsInfix));
  }

  Result<std::string> get_content(std::string_view path, std::uint64_t max_size) override {
    auto entry = lookup(path);
    if (!entry) return std::unexpected(entry.error());
    if (entry->size > max_size) {
      return sys::fail(sys::Errc::kTooLarge, std::string(path) + " holds " +
                                                 std::to_string(entry->size) +
                                                 " bytes, more than " + std::to_string(max_size));
    }
    if (!entry->segmented) return client_->get_object(key_of(path), max_size);
    auto reader = this->reader(path, 0);
    if (!reader) return std::unexpected(reader.error());
    std::string content(entry->size, '\0');
    std::size_t at = 0;
    while (at < content.size()) {
      auto n = (*reader)->read(std::as_writable_bytes(std::span(content).subspan(at)));
      if (!n) return std::unexpected(n.error());
      if (*n == 0) return sys::fail(sys::Errc::kIo, std::string(path) + ": ended early");
      at += *n;
    }
    return content;
  }

  Result<void> move(std::string_view from, std::string_view to) override {
    if (auto valid = check_path(to); !valid) return valid;
    auto entry = lookup(from);
    if (!entry) return std::unexpected(entry.error());
    if (from == to) return {};
    const std::string source = key_of(from);
    const std::string target = key_of(to);
    Result<void> placed;
    if (!entry->segmented) {
      placed = copy(source, target, entry->size);
    } else {
      auto index = read_index(source);
      if (!index) return std::unexpected(index.error());
      placed = assemble(source, *index, target);
    }
    if (!placed) return placed;
    if (auto stale = delete_keys_under(*client_, target + std::string(kSegmentsInfix)); !stale)
      return stale;
    return remove_file(source);
  }

  Result<void> remove(std::string_view path) override {
    if (auto valid = check_path(path); !valid) return valid;
    const std::string key = key_of(path);
    if (auto removed = remove_file(key); !removed) return removed;
    return delete_keys_under(*client_, key + "/");
  }

  Result<std::vector<std::string>> list(std::string_view directory) override {
    if (auto valid = check_path(directory); !valid) return std::unexpected(valid.error());
    const std::string prefix = key_of(directory) + "/";
    std::vector<std::string> names;
    std::string token;
    do {
      auto page = client_->list_objects(prefix, "/", token);
      if (!page) return std::unexpected(page.error());
      for (const auto& object : page->objects) names.push_back(object.key.substr(prefix.size()));
      for (const auto& common : page->common_prefixes) {
        names.push_back(common.substr(prefix.size(), common.size() - prefix.size() - 1));
      }
      token = page->next_continuation_token;
    } while (!token.empty());
    // Segment prefixes ("name~segments") are no files of their own.
    std::erase_if(names, [](const std::string& name) {
      return name.empty() || name.find('~') != std::string::npos;
    });
    std::ranges::sort(names);
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
  }

  Result<std::unique_ptr<StagedWriter>> staged_writer(std::string_view path,
                                                      std::optional<std::uint64_t> size) override {
    if (auto valid = check_path(path); !valid) return std::unexpected(valid.error());
    // One PutObject when it can be: on some stores (s3rver, Ceph) completing a multipart
    // upload copies every byte once more. Its spool may have to hold the whole file (for a
    // retry), so a multipart upload, which spools two parts, serves when the disk is short.
    if (size && *size > 0 && *size <= kMaxPutObjectSize && spool_has_room(*size)) {
      return make_live_put_writer(client_, key_of(path), *size, spool_);
    }
    return std::make_unique<S3StagedWriter>(client_, key_of(path), size, spool_);
  }

  std::optional<std::string> presigned_url(std::string_view path,
                                           std::chrono::seconds expiry) override {
    if (!client_->options().redirect) return std::nullopt;
    // Only a plain object is one URL; a segmented file (an unfinished upload) is not.
    auto entry = lookup(path);
    if (!entry || entry->segmented) return std::nullopt;
    return client_->presigned_get_url(key_of(path), expiry);
  }

 private:
  std::string key_of(std::string_view path) const { return prefix_ + std::string(path); }

  bool spool_has_room(std::uint64_t bytes) const {
    std::error_code error;
    std::filesystem::create_directories(spool_, error);
    const auto space = std::filesystem::space(spool_, error);
    return !error && space.available >= bytes;
  }

  Result<Entry> lookup(std::string_view path) {
    if (auto valid = check_path(path); !valid) return std::unexpected(valid.error());
    auto head = client_->head_object(key_of(path));
    if (!head) return std::unexpected(head.error());
    Entry entry{std::move(*head), false, 0};
    entry.size = entry.head.size;
    if (!entry.head.metadata_value(kSegmentsMetadata).empty()) {
      entry.segmented = true;
      entry.size = std::strtoull(entry.head.metadata_value(kSizeMetadata).c_str(), nullptr, 10);
    }
    return entry;
  }

  Result<SegmentIndex> read_index(const std::string& key) {
    auto text = client_->get_object(key, kMaxIndexSize);
    if (!text) return std::unexpected(text.error());
    return parse_segment_index(*text);
  }

  // Server-side copy of a whole object, in parts above what one CopyObject may copy.
  Result<void> copy(const std::string& source, const std::string& target, std::uint64_t size) {
    if (size <= kMaxCopyObjectSize) return client_->copy_object(source, target);
    auto id = client_->create_multipart_upload(target, {});
    if (!id) return std::unexpected(id.error());
    std::vector<s3xml::CompletedPart> parts;
    for (const auto& range : plan_part_copies(size, kMaxCopyObjectSize)) {
      auto etag = client_->upload_part_copy(target, *id, range.part_number, source, range.first,
                                            range.last);
      if (!etag) {
        (void)client_->abort_multipart_upload(target, *id);
        return std::unexpected(etag.error());
      }
      parts.push_back({range.part_number, std::move(*etag)});
    }
    auto completed = client_->complete_multipart_upload(target, *id, parts);
    if (!completed) (void)client_->abort_multipart_upload(target, *id);
    return completed;
  }

  // Writes the segments' bytes as one plain object at `target`.
  Result<void> assemble(const std::string& source, const SegmentIndex& index,
                        const std::string& target) {
    if (index.segments.empty()) return client_->put_object(target, {}, {});
    const Segment& first = index.segments.front();
    if (index.segments.size() == 1 && first.used == first.stored) {
      return copy(segment_key(source, first.name), target, first.used);
    }
    // A store may lack UploadPartCopy although the config says otherwise (s3rver answers
    // NotImplemented): the bytes are streamed then, as below.
    if (can_copy_parts(index) && copy_parts(source, index, target)) return {};
    // Streamed through a spool of one part.
    S3Upload upload(client_, target, {}, spool_);
    auto reader = make_segmented_reader(client_, source, index, 0);
    std::vector<std::byte> buffer(kCopyBuffer);
    while (true) {
      auto n = reader->read(buffer);
      if (!n) return std::unexpected(n.error());
      if (*n == 0) break;
      if (auto written = upload.write(std::span(buffer).first(*n)); !written) return written;
    }
    return upload.finish();
  }

  // UploadPartCopy needs every part but the last to be at least 5 MiB (and at most 5 GiB).
  bool can_copy_parts(const SegmentIndex& index) const {
    if (!client_->options().part_copy) return false;
    for (std::size_t i = 0; i + 1 < index.segments.size(); ++i) {
      const std::uint64_t used = index.segments[i].used;
      if (used < kMinimumPartSize || used > kMaxCopyObjectSize) return false;
    }
    return index.segments.back().used <= kMaxCopyObjectSize;
  }

  Result<void> copy_parts(const std::string& source, const SegmentIndex& index,
                          const std::string& target) {
    auto id = client_->create_multipart_upload(target, {});
    if (!id) return std::unexpected(id.error());
    std::vector<s3xml::CompletedPart> parts;
    for (const auto& segment : index.segments) {
      if (segment.used == 0) continue;
      const int number = static_cast<int>(parts.size()) + 1;
      auto etag = client_->upload_part_copy(target, *id, number, segment_key(source, segment.name),
                                            0, segment.used - 1);
      if (!etag) {
        (void)client_->abort_multipart_upload(target, *id);
        return std::unexpected(etag.error());
      }
      parts.push_back({number, std::move(*etag)});
    }
    auto completed = client_->complete_multipart_upload(target, *id, parts);
    if (!completed) (void)client_->abort_multipart_upload(target, *id);
    return completed;
  }

  // The object at `key` and its segments.
  Result<void> remove_file(const std::string& key) {
    if (auto removed = client_->delete_object(key); !removed) return removed;
    return delete_keys_under(*client_, key + std::string(kSegmentsInfix));
  }

  std::shared_ptr<S3Client> client_;
  std::filesystem::path spool_;
  std::string prefix_;
};

}  // namespace

Result<std::unique_ptr<Driver>> make_s3_driver(const S3Options& options,
                                               std::filesystem::path spool_directory) {
  if (options.part_size < kMinimumPartSize) {
    return sys::fail(sys::Errc::kInvalid, "S3 part size " + std::to_string(options.part_size) +
                                              " is below S3's minimum of 5 MiB");
  }
  auto client = S3Client::create(options);
  if (!client) return std::unexpected(client.error());
  sweep_spool(spool_directory);
  return std::make_unique<S3Driver>(std::move(*client), std::move(spool_directory));
}

}  // namespace storage
