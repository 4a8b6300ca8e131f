// Blob bytes behind one small interface (after distribution's storagedriver and LevelDB's
// Env). Paths are relative, '/'-separated, made of [A-Za-z0-9._-] components, never "." or
// "..": a driver rejects anything else with kPathEscape before touching the backend.
// Every backend passes the one suite in driver_conformance.h. Errors are sys::Error values
// (not found, invalid range, too large, path escape, I/O); registry/ translates them.
//
// Nothing here assumes a local file system, so that an object store can implement it. What
// only some backends can do is an optional capability (storage/capabilities.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sys/error.h"

namespace storage {

using sys::Result;

struct FileInfo {
  std::uint64_t size = 0;
  std::int64_t modified_unix = 0;  // seconds
};

class Reader {
 public:
  virtual ~Reader() = default;
  // Reads up to buffer.size() bytes; 0 means end of file.
  virtual Result<std::size_t> read(std::span<std::byte> buffer) = 0;
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
  // Opens for writing after the first `keep` bytes of the file, creating it and its parent
  // directories when missing; 0 starts it afresh. Bytes past `keep` are dropped, so that a
  // file left longer than its owner recorded (a crash between a write and the record)
  // continues where the record says. kInvalidRange when the file holds fewer than `keep`.
  virtual Result<std::unique_ptr<Writer>> writer(std::string_view path, std::uint64_t keep) = 0;
  // Whole small content, written to a temporary file, fsynced and renamed into place.
  virtual Result<void> put_content(std::string_view path, std::string_view content) = 0;
  // Whole content; kTooLarge when larger than `max_size`, kNotFound when missing.
  virtual Result<std::string> get_content(std::string_view path, std::uint64_t max_size) = 0;
  // Atomic rename replacing `to`, durable when it returns (the directory is fsynced).
  virtual Result<void> move(std::string_view from, std::string_view to) = 0;
  // Removes a file or a directory tree. Removing a missing path succeeds.
  virtual Result<void> remove(std::string_view path) = 0;
  // Names (not paths) of the direct children of a directory, sorted; empty when missing.
  virtual Result<std::vector<std::string>> list(std::string_view directory) = 0;
};

}  // namespace storage
