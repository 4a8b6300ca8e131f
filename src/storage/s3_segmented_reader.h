// Reads a segmented file (storage/s3_segments.h) from an offset, streaming one segment after
// the other.
#pragma once

#include <memory>
#include <string>

#include "storage/s3_client.h"
#include "storage/s3_segments.h"

namespace storage {

std::unique_ptr<Reader> make_segmented_reader(std::shared_ptr<S3Client> client,
                                              std::string file_key, SegmentIndex index,
                                              std::uint64_t offset);

}  // namespace storage
