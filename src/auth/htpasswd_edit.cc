#include "auth/htpasswd_edit.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <optional>

#include "auth/htpasswd.h"

namespace auth {
namespace {

struct LineSpan {
  std::size_t begin;
  std::size_t end;  // past the line's '\n', or the end of the text
};

// Where the line of `user` is in `text`, read with Htpasswd::parse's rules (comments and
// blank lines are nobody's). `text` has been parsed, so a user has one line at most.
std::optional<LineSpan> find_user_line(std::string_view text, std::string_view user) {
  std::size_t begin = 0;
  while (begin < text.size()) {
    const std::size_t newline = text.find('\n', begin);
    const std::size_t end = newline == std::string_view::npos ? text.size() : newline + 1;
    const std::string_view line = text.substr(begin, end - begin);
    const std::size_t first = line.find_first_not_of(" \t\r\n");
    const bool entry = first != std::string_view::npos && line[first] != '#';
    if (entry && line.starts_with(user) && line.substr(user.size()).starts_with(':')) {
      return LineSpan{begin, end};
    }
    begin = end;
  }
  return std::nullopt;
}

// Refuses what the edit cannot start from: a file the server would not load, a bad name.
oci::Result<void> check_input(std::string_view text, std::string_view user) {
  if (oci::Result<Htpasswd> parsed = Htpasswd::parse(text); !parsed) {
    return std::unexpected(parsed.error());
  }
  if (std::string reason = invalid_user_reason(user); !reason.empty()) {
    return oci::fail(oci::ErrorCode::kUnsupported, std::move(reason));
  }
  return {};
}

}  // namespace

std::string invalid_user_reason(std::string_view user) {
  if (user.empty()) return "the user name is empty";
  if (user.front() == '#') return "a user name may not start with '#'";
  if (std::ranges::any_of(user, [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == ' ' || c == ':';
      })) {
    // Not quoted back: a control character would reach the terminal.
    return "a user name may not hold ':', a space or a control character";
  }
  return {};
}

oci::Result<HtpasswdEdit> set_htpasswd_user(std::string_view text, std::string_view user,
                                            std::string_view hash) {
  if (oci::Result<void> checked = check_input(text, user); !checked) {
    return std::unexpected(checked.error());
  }
  if (std::string reason = unsupported_hash_reason(hash); !reason.empty()) {
    return oci::fail(oci::ErrorCode::kUnsupported, std::move(reason));
  }
  const std::string line = fmt::format("{}:{}\n", user, hash);
  std::string edited(text);
  if (const std::optional<LineSpan> found = find_user_line(text, user)) {
    edited.replace(found->begin, found->end - found->begin, line);
    return HtpasswdEdit{std::move(edited), HtpasswdChange::kChanged};
  }
  if (!edited.empty() && !edited.ends_with('\n')) edited += '\n';
  edited += line;
  return HtpasswdEdit{std::move(edited), HtpasswdChange::kAdded};
}

oci::Result<HtpasswdEdit> delete_htpasswd_user(std::string_view text, std::string_view user) {
  if (oci::Result<void> checked = check_input(text, user); !checked) {
    return std::unexpected(checked.error());
  }
  const std::optional<LineSpan> found = find_user_line(text, user);
  if (!found) {
    return oci::fail(oci::ErrorCode::kNotFound, fmt::format("no user \"{}\" in the file", user));
  }
  std::string edited(text);
  edited.erase(found->begin, found->end - found->begin);
  return HtpasswdEdit{std::move(edited), HtpasswdChange::kDeleted};
}

}  // namespace auth
