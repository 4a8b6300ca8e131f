// Percent-encoding (RFC 3986 section 2.1) of URL query values and form bodies, as the
// distribution API's clients and servers write and read them. Pure string work.
#pragma once

#include <string>
#include <string_view>

namespace oci {

// Percent-encodes everything but RFC 3986 unreserved characters, with upper-case hex digits.
std::string percent_encode(std::string_view text);
// Decodes %XX escapes and, as in form-encoded queries, '+' as a space. A '%' not followed by
// two hex digits stays as it is.
std::string percent_decode(std::string_view text);

}  // namespace oci
