// The id of a request, sent back in X-Request-Id and written in its access line, so a client's
// report and the server's log can be matched. A client's own id is kept when it is sane.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace server {

inline constexpr std::size_t kMaxRequestIdLength = 128;

// 1 to kMaxRequestIdLength visible ASCII characters (no space, no control character): safe
// to echo in a header and to write in a log line.
bool sane_request_id(std::string_view id);

// A fresh id: 32 lowercase hex digits (128 random bits), written over `out`.
void new_request_id(std::string& out);

}  // namespace server
