// Users from an Apache htpasswd file: one `user:hash` a line, '#' comments and blank lines
// ignored. Only bcrypt hashes (`$2y$`, `$2b$`, `$2a$`, as `htpasswd -B` writes them) are
// accepted: the file's other kinds ({SHA}, MD5 `$apr1$`, crypt(3) DES, plain text) are too
// weak to keep, so a file holding one is refused when loaded, naming the line.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "oci/error.h"

namespace auth {

// A user file is small; this bounds what a wrong path can make the server hold.
inline constexpr std::size_t kMaxHtpasswdSize = std::size_t{4} * 1024 * 1024;
inline constexpr int kDefaultBcryptCost = 10;

class Htpasswd {
 public:
  // kUnsupported naming the 1-based line ("line 3: ...") for a line without ':', an empty
  // user, a user named twice, a hash that is not bcrypt; kSizeInvalid past kMaxHtpasswdSize.
  static oci::Result<Htpasswd> parse(std::string_view text);

  // True when `user` is in the file and `password` matches its hash. An unknown user costs
  // the same bcrypt computation as a known one, so timing does not tell which names exist.
  bool authenticate(std::string_view user, std::string_view password) const;

  bool contains(std::string_view user) const { return hashes_.contains(user); }
  std::size_t size() const { return hashes_.size(); }

 private:
  std::map<std::string, std::string, std::less<>> hashes_;  // user -> bcrypt hash
};

// Empty when `hash` is a bcrypt hash this module can check, else why not ("{SHA} hashes are
// not supported: use bcrypt (htpasswd -B)").
std::string unsupported_hash_reason(std::string_view hash);

// Whether `password` matches the bcrypt `hash`; kUnsupported for any other kind of hash.
// bcrypt reads at most 72 bytes of a password, and none past a NUL byte: a password holding
// a NUL never matches.
oci::Result<bool> password_matches(std::string_view password, std::string_view hash);

// A new `$2y$` bcrypt hash of `password` with a random salt (OpenSSL RAND); `cost` is the
// base-2 logarithm of the rounds, 4 to 31.
oci::Result<std::string> hash_password(std::string_view password, int cost = kDefaultBcryptCost);

}  // namespace auth
