// The signature of a webhook request: `X-Regmirror-Signature: t=<unix seconds>,v1=<hex>`, the
// hex being HMAC-SHA256 with the endpoint's secret of "<t>.<body>". Receivers recompute it and
// refuse old timestamps (docs/events.md), so a recorded request cannot be replayed later.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace events {

inline constexpr std::string_view kSignatureHeader = "X-Regmirror-Signature";

std::string signature(std::string_view secret, std::int64_t unix_seconds, std::string_view body);

}  // namespace events
