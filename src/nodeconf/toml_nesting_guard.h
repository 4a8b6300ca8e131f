// toml++ recurses once per nesting level while parsing and destroying a document, so a
// hostile registries.conf ("[a.a.a....]" with 50 000 parts) overflows the stack. This
// lexical pre-scan refuses such documents before toml++ sees them. Real registries.conf
// files nest three levels deep at most.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace nodeconf {

inline constexpr int kMaxDottedKeyParts = 32;
inline constexpr int kMaxBracketDepth = 64;

// An error "SOURCE:LINE:COLUMN: ..." when a dotted key has more than kMaxDottedKeyParts
// parts or arrays and inline tables nest deeper than kMaxBracketDepth; nullopt otherwise.
// Malformed documents that pass are left for toml++ to report.
std::optional<std::string> check_toml_nesting(std::string_view text, std::string_view source);

}  // namespace nodeconf
