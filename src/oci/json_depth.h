// How deep JSON text nests, counted on the bytes before anything parses them. nlohmann's parser
// keeps its own stack, but copying a json value and dump() recurse once per level: text from a
// registry or a file, nested 100000 deep in 200 KB, would exhaust the stack there.
#pragma once

#include <string_view>

namespace oci {

// Real manifests, error bodies and auth files nest a handful of levels.
inline constexpr int kMaxJsonNesting = 64;

// True when arrays and objects in `text` nest deeper than `limit` ('[' and '{' inside strings
// do not count). Meant for text about to be parsed: it does not check that the JSON is valid.
bool json_nests_deeper_than(std::string_view text, int limit = kMaxJsonNesting);

}  // namespace oci
