// Driver::writer() on S3: one writer session appends one segment to a segmented file
// (storage/s3_segments.h). Its bytes go through an S3Upload (spools of two parts at most);
// commit() finishes the segment, then replaces the index object with one that lists it
// after the kept segments, then deletes the segments no index names any more.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "storage/s3_client.h"
#include "storage/s3_segments.h"

namespace storage {

// `kept`: the segments holding the bytes the writer keeps; `obsolete`: segment keys to delete
// once the new index is in place.
std::unique_ptr<Writer> make_segmented_writer(std::shared_ptr<S3Client> client,
                                              std::string file_key, SegmentIndex kept,
                                              std::vector<std::string> obsolete,
                                              const std::filesystem::path& spool_directory);

// The metadata that marks an index object and carries the file's size.
Metadata index_metadata(const SegmentIndex& index);

}  // namespace storage
