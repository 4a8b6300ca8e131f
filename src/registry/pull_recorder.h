// When each manifest was last pulled (retention's keep_pulled_within), recorded without a
// database write per pull: a GET notes the pull in memory (record, cheap, never blocks on the
// database), and a thread of its own writes what changed in one Store::record_pulls call every
// few seconds and once more when the recorder is destroyed. A manifest pulled again within
// kRefresh of its last written pull is not written again.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "metadata/store.h"

namespace registry {

class PullRecorder {
 public:
  // How stale a written pull time may be before a pull writes it again.
  static constexpr std::chrono::seconds kRefresh{60};

  // Writes every `interval` (a test passes zero to write only by flush()).
  PullRecorder(metadata::Store& store, std::chrono::milliseconds interval);
  // Writes what is pending, then stops.
  ~PullRecorder();
  PullRecorder(const PullRecorder&) = delete;
  PullRecorder& operator=(const PullRecorder&) = delete;

  // A GET of the manifest `digest` of `repository` answered now.
  void record(std::string_view repository, std::string_view digest);
  // Writes what is pending in one call; kept pending when the write fails (the next flush
  // tries again).
  oci::Result<void> flush();

 private:
  struct Pull {
    std::int64_t pulled_at = 0;  // the latest pull seen, unix seconds
    std::int64_t written = 0;    // the pull time last written, 0 = none
  };

  void loop(const std::stop_token& stop);

  metadata::Store& store_;
  const std::chrono::milliseconds interval_;
  std::mutex mutex_;  // guards pulls_
  // By "repository@digest": pending pulls, and written ones younger than kRefresh.
  std::unordered_map<std::string, Pull> pulls_;
  std::mutex flushing_;  // one flush at a time
  std::condition_variable_any wake_;
  std::jthread thread_;  // last: started once everything above is ready
};

}  // namespace registry
