// UTF-8 validity as Go's unicode/utf8 decodes it (no overlong forms, no surrogates, nothing
// above U+10FFFF): reference parsing and error quoting must treat bad bytes as Go does.
#pragma once

#include <cstddef>
#include <string_view>

namespace oci {

// Length of the valid UTF-8 sequence starting at text[at] (1 for ASCII), or 0 when the
// bytes there are not valid UTF-8.
std::size_t utf8_sequence_length(std::string_view text, std::size_t at);

bool is_valid_utf8(std::string_view text);

}  // namespace oci
