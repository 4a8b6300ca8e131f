// libFuzzer target for what sync/ reads from users: the first byte picks the parser (sync.yaml,
// semver versions and ranges, one per line), the rest is its input. Each result must keep its
// invariants: a sync config holds normalized, valid values whose filters pick only listed tags;
// versions are totally ordered and ranges agree with their own bounds.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "oci/digest.h"
#include "sync/semver.h"
#include "sync/sync_config.h"
#include "sync/tag_filter.h"

namespace {

namespace semver = imagesync::semver;

void require(bool invariant) {
  if (!invariant) __builtin_trap();
}

// Short, so that a backtracking tag-regex stays fast.
const std::vector<std::string> kTags = {"latest", "v1.2.3",   "1.2",   "1.10.0-rc.1",
                                        "2",      "v0.0.1-0", "stable"};

void check_sync_config(std::string_view text) {
  const oci::Result<imagesync::SyncConfig> config = imagesync::parse_sync_config(text, "sync.yaml");
  if (!config) {
    require(config.error().message.starts_with("sync.yaml:"));
    return;
  }
  require(!config->images.empty());
  for (const imagesync::Destination& registry : config->registries) {
    const auto again = imagesync::Destination::parse(registry.str());
    require(again && again->host == registry.host && again->prefix == registry.prefix);
  }
  for (const imagesync::RewriteRule& rule : config->rewrite) {
    require(imagesync::validate_rewrite(rule).has_value());
  }
  for (const imagesync::ImageEntry& image : config->images) {
    const auto source = oci::Reference::parse_normalized(image.source.str());
    require(source && *source == image.source);
    require(image.line > 0);
    for (const std::string& digest : image.digests) require(oci::Digest::is_valid(digest));
    if (!image.is_repository()) continue;
    const std::vector<std::string> picked = imagesync::select_tags(image.filter, kTags);
    for (const std::string& tag : picked) {
      require(std::ranges::find(kTags, tag) != kTags.end() ||
              std::ranges::find(image.filter.tags, tag) != image.filter.tags.end());
    }
    require(!image.filter.newest ||
            picked.size() <= static_cast<std::size_t>(*image.filter.newest));
  }
}

std::string print(const semver::Version& version) {
  std::string text = fmt::format("{}.{}.{}", version.major, version.minor, version.patch);
  if (!version.prerelease.empty()) text += fmt::format("-{}", fmt::join(version.prerelease, "."));
  return text;
}

// Every line is read as a version and as a range.
void check_semver(std::string_view input) {
  std::vector<std::string> lines;
  while (lines.size() < 16) {
    const std::size_t newline = input.find('\n');
    lines.emplace_back(input.substr(0, newline));
    if (newline == std::string_view::npos) break;
    input.remove_prefix(newline + 1);
  }
  std::vector<semver::Version> versions;
  std::vector<semver::Range> ranges;
  for (const std::string& line : lines) {
    if (auto version = semver::Version::parse(line)) {
      require(semver::compare(*version, *version) == 0);
      const std::string printed = print(*version);
      const auto again = semver::Version::parse(printed);
      require(again && semver::compare(*again, *version) == 0 &&
              again->prerelease == version->prerelease);
      if (printed.size() <= 1000) {
        const auto exact = semver::Range::parse(printed);
        require(exact && exact->matches(*version));
        const auto at_least = semver::Range::parse(">=" + printed);
        require(at_least && at_least->matches(*version));
        const auto below = semver::Range::parse("<" + printed);
        require(below && !below->matches(*version));
      }
      versions.push_back(std::move(*version));
    }
    if (auto range = semver::Range::parse(line)) ranges.push_back(std::move(*range));
  }
  for (const auto& a : versions) {
    for (const auto& b : versions) {
      const int ab = semver::compare(a, b);
      require(ab == -semver::compare(b, a));
      for (const auto& c : versions) {
        if (ab <= 0 && semver::compare(b, c) <= 0) require(semver::compare(a, c) <= 0);
      }
    }
    for (const auto& range : ranges) (void)range.matches(a);
  }
  // The tag order sync's `newest` uses: versions first, highest first.
  std::vector<std::string> sorted = lines;
  imagesync::sort_newest_first(sorted);
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    const auto before = semver::Version::parse(sorted[i - 1]);
    const auto after = semver::Version::parse(sorted[i]);
    require(before || !after);
    if (before && after) require(semver::compare(*before, *after) >= 0);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    check_sync_config(input);
  } else {
    check_semver(input);
  }
  return 0;
}
