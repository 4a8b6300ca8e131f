#include "storage/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>

namespace storage::sigv4 {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

std::string hex(const unsigned char* data, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0xf];
  }
  return out;
}

std::string hmac(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &size);
  return {reinterpret_cast<const char*>(out.data()), size};
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::ranges::transform(out, out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Leading and trailing spaces dropped, inner runs of spaces collapsed to one.
std::string trimmed(std::string_view value) {
  std::string out;
  bool space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> canonical_headers(const Request& request) {
  std::vector<std::pair<std::string, std::string>> headers;
  headers.reserve(request.headers.size());
  for (const auto& [name, value] : request.headers)
    headers.emplace_back(lower(name), trimmed(value));
  std::ranges::sort(headers);
  return headers;
}

std::string canonical_query(const Request& request) {
  std::vector<std::pair<std::string, std::string>> query;
  query.reserve(request.query.size());
  for (const auto& [name, value] : request.query) {
    query.emplace_back(uri_encode(name, false), uri_encode(value, false));
  }
  std::ranges::sort(query);
  std::string out;
  for (const auto& [name, value] : query) {
    if (!out.empty()) out += '&';
    out.append(name).append(1, '=').append(value);
  }
  return out;
}

std::string scope(std::string_view amz_date, std::string_view region) {
  return std::string(amz_date.substr(0, 8)) + "/" + std::string(region) + "/s3/aws4_request";
}

}  // namespace

std::string uri_encode(std::string_view text, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
        (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kDigits[c >> 4];
      out += kDigits[c & 0xf];
    }
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data());
  return hex(digest.data(), digest.size());
}

std::string amz_date(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 32> text{};
  const std::size_t length = std::strftime(text.data(), text.size(), "%Y%m%dT%H%M%SZ", &utc);
  return {text.data(), length};
}

std::string signed_headers(const Request& request) {
  std::string out;
  for (const auto& [name, value] : canonical_headers(request)) {
    if (!out.empty()) out += ';';
    out += name;
  }
  return out;
}

std::string canonical_request(const Request& request) {
  std::string out = request.method + '\n' + request.path + '\n' + canonical_query(request) + '\n';
  for (const auto& [name, value] : canonical_headers(request)) {
    out.append(name).append(1, ':').append(value).append(1, '\n');
  }
  out += '\n' + signed_headers(request) + '\n' + request.payload_hash;
  return out;
}

std::string string_to_sign(std::string_view amz_date, std::string_view region,
                           std::string_view canonical_request) {
  return std::string(kAlgorithm) + "\n" + std::string(amz_date) + "\n" + scope(amz_date, region) +
         "\n" + sha256_hex(canonical_request);
}

std::string signature(std::string_view secret_access_key, std::string_view amz_date,
                      std::string_view region, std::string_view string_to_sign) {
  const std::string date_key = hmac("AWS4" + std::string(secret_access_key), amz_date.substr(0, 8));
  const std::string region_key = hmac(date_key, region);
  const std::string service_key = hmac(region_key, "s3");
  const std::string signing_key = hmac(service_key, "aws4_request");
  const std::string mac = hmac(signing_key, string_to_sign);
  return hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
}

std::string authorization(const Credentials& credentials, std::string_view region,
                          std::string_view amz_date, const Request& request) {
  const std::string to_sign = string_to_sign(amz_date, region, canonical_request(request));
  return std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" +
         scope(amz_date, region) + ",SignedHeaders=" + signed_headers(request) +
         ",Signature=" + signature(credentials.secret_access_key, amz_date, region, to_sign);
}

std::string presigned_query(const Credentials& credentials, std::string_view region,
                            std::string_view amz_date, std::chrono::seconds expires,
                            Request request) {
  request.query.emplace_back("X-Amz-Algorithm", std::string(kAlgorithm));
  request.query.emplace_back("X-Amz-Credential",
                             credentials.access_key_id + '/' + scope(amz_date, region));
  request.query.emplace_back("X-Amz-Date", std::string(amz_date));
  request.query.emplace_back("X-Amz-Expires", std::to_string(expires.count()));
  if (!credentials.session_token.empty()) {
    request.query.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  request.query.emplace_back("X-Amz-SignedHeaders", signed_headers(request));
  request.payload_hash = std::string(kUnsignedPayload);
  const std::string to_sign = string_to_sign(amz_date, region, canonical_request(request));
  return canonical_query(request) +
         "&X-Amz-Signature=" + signature(credentials.secret_access_key, amz_date, region, to_sign);
}

}  // namespace storage::sigv4
