// Edits of an htpasswd file as text, for `regmirror passwd`: one user's line set or removed,
// every other byte (other users, comments, blank lines, their order and line endings) kept.
#pragma once

#include <string>
#include <string_view>

#include "oci/error.h"

namespace auth {

enum class HtpasswdChange { kAdded, kChanged, kDeleted };

struct HtpasswdEdit {
  std::string text;  // the whole new file
  HtpasswdChange change;
};

// Empty when `user` can name a user of an htpasswd file, else why not: an empty name, one
// holding ':', a space or a control character (Htpasswd::parse refuses those), or starting
// with '#' (the line would read as a comment).
std::string invalid_user_reason(std::string_view user);

// `text` with `user:hash` in place of the user's line, or appended as a new last line (after
// a '\n' the old last line may lack). The new line ends in "\n". kUnsupported when `text` is
// not a file Htpasswd::parse accepts (the message names the line), when the user name is
// invalid or `hash` is not bcrypt.
oci::Result<HtpasswdEdit> set_htpasswd_user(std::string_view text, std::string_view user,
                                            std::string_view hash);

// `text` without the user's line; kNotFound when the file has no such user, kUnsupported as
// for set_htpasswd_user.
oci::Result<HtpasswdEdit> delete_htpasswd_user(std::string_view text, std::string_view user);

}  // namespace auth
