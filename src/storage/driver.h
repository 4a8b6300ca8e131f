// Blob bytes behind one small interface (after distribution's storagedriver and LevelDB's
// Env). Paths are relative, '/'-separated, made of [A-Za-z0-9._-] components, never "." or
// "..": a driver rejects anything else with kInternal before touching the backend.
// Every backend passes the one suite in driver_conformance.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "oci/error.h"

namespace storage {

using oci::Result;

struct FileInfo {
  std::uint64_t size = 0;
  std::int64_t modified_unix = 0;  // seconds
};

class Reader {
 public:
  virtual ~Reader() = default;
  // Reads up to buffer.size() bytes; 0 means end of file.
  virtual Result<std::size_t> read(std::span<std::byte> buffer) = 0;
  // An OS file descriptor positioned at the reader's offset, for sendfile(2); -1 when the
  // backend has none. The reader owns it.
  virtual int native_handle() const { return -1; }
};

class Writer {
 public:
  virtual ~Writer() = default;
  virtual Result<void> write(std::span<const std::byte> bytes) = 0;
  // Bytes in the file, including what it held before an append.
  virtual std::uint64_t size() const = 0;
  // Makes everything written durable (flush + fsync). The writer may not be used afterwards.
  // Dropping a writer without commit keeps what was written, not necessarily durably.
  virtual Result<void> commit() = 0;
};

class Driver {
 public:
  virtual ~Driver() = default;

  // kNotFound when the path does not exist.
  virtual Result<FileInfo> stat(std::string_view path) = 0;
  // A reader positioned at `offset`; kNotFound when missing.
  virtual Result<std::unique_ptr<Reader>> reader(std::string_view path, std::uint64_t offset) = 0;
  // Opens for writing, creating parent directories. With `append`, an existing file is
  // continued; otherwise it is truncated.
  virtual Result<std::unique_ptr<Writer>> writer(std::string_view path, bool append) = 0;
  // Whole small content, written to a temporary file, fsynced and renamed into place.
  virtual Result<void> put_content(std::string_view path, std::string_view content) = 0;
  // Whole content; kSizeInvalid when larger than `max_size`, kNotFound when missing.
  virtual Result<std::string> get_content(std::string_view path, std::uint64_t max_size) = 0;
  // Atomic rename replacing `to`, durable when it returns (the directory is fsynced).
  virtual Result<void> move(std::string_view from, std::string_view to) = 0;
  // Removes a file or a directory tree. Removing a missing path succeeds.
  virtual Result<void> remove(std::string_view path) = 0;
  // Names (not paths) of the direct children of a directory, sorted; empty when missing.
  virtual Result<std::vector<std::string>> list(std::string_view directory) = 0;
  // Bytes that can still be written; a backend without a limit answers UINT64_MAX. Lets an
  // upload that cannot fit be refused before its body is read.
  virtual Result<std::uint64_t> free_space() = 0;
};

}  // namespace storage
