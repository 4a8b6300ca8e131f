#include "client/http_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <mutex>
#include <sstream>

#include <fmt/format.h>

#include "client/url.h"

namespace client {
namespace {

using oci::ErrorCode;

constexpr long kDownloadBufferBytes = 512L * 1024;     // CURL_MAX_READ_SIZE is 10 MiB
constexpr long kUploadBufferBytes = 2L * 1024 * 1024;  // the most curl accepts

constexpr int kMaxRedirects = 10;
constexpr std::size_t kIdleHandles = 16;
constexpr const char* kSystemCaBundle = "/etc/ssl/certs/ca-certificates.crt";

bool iequals(std::string_view a, std::string_view b) {
  return std::ranges::equal(
      a, b, [](unsigned char x, unsigned char y) { return std::tolower(x) == std::tolower(y); });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool is_redirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::optional<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return text.str();
}

// A timeout before the TCP connection was made (a firewall dropping packets) is a connect
// failure, as a refused connection is: nothing reached the host. Only the connect timeout can
// end a request that has neither a connection nor a byte of the request sent.
bool timed_out_connecting(CURL* handle) {
  curl_off_t connect_time = 0;
  long request_size = 0;
  curl_easy_getinfo(handle, CURLINFO_CONNECT_TIME_T, &connect_time);
  curl_easy_getinfo(handle, CURLINFO_REQUEST_SIZE, &request_size);
  return connect_time == 0 && request_size == 0;
}

FailureKind classify(CURLcode code, CURL* handle) {
  if (code == CURLE_OPERATION_TIMEDOUT && timed_out_connecting(handle)) {
    return FailureKind::kConnect;
  }
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
      return FailureKind::kConnect;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_USE_SSL_FAILED:
      return FailureKind::kTls;
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_WEIRD_SERVER_REPLY:
      return FailureKind::kTransfer;
    default:
      return FailureKind::kLocal;
  }
}

// The state one curl_easy_perform reads and writes through its callbacks.
struct Exchange {
  CURL* handle = nullptr;
  const HttpRequest* request = nullptr;
  TransferProgress* progress = nullptr;
  HttpResponse* response = nullptr;
  std::size_t body_offset = 0;  // into request->body
  std::optional<oci::Error> callback_error;
};

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto& ex = *static_cast<Exchange*>(user);
  const std::string_view line = trim(std::string_view(data, size * count));
  // Each response (100 Continue, then the real one) starts with its status line.
  if (line.starts_with("HTTP/")) {
    ex.response->headers.clear();
  } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    ex.response->headers.add(std::string(trim(line.substr(0, colon))),
                             std::string(trim(line.substr(colon + 1))));
  }
  return size * count;
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto& ex = *static_cast<Exchange*>(user);
  const std::size_t n = size * count;
  long status = 0;
  curl_easy_getinfo(ex.handle, CURLINFO_RESPONSE_CODE, &status);
  if (ex.request->sink && status >= 200 && status < 300) {
    if (ex.request->sink_status != 0 && status != ex.request->sink_status) {
      ex.callback_error = oci::Error{
          ErrorCode::kRangeInvalid,
          fmt::format("{} {}: HTTP {} where {} was expected (the Range header was ignored)",
                      ex.request->method, ex.response->url, status, ex.request->sink_status)};
      return 0;
    }
    auto written = (*ex.request->sink)(std::as_bytes(std::span(data, n)));
    if (!written) {
      ex.callback_error = std::move(written.error());
      return 0;  // aborts the transfer
    }
    ex.progress->sink_received += static_cast<std::int64_t>(n);
    return n;
  }
  if (ex.response->body.size() + n > ex.request->max_body) {
    ex.callback_error =
        oci::Error{ErrorCode::kSizeInvalid,
                   fmt::format("{} {}: HTTP {}: response body larger than {} bytes",
                               ex.request->method, ex.response->url, status, ex.request->max_body)};
    return 0;
  }
  ex.response->body.append(data, n);
  return n;
}

std::size_t on_read(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto& ex = *static_cast<Exchange*>(user);
  const HttpRequest& request = *ex.request;
  if (!request.body_source) {
    const std::size_t n = std::min(size * count, request.body.size() - ex.body_offset);
    std::copy_n(request.body.data() + ex.body_offset, n, buffer);
    ex.body_offset += n;
    return n;
  }
  const std::int64_t left = request.body_size - ex.progress->body_sent;
  if (left <= 0) return 0;
  const std::size_t room = std::min<std::int64_t>(static_cast<std::int64_t>(size * count), left);
  auto n = (*request.body_source)(std::as_writable_bytes(std::span(buffer, room)));
  if (!n) {
    ex.callback_error = std::move(n.error());
    return CURL_READFUNC_ABORT;
  }
  if (*n == 0 || *n > room) {
    ex.callback_error =
        oci::Error{ErrorCode::kSizeInvalid,
                   fmt::format("{} {}: the body ended after {} of {} bytes", request.method,
                               ex.response->url, ex.progress->body_sent, request.body_size)};
    return CURL_READFUNC_ABORT;
  }
  ex.progress->body_sent += static_cast<std::int64_t>(*n);
  return *n;
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

constexpr std::string_view kTlsMarker = "TLS failure: ";
constexpr std::string_view kConnectMarker = "cannot connect: ";

std::string_view failure_marker(FailureKind kind) {
  switch (kind) {
    case FailureKind::kTls:
      return kTlsMarker;
    case FailureKind::kConnect:
      return kConnectMarker;
    default:
      return "";
  }
}

FailureKind failure_kind_of(std::string_view message) {
  if (message.starts_with(kTlsMarker)) return FailureKind::kTls;
  if (message.starts_with(kConnectMarker)) return FailureKind::kConnect;
  return FailureKind::kLocal;
}

void HeaderFields::add(std::string name, std::string value) {
  fields_.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string_view> HeaderFields::get(std::string_view name) const {
  for (const auto& [n, v] : fields_) {
    if (iequals(n, name)) return v;
  }
  return std::nullopt;
}

std::string HeaderFields::joined(std::string_view name) const {
  std::string out;
  for (const auto& [n, v] : fields_) {
    if (!iequals(n, name)) continue;
    if (!out.empty()) out.append(", ");
    out.append(v);
  }
  return out;
}

struct HttpTransport::Impl {
  TransportOptions options;
  std::string ca_bundle;  // system CAs + trust.ca_files; empty: curl's default
  std::optional<oci::Error> setup_error;
  std::mutex mutex;
  std::vector<CURL*> idle;

  CURL* acquire() {
    {
      std::lock_guard lock(mutex);
      if (!idle.empty()) {
        CURL* handle = idle.back();
        idle.pop_back();
        return handle;
      }
    }
    return curl_easy_init();
  }

  void release(CURL* handle) {
    {
      std::lock_guard lock(mutex);
      if (idle.size() < kIdleHandles) {
        idle.push_back(handle);
        return;
      }
    }
    curl_easy_cleanup(handle);
  }

  std::expected<HttpResponse, TransportFailure> perform_once(CURL* handle,
                                                             const HttpRequest& request,
                                                             TransferProgress& progress);
};

HttpTransport::HttpTransport(TransportOptions options) : impl_(std::make_unique<Impl>()) {
  static std::once_flag curl_ready;
  std::call_once(curl_ready, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  impl_->options = std::move(options);
  // CURLOPT_CAINFO_BLOB replaces the default bundle, so the system's CAs go in first.
  if (!impl_->options.trust.ca_files.empty()) {
    if (auto system = read_file(kSystemCaBundle)) impl_->ca_bundle = std::move(*system);
    for (const auto& file : impl_->options.trust.ca_files) {
      auto pem = read_file(file);
      if (!pem) {
        impl_->setup_error =
            oci::Error{ErrorCode::kInternal, fmt::format("cannot read CA file {}", file.string())};
        break;
      }
      impl_->ca_bundle.append("\n").append(*pem);
    }
  }
}

HttpTransport::~HttpTransport() {
  for (CURL* handle : impl_->idle) curl_easy_cleanup(handle);
}

std::expected<HttpResponse, TransportFailure> HttpTransport::Impl::perform_once(
    CURL* handle, const HttpRequest& request, TransferProgress& progress) {
  // Reset keeps the handle's live connections, which is the point of the pool.
  curl_easy_reset(handle);
  HttpResponse response;
  response.url = request.url;
  Exchange ex{handle, &request, &progress, &response, 0, std::nullopt};
  char error_text[CURL_ERROR_SIZE] = {};

  curl_slist* list = nullptr;
  for (const auto& header : request.headers) {
    curl_slist* appended = curl_slist_append(list, header.c_str());
    if (!appended) {
      curl_slist_free_all(list);
      return std::unexpected(
          TransportFailure{FailureKind::kLocal, {ErrorCode::kInternal, "out of memory"}});
    }
    list = appended;
  }
  const std::unique_ptr<curl_slist, SlistDeleter> header_list(list);

  curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(handle, CURLOPT_USERAGENT, options.user_agent.c_str());
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, header_list.get());
  // Blobs are large: no total timeout, but a connection that stalls is given up.
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.connect_timeout.count()));
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, 60L);
  // Blobs are large: big buffers mean fewer system calls and callbacks per GiB (curl's
  // defaults are 16 KiB down, 64 KiB up).
  curl_easy_setopt(handle, CURLOPT_BUFFERSIZE, kDownloadBufferBytes);
  curl_easy_setopt(handle, CURLOPT_UPLOAD_BUFFERSIZE, kUploadBufferBytes);
  curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(handle, CURLOPT_HEADERDATA, &ex);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &ex);

  if (options.insecure) {
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 0L);
  } else if (!ca_bundle.empty()) {
    curl_blob blob{ca_bundle.data(), ca_bundle.size(), CURL_BLOB_NOCOPY};
    curl_easy_setopt(handle, CURLOPT_CAINFO_BLOB, &blob);
  }
  if (!options.trust.client_cert.empty()) {
    curl_easy_setopt(handle, CURLOPT_SSLCERT, options.trust.client_cert.c_str());
    if (!options.trust.client_key.empty()) {
      curl_easy_setopt(handle, CURLOPT_SSLKEY, options.trust.client_key.c_str());
    }
  }

  const bool has_body = request.body_source || !request.body.empty() || request.method == "PUT" ||
                        request.method == "POST" || request.method == "PATCH";
  if (request.method == "HEAD") {
    curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
  } else if (request.method == "GET" && !has_body) {
    curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (has_body) {
    const curl_off_t size =
        request.body_source ? request.body_size : static_cast<curl_off_t>(request.body.size());
    curl_easy_setopt(handle, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(handle, CURLOPT_INFILESIZE_LARGE, size);
    curl_easy_setopt(handle, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(handle, CURLOPT_READDATA, &ex);
  }

  const CURLcode code = curl_easy_perform(handle);
  // The handle goes back to the pool, and curl may write errors while closing its
  // connections: it must not keep pointing at this frame's buffer.
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, nullptr);
  if (code != CURLE_OK) {
    if (ex.callback_error) {
      return std::unexpected(TransportFailure{FailureKind::kLocal, std::move(*ex.callback_error)});
    }
    const std::string detail = error_text[0] ? std::string(error_text) : curl_easy_strerror(code);
    const FailureKind kind = classify(code, handle);
    // The marker first: a registry's error text, relayed after "GET <url>: ", cannot pose as it.
    return std::unexpected(TransportFailure{
        kind,
        {ErrorCode::kInternal,
         fmt::format("{}{} {}: {}", failure_marker(kind), request.method, request.url, detail)}});
  }
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

std::expected<HttpResponse, TransportFailure> HttpTransport::perform(const HttpRequest& request,
                                                                     TransferProgress& progress) {
  if (impl_->setup_error) {
    return std::unexpected(TransportFailure{FailureKind::kLocal, *impl_->setup_error});
  }
  CURL* handle = impl_->acquire();
  if (!handle) {
    return std::unexpected(
        TransportFailure{FailureKind::kLocal, {ErrorCode::kInternal, "curl_easy_init failed"}});
  }
  struct Release {
    Impl* impl;
    CURL* handle;
    ~Release() { impl->release(handle); }
  } release{impl_.get(), handle};

  if (!request.follow_redirects) return impl_->perform_once(handle, request, progress);
  HttpRequest hop = request;
  for (int redirects = 0;; ++redirects) {
    auto response = impl_->perform_once(handle, hop, progress);
    if (!response || !is_redirect(response->status)) return response;
    const auto location = response->headers.get("location");
    if (!location) return response;
    if (redirects == kMaxRedirects) {
      return std::unexpected(TransportFailure{
          FailureKind::kLocal,
          {ErrorCode::kInternal, fmt::format("{} {}: more than {} redirects", request.method,
                                             request.url, kMaxRedirects)}});
    }
    std::string next = resolve_url(hop.url, *location);
    if (url_origin(next) != url_origin(hop.url)) {
      std::erase_if(hop.headers, [](const std::string& header) {
        return iequals(header.substr(0, header.find(':')), "authorization");
      });
    }
    hop.url = std::move(next);
  }
}

}  // namespace client
