// The web UI's files (src/ui/assets/), built into the binary by embed_assets.cmake: served by
// server/ui_handler.cc at /ui/assets/<name>, index.html also for every page of the app.
#pragma once

#include <string_view>

namespace ui {

struct Asset {
  std::string_view name;          // the file's name in assets/, e.g. "app.js"
  std::string_view content_type;  // by extension, with a charset for text
  std::string_view body;          // the file's bytes, exactly
  std::string_view etag;          // the SHA-256 of the bytes in hex, between double quotes
};

// The asset of that name (exact, case-sensitive), nullptr when none.
const Asset* find_asset(std::string_view name);

}  // namespace ui
