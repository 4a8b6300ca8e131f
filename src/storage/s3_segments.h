// A file written through Driver::writer() on S3 is "segmented": S3 cannot append, so each
// writer session uploads its bytes as a new segment object, and an index object at the file's
// key lists the segments in order. The index is marked by object metadata (kSegmentsMetadata,
// with the logical size in kSizeMetadata, so that stat is one HEAD); segments live under
// "<key>~segments/", which no driver path can name ('~' is not a path character), so list()
// never shows them. Pure: the format and its arithmetic, no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sys/error.h"

namespace storage {

inline constexpr std::string_view kSegmentsMetadata = "regmirror-segments";
inline constexpr std::string_view kSizeMetadata = "regmirror-size";
inline constexpr std::string_view kSegmentsInfix = "~segments/";

struct Segment {
  std::string name;          // the object is "<file key>~segments/<name>"
  std::uint64_t used = 0;    // bytes of the file it holds (its first `used` bytes)
  std::uint64_t stored = 0;  // bytes the object holds (more than used after a truncation)
};

struct SegmentIndex {
  std::vector<Segment> segments;
  std::uint64_t size() const;
};

std::string segment_key(std::string_view file_key, std::string_view name);

// "regmirror-segments 1\n" then "<used> <stored> <name>\n" per segment.
std::string serialize(const SegmentIndex& index);
sys::Result<SegmentIndex> parse_segment_index(std::string_view text);

// The segments that hold the first `keep` bytes (the last one used for fewer bytes when
// `keep` falls inside it); `keep` must not exceed index.size().
SegmentIndex truncated(const SegmentIndex& index, std::uint64_t keep);

// The largest object one CopyObject may copy; bigger ones are copied part by part.
inline constexpr std::uint64_t kMaxCopyObjectSize = std::uint64_t{5} << 30;
// The largest object one PutObject may write.
inline constexpr std::uint64_t kMaxPutObjectSize = std::uint64_t{5} << 30;

struct CopyRange {
  int part_number = 0;
  std::uint64_t first = 0;  // inclusive
  std::uint64_t last = 0;   // inclusive
};
// The UploadPartCopy parts that copy `size` bytes: `part_size` each (the last one shorter).
std::vector<CopyRange> plan_part_copies(std::uint64_t size, std::uint64_t part_size);

}  // namespace storage
