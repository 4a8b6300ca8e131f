// sync.yaml: which images `regmirror sync` copies, and to which registries. Strict: an
// unknown key, a wrong type or a value that does not parse is an error naming the file and
// line. docs/sync.md describes every key.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "oci/error.h"
#include "oci/reference.h"
#include "sync/repository_mapping.h"
#include "sync/tag_filter.h"
#include "transfer/copy_image.h"

namespace imagesync {

struct ImageEntry {
  // Normalized. Name only: a repository whose tags `filter` picks; with a tag or a digest:
  // that one image.
  oci::Reference source;
  TagFilter filter;
  std::vector<std::string> digests;           // validated "sha256:..."
  std::vector<transfer::Platform> platforms;  // empty: the whole index
  int line = 0;                               // in sync.yaml, for messages

  bool is_repository() const { return source.is_name_only(); }
};

struct SyncConfig {
  std::vector<Destination> registries;  // may be empty when only archiving
  std::vector<ImageEntry> images;       // at least one
  std::vector<RewriteRule> rewrite;
};

// Larger files are refused before parsing.
inline constexpr std::size_t kMaxSyncConfigBytes = std::size_t{4} * 1024 * 1024;

oci::Result<SyncConfig> load_sync_config(const std::filesystem::path& file);
// `source_name` labels errors ("sync.yaml:12: ...").
oci::Result<SyncConfig> parse_sync_config(std::string_view text, std::string_view source_name);

}  // namespace imagesync
