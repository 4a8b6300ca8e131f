#include "sync/semver.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <limits>

namespace imagesync::semver {
namespace {

bool is_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_identifier(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
  });
}

std::optional<std::uint64_t> number(std::string_view text) {
  if (!is_digits(text)) return std::nullopt;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const auto end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

// "rc.1" -> {"rc", "1"}; nullopt when an identifier is empty or has other characters.
std::optional<std::vector<std::string>> parse_prerelease(std::string_view text) {
  std::vector<std::string> identifiers;
  for (std::string_view part : split(text, '.')) {
    if (!is_identifier(part)) return std::nullopt;
    identifiers.emplace_back(part);
  }
  return identifiers;
}

// Numeric identifiers by value (any length: by digit count once leading zeros are gone).
int compare_identifier(std::string_view a, std::string_view b) {
  const bool a_num = is_digits(a);
  const bool b_num = is_digits(b);
  if (a_num && b_num) {
    a.remove_prefix(std::min(a.find_first_not_of('0'), a.size()));
    b.remove_prefix(std::min(b.find_first_not_of('0'), b.size()));
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  } else if (a_num != b_num) {
    return a_num ? -1 : 1;
  }
  const int c = a.compare(b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

// A version as written in a range: missing or "x"/"X"/"*" components are wildcards.
struct Partial {
  std::optional<std::uint64_t> major, minor, patch;
  std::vector<std::string> prerelease;
};

oci::Result<Partial> parse_partial(std::string_view text, std::string_view range) {
  const auto bad = [&](std::string_view why) {
    return oci::fail(oci::ErrorCode::kInternal,
                     fmt::format("invalid semver range \"{}\": \"{}\" {}", range, text, why));
  };
  std::string_view rest = text;
  if (rest.starts_with('v') || rest.starts_with('V')) rest.remove_prefix(1);
  Partial partial;
  if (const auto dash = rest.find('-'); dash != std::string_view::npos) {
    auto identifiers = parse_prerelease(rest.substr(dash + 1));
    if (!identifiers) return bad("has an invalid prerelease");
    partial.prerelease = std::move(*identifiers);
    rest = rest.substr(0, dash);
  }
  const auto parts = split(rest, '.');
  if (parts.size() > 3) return bad("has more than three numbers");
  std::optional<std::uint64_t>* slots[] = {&partial.major, &partial.minor, &partial.patch};
  bool wildcard = false;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i] == "x" || parts[i] == "X" || parts[i] == "*") {
      wildcard = true;
      continue;
    }
    if (wildcard) return bad("has a number after a wildcard");
    auto value = number(parts[i]);
    if (!value) return bad("is not a version");
    *slots[i] = value;
  }
  if (!partial.prerelease.empty() && !partial.patch) {
    return bad("has a prerelease without major.minor.patch");
  }
  return partial;
}

using Op = Range::Op;
using Comparator = Range::Comparator;

Version at_least(const Partial& p) {
  return Version{p.major.value_or(0), p.minor.value_or(0), p.patch.value_or(0), p.prerelease};
}

// The lowest prerelease of major.minor.patch: "<1.3.0-0" excludes 1.3.0's prereleases too.
Version floor_of(std::uint64_t major, std::uint64_t minor, std::uint64_t patch) {
  return Version{major, minor, patch, {"0"}};
}

// The first version past what a partial with wildcards covers ("1.2" -> 1.3.0-0);
// nullopt when nothing is past it (a wildcard major, or a number at its maximum).
std::optional<Version> past(const Partial& p) {
  constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
  if (!p.major) return std::nullopt;
  if (!p.minor) {
    if (*p.major == kMax) return std::nullopt;
    return floor_of(*p.major + 1, 0, 0);
  }
  if (*p.minor == kMax) return std::nullopt;
  return floor_of(*p.major, *p.minor + 1, 0);
}

// Nothing is below 0.0.0-0: the comparator no version satisfies.
Comparator never() { return Comparator{Op::kLess, floor_of(0, 0, 0)}; }

void add_below(std::vector<Comparator>& out, const std::optional<Version>& bound) {
  if (bound) out.push_back(Comparator{Op::kLess, *bound});
}

// One operator and partial -> comparators (none: any version).
std::vector<Comparator> desugar(std::string_view op, const Partial& p) {
  const bool exact = p.patch.has_value();
  const bool allows = !p.prerelease.empty();
  std::vector<Comparator> out;
  if (op.empty() || op == "=") {
    if (exact) return {Comparator{Op::kEqual, at_least(p), allows}};
    if (p.major) out.push_back(Comparator{Op::kGreaterEqual, at_least(p)});
    add_below(out, past(p));
  } else if (op == ">") {
    if (!p.major) return {never()};
    if (exact) return {Comparator{Op::kGreater, at_least(p), allows}};
    auto bound = past(p);
    if (!bound) return {never()};
    bound->prerelease.clear();
    out.push_back(Comparator{Op::kGreaterEqual, *bound});
  } else if (op == ">=") {
    if (p.major) out.push_back(Comparator{Op::kGreaterEqual, at_least(p), allows});
  } else if (op == "<") {
    if (!p.major) return {never()};
    if (exact) return {Comparator{Op::kLess, at_least(p), allows}};
    out.push_back(Comparator{Op::kLess, floor_of(*p.major, p.minor.value_or(0), 0)});
  } else if (op == "<=") {
    if (exact) return {Comparator{Op::kLessEqual, at_least(p), allows}};
    add_below(out, past(p));
  } else if (op == "~" || op == "~>") {
    if (!p.major) return out;
    out.push_back(Comparator{Op::kGreaterEqual, at_least(p), allows});
    // ~1.2.3 and ~1.2 allow patch changes, ~1 minor changes.
    add_below(out, past(Partial{p.major, p.minor, std::nullopt, {}}));
  } else {  // "^": changes that do not modify the left-most non-zero number
    if (!p.major) return out;
    out.push_back(Comparator{Op::kGreaterEqual, at_least(p), allows});
    if (*p.major > 0 || !p.minor) {
      add_below(out, past(Partial{p.major, std::nullopt, std::nullopt, {}}));
    } else if (*p.minor > 0 || !p.patch) {
      add_below(out, past(Partial{p.major, p.minor, std::nullopt, {}}));
    } else if (*p.patch < std::numeric_limits<std::uint64_t>::max()) {
      out.push_back(Comparator{Op::kLess, floor_of(0, 0, *p.patch + 1)});
    }
  }
  return out;
}

bool satisfies(const Version& v, const Comparator& c) {
  const int order = compare(v, c.version);
  switch (c.op) {
    case Op::kLess:
      return order < 0;
    case Op::kLessEqual:
      return order <= 0;
    case Op::kGreater:
      return order > 0;
    case Op::kGreaterEqual:
      return order >= 0;
    case Op::kEqual:
      return order == 0;
  }
  return false;
}

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ' || text[i] == '\t') {
      ++i;
      continue;
    }
    const auto end = text.find_first_of(" \t", i);
    out.push_back(text.substr(i, end - i));
    i = end == std::string_view::npos ? text.size() : end;
  }
  return out;
}

std::string_view leading_operator(std::string_view word) {
  for (std::string_view op : {">=", "<=", "~>", ">", "<", "=", "~", "^"}) {
    if (word.starts_with(op)) return op;
  }
  return {};
}

oci::Result<std::vector<Comparator>> parse_alternative(std::string_view text,
                                                       std::string_view range) {
  auto tokens = words(text);
  std::vector<Comparator> out;
  if (tokens.size() == 3 && tokens[1] == "-") {  // hyphen range "1.2.3 - 2.3"
    auto low = parse_partial(tokens[0], range);
    if (!low) return std::unexpected(low.error());
    auto high = parse_partial(tokens[2], range);
    if (!high) return std::unexpected(high.error());
    out = desugar(">=", *low);
    auto upper = desugar("<=", *high);
    out.insert(out.end(), upper.begin(), upper.end());
    return out;
  }
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    std::string_view op = leading_operator(tokens[i]);
    std::string_view version = tokens[i].substr(op.size());
    if (version.empty() && !op.empty()) {  // ">= 1.2": the operator stands alone
      if (i + 1 == tokens.size()) {
        return oci::fail(
            oci::ErrorCode::kInternal,
            fmt::format("invalid semver range \"{}\": \"{}\" has no version", range, op));
      }
      version = tokens[++i];
    }
    auto partial = parse_partial(version, range);
    if (!partial) return std::unexpected(partial.error());
    auto comparators = desugar(op, *partial);
    out.insert(out.end(), comparators.begin(), comparators.end());
  }
  return out;
}

}  // namespace

std::optional<Version> Version::parse(std::string_view tag) {
  if (tag.starts_with('v') || tag.starts_with('V')) tag.remove_prefix(1);
  Version version;
  if (const auto dash = tag.find('-'); dash != std::string_view::npos) {
    auto identifiers = parse_prerelease(tag.substr(dash + 1));
    if (!identifiers) return std::nullopt;
    version.prerelease = std::move(*identifiers);
    tag = tag.substr(0, dash);
  }
  const auto parts = split(tag, '.');
  if (parts.size() > 3) return std::nullopt;
  std::uint64_t* slots[] = {&version.major, &version.minor, &version.patch};
  for (std::size_t i = 0; i < parts.size(); ++i) {
    auto value = number(parts[i]);
    if (!value) return std::nullopt;
    *slots[i] = *value;
  }
  return version;
}

int compare(const Version& a, const Version& b) {
  for (auto [x, y] : {std::pair{a.major, b.major}, {a.minor, b.minor}, {a.patch, b.patch}}) {
    if (x != y) return x < y ? -1 : 1;
  }
  // A version without a prerelease ranks above any of its prereleases.
  if (a.prerelease.empty() || b.prerelease.empty()) {
    return a.prerelease.empty() == b.prerelease.empty() ? 0 : a.prerelease.empty() ? 1 : -1;
  }
  const std::size_t common = std::min(a.prerelease.size(), b.prerelease.size());
  for (std::size_t i = 0; i < common; ++i) {
    if (int c = compare_identifier(a.prerelease[i], b.prerelease[i]); c != 0) return c;
  }
  if (a.prerelease.size() == b.prerelease.size()) return 0;
  return a.prerelease.size() < b.prerelease.size() ? -1 : 1;
}

oci::Result<Range> Range::parse(std::string_view text) {
  if (text.size() > 1024) {
    return oci::fail(oci::ErrorCode::kInternal, "invalid semver range: longer than 1024 bytes");
  }
  Range range;
  std::size_t start = 0;
  for (;;) {
    const auto end = text.find("||", start);
    auto alternative = parse_alternative(text.substr(start, end - start), text);
    if (!alternative) return std::unexpected(alternative.error());
    range.alternatives_.push_back(std::move(*alternative));
    if (end == std::string_view::npos) return range;
    start = end + 2;
  }
}

bool Range::matches(const Version& version) const {
  return std::any_of(alternatives_.begin(), alternatives_.end(), [&](const auto& comparators) {
    const bool all = std::all_of(comparators.begin(), comparators.end(),
                                 [&](const Comparator& c) { return satisfies(version, c); });
    if (!all || version.prerelease.empty()) return all;
    return std::any_of(comparators.begin(), comparators.end(), [&](const Comparator& c) {
      return c.allows_prerelease && c.version.major == version.major &&
             c.version.minor == version.minor && c.version.patch == version.patch;
    });
  });
}

}  // namespace imagesync::semver
