// Upload session ids: random UUIDs (version 4). An id from a URL is checked before it is
// used to build a storage path.
#pragma once

#include <string>
#include <string_view>

namespace registry {

std::string new_upload_id();
bool is_valid_upload_id(std::string_view id);

}  // namespace registry
