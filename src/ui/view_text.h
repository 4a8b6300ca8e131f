// The small pieces of text the views are made of: times, platforms, cosign's tag names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ui {

// RFC 3339 in UTC, whole seconds: "2026-12-05T09:00:00Z".
std::string format_time(std::int64_t unix_seconds);

struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;

  // "linux/arm64/v8", "linux/amd64"; "" when the os is unknown.
  std::string text() const;
  // {"os","architecture","variant"}
  nlohmann::json to_json() const;
  // The platform of a descriptor's `platform` object or of an image config (the same members).
  static Platform from_json(const nlohmann::json& object);
};

// Attestation manifests in an index (BuildKit's provenance) name this platform.
inline constexpr std::string_view kUnknownPlatform = "unknown/unknown";

// Whether `text` contains `needle`, ASCII letters compared without case ("" is in everything).
bool contains_ignoring_case(std::string_view text, std::string_view needle);

}  // namespace ui
