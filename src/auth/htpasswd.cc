#include "auth/htpasswd.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <fmt/format.h>
#include <algorithm>
#include <array>
#include <memory>

namespace auth {
namespace {

constexpr std::size_t kBcryptLength = 60;  // "$2y$10$" + 22 salt + 31 hash characters

bool is_bcrypt_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '/';
}

bool is_bcrypt(std::string_view hash) {
  if (hash.size() != kBcryptLength) return false;
  if (!hash.starts_with("$2y$") && !hash.starts_with("$2b$") && !hash.starts_with("$2a$")) {
    return false;
  }
  const std::string_view cost = hash.substr(4, 2);
  if (cost[0] < '0' || cost[0] > '3' || cost[1] < '0' || cost[1] > '9' || hash[6] != '$') {
    return false;
  }
  const int rounds = (cost[0] - '0') * 10 + (cost[1] - '0');
  return rounds >= 4 && rounds <= 31 && std::ranges::all_of(hash.substr(7), is_bcrypt_character);
}

// crypt_data is large (32 KiB); kept off the coroutine-sized stacks.
struct CryptBuffer {
  crypt_data data{};
};

// A bcrypt hash (of "decoy", cost 10), checked when the user is unknown.
constexpr std::string_view kDecoyHash =
    "$2y$10$abcdefghijklmnopqrstuuMzALlmpzDaP2z2Ik8aTtg9ovV7TtjYu";

}  // namespace

std::string unsupported_hash_reason(std::string_view hash) {
  if (is_bcrypt(hash)) return {};
  std::string_view kind = "plain-text or crypt(3) DES";
  if (hash.starts_with("{SHA}"))
    kind = "{SHA}";
  else if (hash.starts_with("$apr1$"))
    kind = "MD5 ($apr1$)";
  else if (hash.starts_with("$1$"))
    kind = "MD5 ($1$)";
  else if (hash.starts_with("$5$") || hash.starts_with("$6$"))
    kind = "SHA-crypt ($5$, $6$)";
  else if (hash.starts_with("$2"))
    kind = "malformed bcrypt";
  else if (hash.starts_with("$"))
    kind = "unknown";
  return fmt::format("{} hashes are not supported: use bcrypt (htpasswd -B)", kind);
}

oci::Result<bool> password_matches(std::string_view password, std::string_view hash) {
  if (std::string reason = unsupported_hash_reason(hash); !reason.empty()) {
    return oci::fail(oci::ErrorCode::kUnsupported, std::move(reason));
  }
  if (password.find('\0') != std::string_view::npos) return false;
  const std::string phrase(password);
  const std::string setting(hash);
  auto buffer = std::make_unique<CryptBuffer>();
  const char* result = crypt_rn(phrase.c_str(), setting.c_str(), &buffer->data,
                                static_cast<int>(sizeof(buffer->data)));
  if (result == nullptr || result[0] == '*') {
    return oci::fail(oci::ErrorCode::kInternal, "bcrypt failed on a well-formed hash");
  }
  const std::string_view computed(result);
  return computed.size() == hash.size() &&
         CRYPTO_memcmp(computed.data(), hash.data(), hash.size()) == 0;
}

oci::Result<std::string> hash_password(std::string_view password, int cost) {
  if (cost < 4 || cost > 31) {
    return oci::fail(oci::ErrorCode::kUnsupported,
                     fmt::format("bcrypt cost {} is outside 4 to 31", cost));
  }
  if (password.find('\0') != std::string_view::npos) {
    return oci::fail(oci::ErrorCode::kUnsupported, "a password may not contain a NUL byte");
  }
  std::array<unsigned char, 16> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    return oci::fail(oci::ErrorCode::kInternal, "OpenSSL RAND_bytes failed");
  }
  std::array<char, CRYPT_GENSALT_OUTPUT_SIZE> setting{};
  if (crypt_gensalt_rn("$2y$", static_cast<unsigned long>(cost),
                       reinterpret_cast<const char*>(random.data()),
                       static_cast<int>(random.size()), setting.data(),
                       static_cast<int>(setting.size())) == nullptr) {
    return oci::fail(oci::ErrorCode::kInternal, "crypt_gensalt_rn failed");
  }
  const std::string phrase(password);
  auto buffer = std::make_unique<CryptBuffer>();
  const char* result = crypt_rn(phrase.c_str(), setting.data(), &buffer->data,
                                static_cast<int>(sizeof(buffer->data)));
  if (result == nullptr || result[0] == '*') {
    return oci::fail(oci::ErrorCode::kInternal, "bcrypt failed");
  }
  return std::string(result);
}

oci::Result<Htpasswd> Htpasswd::parse(std::string_view text) {
  if (text.size() > kMaxHtpasswdSize) {
    return oci::fail(oci::ErrorCode::kSizeInvalid,
                     fmt::format("the user file is larger than {} bytes", kMaxHtpasswdSize));
  }
  Htpasswd file;
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    const std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    const auto refuse = [number](std::string_view why) {
      return oci::fail(oci::ErrorCode::kUnsupported, fmt::format("line {}: {}", number, why));
    };
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return refuse("expected user:hash");
    const std::string_view user = line.substr(0, colon);
    const std::string_view hash = line.substr(colon + 1);
    if (user.empty()) return refuse("the user name is empty");
    if (std::ranges::any_of(user, [](char c) {
          return static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == ' ';
        })) {
      return refuse("the user name holds a space or a control character");
    }
    if (std::string reason = unsupported_hash_reason(hash); !reason.empty()) {
      return refuse(fmt::format("user \"{}\": {}", user, reason));
    }
    if (!file.hashes_.emplace(user, hash).second) {
      return refuse(fmt::format("user \"{}\" is already defined", user));
    }
  }
  return file;
}

bool Htpasswd::authenticate(std::string_view user, std::string_view password) const {
  const auto found = hashes_.find(user);
  const std::string_view hash = found == hashes_.end() ? kDecoyHash : found->second;
  const oci::Result<bool> matches = password_matches(password, hash);
  return found != hashes_.end() && matches.value_or(false);
}

}  // namespace auth
