// Tag regexes as skopeo and oc-mirror read them (Go's RE2), compiled with std::regex
// (ECMAScript) once what RE2 refuses, and what libstdc++ would handle badly, is refused.
#pragma once

#include <expected>
#include <regex>
#include <string>
#include <string_view>

namespace oci {

inline constexpr std::size_t kMaxTagRegexBytes = 1024;

// The compiled regex, or why not: longer than kMaxTagRegexBytes (libstdc++ compiles
// recursively: deep nesting overflows the stack); a back-reference, a backslash before a digit
// (RE2 has none, and libstdc++ reads the number without a bound: undefined behaviour on a long
// one); a repetition of a repetition ("a**", "a+*", "a{2}+"; RE2 refuses it, and libstdc++'s
// backtracking takes exponential time on runs of them); a repetition count over 1000 (RE2's
// bound; libstdc++ reads the count without one and builds a state per repeat); or what
// std::regex refuses.
std::expected<std::regex, std::string> compile_tag_regex(std::string_view text);

}  // namespace oci
