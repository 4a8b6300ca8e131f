// One writer per (destination, blob) in the whole process: concurrent copies into the same
// destination (sync runs many images at once, and images share base layers) take turns on a
// blob, and those that come second find it present and skip it instead of uploading it again.
// Any other read-modify-write of shared registry state takes its turn the same way under its
// own key (the referrers tag index, referrers_tag.cc).
#pragma once

#include <condition_variable>
#include <mutex>
#include <set>
#include <string>

namespace transfer {

class InflightBlobs {
 public:
  // The process-wide table.
  static InflightBlobs& instance();

  // Held while one thread checks for and moves a blob; released when dropped.
  class Claim {
   public:
    Claim(Claim&& other) noexcept;
    Claim& operator=(Claim&&) = delete;
    ~Claim();

   private:
    friend class InflightBlobs;
    Claim(InflightBlobs* table, std::string key) : table_(table), key_(std::move(key)) {}
    InflightBlobs* table_;
    std::string key_;
  };

  // Blocks while another thread holds `key` ("<destination describe()> <digest>").
  Claim claim(std::string key);

 private:
  void release(const std::string& key);

  std::mutex mutex_;
  std::condition_variable released_;
  std::set<std::string> held_;
};

}  // namespace transfer
