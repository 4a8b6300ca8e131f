// What only some drivers can do, asked for at run time rather than required of every backend
// (an object store has no file descriptors and no free-space limit worth asking about).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "storage/driver.h"

namespace storage {

// A reader backed by an OS file, which the server can hand to sendfile(2).
class FileBackedReader {
 public:
  virtual ~FileBackedReader() = default;
  // A descriptor positioned at the reader's offset, owned by the reader.
  virtual int file_descriptor() const = 0;
};

// A driver whose space runs out, and which can say how much is left.
class SpaceLimitedDriver {
 public:
  virtual ~SpaceLimitedDriver() = default;
  // Bytes that can still be written.
  virtual Result<std::uint64_t> free_space() = 0;
};

// A driver whose writers' bytes are readable through reader() as soon as write() returns, before
// commit (a local file system). An object store makes bytes readable only once they are
// complete, so a caller that streams a file while writing it keeps its own copy there.
class ReadableWhileWriting {
 public:
  virtual ~ReadableWhileWriting() = default;
};

inline bool readable_while_writing(Driver& driver) {
  return dynamic_cast<ReadableWhileWriting*>(&driver) != nullptr;
}

// A driver whose files cannot grow past a size (an object store's largest object).
class FileSizeLimitedDriver {
 public:
  virtual ~FileSizeLimitedDriver() = default;
  virtual std::uint64_t max_file_size() const = 0;
};

// The largest file the driver takes, or nullopt for a driver without such a limit.
inline std::optional<std::uint64_t> max_file_size(Driver& driver) {
  const auto* limited = dynamic_cast<const FileSizeLimitedDriver*>(&driver);
  if (limited == nullptr) return std::nullopt;
  return limited->max_file_size();
}

// A driver whose files can be fetched by clients directly, from a URL that carries its own
// authorization (an S3 presigned URL), so that the server can redirect a blob GET there.
class PresignedUrlDriver {
 public:
  virtual ~PresignedUrlDriver() = default;
  // A GET URL for the file valid for `expiry`, or nullopt when this file has none or the
  // driver's configuration turns redirects off (then the server streams it as usual).
  virtual std::optional<std::string> presigned_url(std::string_view path,
                                                   std::chrono::seconds expiry) = 0;
};

// A file written at its final path but invisible there until published, so that a writer
// who knows where the bytes belong before they arrive (a blob pushed with its digest) skips
// the move afterwards: on an object store a move is a copy of every byte.
class StagedWriter {
 public:
  // Dropped unpublished, it leaves nothing behind and the path as it was.
  virtual ~StagedWriter() = default;
  virtual Result<void> write(std::span<const std::byte> bytes) = 0;
  virtual std::uint64_t size() const = 0;
  // Makes the file appear at its path, replacing any file there; durable when it returns.
  // The writer may not be used afterwards.
  virtual Result<void> publish() = 0;
};

class StagedWriteDriver {
 public:
  virtual ~StagedWriteDriver() = default;
  // `size`, when the file's size is known before its bytes arrive: the driver may send them
  // on as they come then, and the writer refuses more bytes, or a publish of fewer.
  virtual Result<std::unique_ptr<StagedWriter>> staged_writer(
      std::string_view path, std::optional<std::uint64_t> size) = 0;
};

// The driver's staged writes, or null for a driver whose move() is cheap (a rename).
inline StagedWriteDriver* staged_writes(Driver& driver) {
  return dynamic_cast<StagedWriteDriver*>(&driver);
}

// The reader's file descriptor when it has one (a fast path: read() works for every reader).
inline std::optional<int> file_descriptor(const Reader& reader) {
  const auto* file = dynamic_cast<const FileBackedReader*>(&reader);
  if (file == nullptr) return std::nullopt;
  return file->file_descriptor();
}

// The driver's space limit, or null for a driver without one.
inline SpaceLimitedDriver* space_limit(Driver& driver) {
  return dynamic_cast<SpaceLimitedDriver*>(&driver);
}

// The driver's presigned URLs, or null for a driver without them.
inline PresignedUrlDriver* presigned_urls(Driver& driver) {
  return dynamic_cast<PresignedUrlDriver*>(&driver);
}

}  // namespace storage
