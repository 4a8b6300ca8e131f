#include "storage/s3_segments.h"

#include <charconv>

namespace storage {

namespace {

constexpr std::string_view kHeader = "regmirror-segments 1\n";

bool parse_number(std::string_view text, std::uint64_t& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

}  // namespace

std::uint64_t SegmentIndex::size() const {
  std::uint64_t total = 0;
  for (const auto& segment : segments) total += segment.used;
  return total;
}

std::string segment_key(std::string_view file_key, std::string_view name) {
  return std::string(file_key) + std::string(kSegmentsInfix) + std::string(name);
}

std::string serialize(const SegmentIndex& index) {
  std::string text(kHeader);
  for (const auto& segment : index.segments) {
    text += std::to_string(segment.used) + " " + std::to_string(segment.stored) + " " +
            segment.name + "\n";
  }
  return text;
}

sys::Result<SegmentIndex> parse_segment_index(std::string_view text) {
  if (!text.starts_with(kHeader)) {
    return sys::fail(sys::Errc::kIo, "S3 segment index: unknown format");
  }
  text.remove_prefix(kHeader.size());
  SegmentIndex index;
  while (!text.empty()) {
    const auto end = text.find('\n');
    if (end == std::string_view::npos) {
      return sys::fail(sys::Errc::kIo, "S3 segment index: truncated line");
    }
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end + 1);
    const auto first = line.find(' ');
    const auto second = line.find(' ', first == std::string_view::npos ? first : first + 1);
    Segment segment;
    if (second == std::string_view::npos || !parse_number(line.substr(0, first), segment.used) ||
        !parse_number(line.substr(first + 1, second - first - 1), segment.stored) ||
        segment.used > segment.stored || second + 1 == line.size()) {
      return sys::fail(sys::Errc::kIo, "S3 segment index: bad line \"" + std::string(line) + "\"");
    }
    segment.name = std::string(line.substr(second + 1));
    index.segments.push_back(std::move(segment));
  }
  return index;
}

SegmentIndex truncated(const SegmentIndex& index, std::uint64_t keep) {
  SegmentIndex kept;
  for (const auto& segment : index.segments) {
    if (keep == 0) break;
    Segment part = segment;
    part.used = std::min(segment.used, keep);
    keep -= part.used;
    kept.segments.push_back(std::move(part));
  }
  return kept;
}

std::vector<CopyRange> plan_part_copies(std::uint64_t size, std::uint64_t part_size) {
  std::vector<CopyRange> parts;
  for (std::uint64_t at = 0; at < size; at += part_size) {
    parts.push_back({static_cast<int>(parts.size()) + 1, at, std::min(size, at + part_size) - 1});
  }
  return parts;
}

}  // namespace storage
