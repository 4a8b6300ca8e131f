// The path syntax every driver accepts (see driver.h), checked before touching a backend.
#pragma once

#include <string_view>

#include "sys/error.h"

namespace storage {

// One component: [A-Za-z0-9._-]+, neither "." nor "..".
bool is_valid_path_component(std::string_view name);

// kPathEscape unless `path` is one or more valid components joined by '/'.
sys::Result<void> check_path(std::string_view path);

}  // namespace storage
