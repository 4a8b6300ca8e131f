// libFuzzer target for what client/ reads from a registry or an auth file: the first byte picks
// the parser (WWW-Authenticate, Link, an error body, auth.json), the rest is its input. Each
// result must keep its invariants: challenges print and parse back to themselves, a next link
// parses back out of a header naming it, an error body reads the same for every status, and
// credentials set in an auth file are found again.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "client/auth_challenge.h"
#include "client/auth_file.h"
#include "client/error_body.h"
#include "client/link_header.h"

namespace {

void require(bool invariant) {
  if (!invariant) __builtin_trap();
}

// RFC 7230 tchar, as the challenge parser reads schemes and parameter names.
bool is_token(std::string_view text) {
  return !text.empty() && std::ranges::all_of(text, [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

// `scheme name="value", ...` with every value quoted, challenges separated by ", ".
std::string print_challenges(const std::vector<client::Challenge>& challenges) {
  std::string out;
  for (const client::Challenge& challenge : challenges) {
    if (!out.empty()) out += ", ";
    out += challenge.scheme;
    const char* separator = " ";
    for (const auto& [name, value] : challenge.params) {
      out.append(separator).append(name).append("=\"");
      for (char c : value) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
      }
      out += '"';
      separator = ", ";
    }
  }
  return out;
}

void check_challenges(std::string_view header) {
  const std::vector<client::Challenge> challenges = client::parse_challenges(header);
  for (const client::Challenge& challenge : challenges) {
    require(is_token(challenge.scheme));
    for (const auto& [name, value] : challenge.params) require(is_token(name));
    const auto found = client::find_challenge(challenges, challenge.scheme);
    require(found.has_value() && found->scheme == challenge.scheme);
  }
  const std::vector<client::Challenge> again =
      client::parse_challenges(print_challenges(challenges));
  require(again.size() == challenges.size());
  for (std::size_t i = 0; i < again.size(); ++i) {
    require(again[i].scheme == challenges[i].scheme && again[i].params == challenges[i].params);
  }
}

void check_link(std::string_view header) {
  const std::optional<std::string> next = client::next_link(header);
  if (!next) return;
  require(next->find('>') == std::string::npos);
  require(header.find(std::string("<").append(*next).append(">")) != std::string_view::npos);
  const auto again = client::next_link(std::string("<").append(*next).append(">; rel=\"next\""));
  require(again == next);
}

void check_error_body(std::string_view body) {
  const auto as_internal = client::parse_error_body(body, oci::ErrorCode::kInternal);
  const auto as_not_found = client::parse_error_body(body, oci::ErrorCode::kNotFound);
  require(as_internal.has_value() == as_not_found.has_value());
  if (as_internal) {
    // Only a code this enum lacks takes the fallback.
    require(as_internal->code == as_not_found->code ||
            (as_internal->code == oci::ErrorCode::kInternal &&
             as_not_found->code == oci::ErrorCode::kNotFound));
    require(as_internal->message == as_not_found->message);
    require(as_internal->detail == as_not_found->detail);
  }
  for (const long status : {401L, 404L, 500L}) {
    const oci::Error error =
        client::error_from_response("GET", "https://r.invalid/v2/", status, body);
    require(error.message.starts_with("GET https://r.invalid/v2/: HTTP " + std::to_string(status)));
    if (as_internal) {
      require(error.message.ends_with(as_internal->message));
      require(error.detail == as_internal->detail);
    } else {
      require(error.code == (status == 401   ? oci::ErrorCode::kUnauthorized
                             : status == 404 ? oci::ErrorCode::kNotFound
                                             : oci::ErrorCode::kInternal));
    }
  }
}

// AuthFile reads only files: the input goes into a memfd, opened by its /proc name.
std::string input_file(std::string_view content) {
  static const int fd = ::memfd_create("auth.json", MFD_CLOEXEC);
  require(fd >= 0);
  require(::ftruncate(fd, 0) == 0);
  require(::pwrite(fd, content.data(), content.size(), 0) == static_cast<ssize_t>(content.size()));
  return "/proc/self/fd/" + std::to_string(fd);
}

void check_auth_file(std::string_view content) {
  const std::string path = input_file(content);
  for (const bool legacy : {false, true}) {
    oci::Result<client::AuthFile> file = client::AuthFile::load({path, legacy});
    if (!file) {
      require(file.error().message.find(path) != std::string::npos);
      continue;
    }
    for (std::string_view name : {"docker.io/library/alpine", "quay.io/ns/app", "localhost:5000"}) {
      (void)file->find(name);
    }
    for (const std::string& key : file->keys()) {
      (void)file->find(key);
      if (const oci::Result<std::string> normalized = client::normalize_auth_key(key)) {
        require(client::normalize_auth_key(*normalized) == *normalized);
      }
    }
    // What login writes, logout removes; base64 with a ':' in the password and a byte > 0x7f.
    const client::Credentials credentials{"fuzz-user", "pass:wo\xffrd", ""};
    const std::string key = "fuzz.invalid:5000";
    if (file->set(key, credentials)) {
      const auto found = file->find(key);
      require(found.has_value() && found->has_value());
      require((*found)->username == credentials.username &&
              (*found)->password == credentials.password && (*found)->identity_token.empty());
      require(file->remove(key));
      const std::vector<std::string> keys = file->keys();
      require(std::ranges::find(keys, key) == keys.end());
    } else {
      require(legacy || file->json().contains("credHelpers"));
    }
    (void)file->json().dump(1, '\t');  // as save() writes it
    file->clear();
    require(file->keys().empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      check_challenges(input);
      break;
    case 1:
      check_link(input);
      break;
    case 2:
      check_error_body(input);
      break;
    default:
      check_auth_file(input);
      break;
  }
  return 0;
}
