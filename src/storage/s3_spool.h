// A local temporary file that holds the bytes of one part before they go to S3 (never
// memory). Named "s3-spool-*" in the spool directory, removed when dropped.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>

#include "sys/error.h"

namespace storage {

inline constexpr std::string_view kSpoolFilePrefix = "s3-spool-";

class Spool {
 public:
  static sys::Result<Spool> create(const std::filesystem::path& directory);
  Spool(Spool&& other) noexcept;
  Spool& operator=(Spool&& other) noexcept;
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;
  ~Spool();
  friend void swap(Spool& a, Spool& b) noexcept;

  sys::Result<void> append(std::span<const std::byte> bytes);
  // Empties the file (its blocks are freed) for the next part.
  sys::Result<void> clear();
  std::uint64_t size() const { return size_; }
  int fd() const { return fd_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  Spool(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::filesystem::path path_;
  std::uint64_t size_ = 0;
};

}  // namespace storage
