#include "oci/tag_regex.h"

#include <cctype>

namespace oci {
namespace {

constexpr std::size_t kMaxRepetitionCount = 1000;

bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// An escaped backslash (\\) is not a back-reference.
bool has_back_reference(std::string_view regex) {
  for (std::size_t i = 0; i + 1 < regex.size(); ++i) {
    if (regex[i] != '\\') continue;
    if (is_digit(regex[i + 1])) return true;
    ++i;  // the escaped character
  }
  return false;
}

// Whether the counts of "{n}", "{n,}" or "{n,m}" (what lies between the braces) stay within
// kMaxRepetitionCount; anything else between braces is left to the parser.
bool counts_within_bound(std::string_view counts) {
  std::size_t run = 0;
  std::size_t value = 0;
  for (const char c : counts) {
    if (!is_digit(c)) {
      run = value = 0;
      continue;
    }
    if (++run > 4) return false;
    value = value * 10 + static_cast<std::size_t>(c - '0');
    if (value > kMaxRepetitionCount) return false;
  }
  return true;
}

// The first problem of the repetitions ("" when none): a repeated one or a count too large.
std::string repetition_problem(std::string_view regex) {
  bool after_repetition = false;
  bool in_class = false;
  for (std::size_t i = 0; i < regex.size(); ++i) {
    const char c = regex[i];
    if (c == '\\') {
      ++i;  // the escaped character
      after_repetition = false;
      continue;
    }
    if (in_class) {
      in_class = c != ']';
      continue;
    }
    const bool repetition = c == '*' || c == '+' || c == '?' || c == '{';
    if (repetition && after_repetition) {
      if (c != '?') return "repeats a repetition (\"**\", \"+*\"...), which RE2 and skopeo refuse";
      after_repetition = false;  // the lazy mark
      continue;
    }
    if (c == '{') {
      const std::size_t close = regex.find('}', i);
      if (close == std::string_view::npos) return {};  // a literal brace: the parser decides
      if (!counts_within_bound(regex.substr(i + 1, close - i - 1))) {
        return "repeats more than 1000 times, which RE2 and skopeo refuse";
      }
      i = close;
    }
    in_class = c == '[';
    after_repetition = repetition;
  }
  return {};
}

}  // namespace

std::expected<std::regex, std::string> compile_tag_regex(std::string_view text) {
  if (text.size() > kMaxTagRegexBytes) return std::unexpected("is longer than 1024 bytes");
  if (has_back_reference(text)) {
    return std::unexpected("back-references (\\1...) are not supported, as in skopeo sync");
  }
  if (std::string problem = repetition_problem(text); !problem.empty()) {
    return std::unexpected(std::move(problem));
  }
  try {
    return std::regex(text.begin(), text.end(), std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return std::unexpected(std::string("invalid regular expression: ") + e.what());
  }
}

}  // namespace oci
