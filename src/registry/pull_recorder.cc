#include "registry/pull_recorder.h"

#include <vector>

namespace registry {
namespace {

std::int64_t now_unix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

PullRecorder::PullRecorder(metadata::Store& store, std::chrono::milliseconds interval)
    : store_(store), interval_(interval) {
  if (interval_.count() > 0) {
    thread_ = std::jthread([this](const std::stop_token& stop) { loop(stop); });
  }
}

PullRecorder::~PullRecorder() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
  (void)flush();
}

void PullRecorder::record(std::string_view repository, std::string_view digest) {
  const std::int64_t now = now_unix();
  std::string key;
  key.reserve(repository.size() + 1 + digest.size());
  key.append(repository).push_back('@');
  key.append(digest);
  std::lock_guard lock(mutex_);
  Pull& pull = pulls_[std::move(key)];
  pull.pulled_at = std::max(pull.pulled_at, now);
}

oci::Result<void> PullRecorder::flush() {
  std::lock_guard flushing(flushing_);
  const std::int64_t now = now_unix();
  std::vector<metadata::ManifestPull> batch;
  {
    std::lock_guard lock(mutex_);
    for (auto entry = pulls_.begin(); entry != pulls_.end();) {
      const Pull& pull = entry->second;
      if (pull.pulled_at - pull.written >= kRefresh.count()) {
        const auto at = entry->first.rfind('@');
        batch.push_back({.repository = entry->first.substr(0, at),
                         .digest = entry->first.substr(at + 1),
                         .pulled_at = pull.pulled_at});
      } else if (now - pull.written >= kRefresh.count()) {
        // Nothing new since a write older than the refresh: the next pull writes anyway.
        entry = pulls_.erase(entry);
        continue;
      }
      ++entry;
    }
  }
  if (batch.empty()) return {};
  if (auto written = store_.record_pulls(batch, kRefresh); !written) return written;
  std::lock_guard lock(mutex_);
  for (const metadata::ManifestPull& pull : batch) {
    auto entry = pulls_.find(pull.repository + '@' + pull.digest);
    if (entry != pulls_.end()) entry->second.written = pull.pulled_at;
  }
  return {};
}

void PullRecorder::loop(const std::stop_token& stop) {
  std::mutex mutex;
  while (true) {
    {
      std::unique_lock lock(mutex);
      // True when stopped before the time came.
      if (wake_.wait_for(lock, stop, interval_, [] { return false; }) || stop.stop_requested()) {
        return;
      }
    }
    (void)flush();
  }
}

}  // namespace registry
