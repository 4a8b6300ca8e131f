#include "transfer/progress_json.h"

namespace transfer {
namespace {

constexpr auto kProgressInterval = std::chrono::seconds(1);

const char* outcome_name(BlobOutcome outcome) {
  switch (outcome) {
    case BlobOutcome::kCopied:
      return "copied";
    case BlobOutcome::kSkipped:
      return "skipped";
    case BlobOutcome::kMounted:
      return "mounted";
    case BlobOutcome::kFailed:
      return "failed";
  }
  return "unknown";
}

}  // namespace

ProgressJson::ProgressJson(std::FILE* out, std::function<Clock::time_point()> now)
    : out_(out), now_(std::move(now)), start_(now_()) {}

void ProgressJson::emit(const nlohmann::json& event) {
  // Names and notes come from registries and users: invalid UTF-8 is replaced, not thrown.
  const std::string line = event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::fputs(line.c_str(), out_);
  std::fputc('\n', out_);
  std::fflush(out_);
}

void ProgressJson::blob_started(std::string_view image, const oci::Descriptor& blob,
                                std::int64_t offset) {
  std::lock_guard lock(mutex_);
  last_reported_[blob.digest.str()] = now_();
  offsets_[blob.digest.str()] = offset;
  emit({{"event", "blob_started"},
        {"image", image},
        {"digest", blob.digest.str()},
        {"size", blob.size},
        {"offset", offset}});
}

void ProgressJson::blob_bytes(const oci::Descriptor& blob, std::int64_t bytes_done) {
  std::lock_guard lock(mutex_);
  const auto now = now_();
  auto [it, added] = last_reported_.try_emplace(blob.digest.str(), now);
  if (!added && now - it->second < kProgressInterval) return;
  it->second = now;
  emit({{"event", "blob_progress"},
        {"digest", blob.digest.str()},
        {"size", blob.size},
        {"done", bytes_done}});
}

void ProgressJson::blob_finished(const oci::Descriptor& blob, BlobOutcome outcome) {
  std::lock_guard lock(mutex_);
  last_reported_.erase(blob.digest.str());
  if (outcome == BlobOutcome::kCopied) {
    const auto offset = offsets_.find(blob.digest.str());
    bytes_ += blob.size - (offset == offsets_.end() ? 0 : offset->second);
  }
  offsets_.erase(blob.digest.str());
  ++outcomes_[outcome];
  emit({{"event", "blob_done"},
        {"digest", blob.digest.str()},
        {"size", blob.size},
        {"outcome", outcome_name(outcome)}});
}

void ProgressJson::manifest_written(std::string_view image, const oci::Digest& digest,
                                    std::string_view media_type) {
  std::lock_guard lock(mutex_);
  emit({{"event", "manifest_written"},
        {"image", image},
        {"digest", digest.str()},
        {"mediaType", media_type}});
}

void ProgressJson::note(std::string_view text) {
  std::lock_guard lock(mutex_);
  emit({{"event", "note"}, {"message", text}});
}

void ProgressJson::done() {
  std::lock_guard lock(mutex_);
  const std::chrono::duration<double> elapsed = now_() - start_;
  emit({{"event", "done"},
        {"blobs_copied", outcomes_[BlobOutcome::kCopied]},
        {"blobs_skipped", outcomes_[BlobOutcome::kSkipped]},
        {"blobs_mounted", outcomes_[BlobOutcome::kMounted]},
        {"blobs_failed", outcomes_[BlobOutcome::kFailed]},
        {"bytes", bytes_},
        {"seconds", elapsed.count()}});
}

}  // namespace transfer
