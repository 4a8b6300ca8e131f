// The driver for S3-compatible object stores (AWS S3, MinIO, Ceph RGW), passing the same
// conformance suite as the filesystem driver. The mapping:
// - put_content and move targets are plain objects at "<prefix><path>";
// - writer() files are segmented (storage/s3_segments.h, storage/s3_writer.h): bytes are
//   spooled to local disk (at most two parts per writer), never held in memory;
// - move() is a server-side CopyObject (part by part above 5 GiB) of a plain or
//   single-segment file, else the segments are assembled into one object by a multipart
//   upload (UploadPartCopy where the store has it, else streamed through a bounded spool);
//   then the source is deleted. Objects appear whole or not at all;
// - remove() of a directory deletes every key under its prefix; list() is ListObjectsV2
//   with a '/' delimiter.
#pragma once

#include <filesystem>
#include <memory>

#include "storage/driver.h"
#include "storage/s3_options.h"

namespace storage {

// `spool_directory`: where writers spool their parts (created when missing).
Result<std::unique_ptr<Driver>> make_s3_driver(const S3Options& options,
                                               std::filesystem::path spool_directory);

}  // namespace storage
