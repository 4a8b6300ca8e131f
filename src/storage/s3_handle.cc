#include "storage/s3_handle.h"

#include "storage/s3_live_put.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace storage {

namespace {

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* handle = static_cast<S3Client::Handle*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) handle->response_headers.clear();  // a new answer (after 100)
  const auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    std::ranges::transform(name, name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() &&
           (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    handle->response_headers.emplace_back(std::move(name), std::string(value));
  }
  return size * count;
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* handle = static_cast<S3Client::Handle*>(user);
  const std::size_t total = size * count;
  if (handle->streaming && handle->status() / 100 == 2) {
    if (handle->needs_partial && handle->status() != 206) {
      handle->not_partial = true;
      return 0;  // stops the transfer
    }
    if (handle->filled == handle->target.size()) return CURL_WRITEFUNC_PAUSE;
    const std::size_t fits = std::min(total, handle->target.size() - handle->filled);
    std::memcpy(handle->target.data() + handle->filled, data, fits);
    handle->filled += fits;
    handle->overflow.append(data + fits, total - fits);
    return total;
  }
  if (handle->response_body.size() + total > handle->max_body) {
    handle->too_large = handle->status() / 100 == 2;
    if (!handle->too_large) return total;  // an error body is only kept up to the limit
    return 0;                              // stops the transfer
  }
  handle->response_body.append(data, total);
  return total;
}

std::size_t on_read(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* handle = static_cast<S3Client::Handle*>(user);
  const S3Body& body = handle->body;
  if (body.live != nullptr) {
    // May wait for the bytes to arrive (curl's own transfer waits meanwhile).
    auto n = body.live->read(handle->sent, std::as_writable_bytes(std::span(buffer, size * count)));
    if (!n) return CURL_READFUNC_ABORT;
    handle->sent += *n;
    return *n;
  }
  const std::uint64_t length = body.size();
  const std::size_t want =
      static_cast<std::size_t>(std::min<std::uint64_t>(size * count, length - handle->sent));
  if (want == 0) return 0;
  if (body.fd < 0) {
    std::memcpy(buffer, body.text.data() + handle->sent, want);
    handle->sent += want;
    return want;
  }
  const ssize_t n = ::pread(body.fd, buffer, want, static_cast<off_t>(body.offset + handle->sent));
  if (n <= 0) return CURL_READFUNC_ABORT;
  handle->sent += static_cast<std::uint64_t>(n);
  return static_cast<std::size_t>(n);
}

}  // namespace

S3Client::Handle::Handle(const S3Body& body) : curl(curl_easy_init()), body(body) {
  error_detail.resize(CURL_ERROR_SIZE);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_detail.data());
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, &on_read);
  curl_easy_setopt(curl, CURLOPT_READDATA, this);
}

S3Client::Handle::~Handle() {
  curl_easy_cleanup(curl);
  curl_slist_free_all(header_list);
}

long S3Client::Handle::status() const {
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  return code;
}

std::string S3Client::Handle::describe(CURLcode code) const {
  const char* detail = error_detail.c_str();  // what curl wrote ends at its NUL
  return *detail == '\0' ? curl_easy_strerror(code) : detail;
}

}  // namespace storage
