// Go's %q for strings: containers/image quotes user input that way in its error messages,
// and ours must read the same.
#pragma once

#include <string>
#include <string_view>

namespace nodeconf {

// "a\"b" -> "\"a\\\"b\"": printable ASCII and valid UTF-8 kept, control characters and
// invalid bytes escaped.
std::string go_quote(std::string_view text);

}  // namespace nodeconf
