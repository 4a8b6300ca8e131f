// The distribution API over HttpTransport. Every call goes through Impl::send, which owns
// the three things that repeat a request: the scheme fallback for insecure registries, the
// 401 -> credentials/token -> retry step, and retries with backoff.
//
// A request is repeated only while it has neither taken bytes from its ByteSource nor given
// bytes to its ByteSink: those streams cannot be rewound. Uploads therefore authenticate
// with the POST that opens the session, before any body is streamed, and the tokens are
// refreshed shortly before they expire (TokenCache).
#include "client/registry_client.h"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <limits>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "client/auth_challenge.h"
#include "client/error_body.h"
#include "client/http_transport.h"
#include "client/link_header.h"
#include "client/retry.h"
#include "client/token_cache.h"
#include "client/token_request.h"
#include "client/url.h"
#include "oci/http_range.h"
#include "oci/media_type.h"

namespace client {
namespace {

using oci::ErrorCode;

constexpr std::size_t kMaxManifestBytes = std::size_t{4} << 20;

const std::string kManifestAccept =
    fmt::format("Accept: {}, {}, {}, {}", oci::media_type::kOciManifest, oci::media_type::kOciIndex,
                oci::media_type::kDockerManifest, oci::media_type::kDockerManifestList);

std::string contacted_host(std::string_view host) {
  return host == "docker.io" ? "registry-1.docker.io" : std::string(host);
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The end of an upload's "Range: 0-<last>" (also "bytes=0-<last>"), as the stored size: the
// form of a chunk's Content-Range, so oci::parse_content_range reads it. Registries write
// "0-0" for an empty upload, so that reads as 0 bytes.
std::optional<std::int64_t> upload_size(std::optional<std::string_view> range) {
  if (!range) return std::nullopt;
  const auto stored = oci::parse_content_range(*range);
  constexpr auto kMaxLast =
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() - 1);
  if (!stored || stored->first != 0 || stored->last > kMaxLast) return std::nullopt;
  return stored->last == 0 ? 0 : static_cast<std::int64_t>(stored->last) + 1;
}

bool is_success(long status) { return status >= 200 && status < 300; }

// One API request as Impl::send repeats it.
struct Call {
  HttpRequest request;  // url: a path ("/v2/...") on the registry, or an absolute URL
  std::string repository;
  std::vector<std::string> scopes;  // token scopes; empty: none needed
  bool authenticate = true;         // false: a 401 is an answer (ping)
  bool idempotent = true;
};

}  // namespace

struct RegistryClient::Impl {
  RegistryOptions options;
  std::string host;
  HttpTransport transport;
  TokenCache tokens;

  std::mutex mutex;                    // guards the two below
  std::string scheme;                  // empty until a request got an answer
  std::optional<Challenge> challenge;  // the registry's last 401 challenge

  explicit Impl(RegistryOptions opts)
      : options(std::move(opts)),
        host(contacted_host(options.host)),
        transport(TransportOptions{options.insecure, options.trust, options.user_agent,
                                   options.connect_timeout}) {}

  std::string url_for(const std::string& target, std::string_view use_scheme) const {
    if (!target.starts_with("/")) return target;
    return fmt::format("{}://{}{}", use_scheme, host, target);
  }

  std::optional<Credentials> credentials_for(std::string_view repository) const {
    if (!options.credentials) return std::nullopt;
    return options.credentials(repository);
  }

  static TokenKey token_key(const Challenge& bearer, const std::vector<std::string>& scopes) {
    std::vector<std::string> sorted = scopes;
    std::ranges::sort(sorted);
    std::string scope;
    for (const auto& s : sorted) scope.append(scope.empty() ? "" : " ").append(s);
    return TokenKey{bearer.param("realm"), bearer.param("service"), std::move(scope)};
  }

  // The Authorization header to send pre-emptively: a cached token for these scopes, or
  // Basic credentials when the registry asked for Basic before.
  std::optional<std::string> cached_authorization(const Call& call) {
    std::optional<Challenge> known;
    {
      std::lock_guard lock(mutex);
      known = challenge;
    }
    if (!known) return std::nullopt;
    if (known->scheme == "bearer") {
      auto token = tokens.find(token_key(*known, call.scopes), TokenCache::Clock::now());
      if (token) return "Bearer " + *token;
    } else if (known->scheme == "basic") {
      if (auto creds = credentials_for(call.repository); creds && !creds->username.empty()) {
        return basic_authorization(*creds);
      }
    }
    return std::nullopt;
  }

  // After a 401: the Authorization the challenge asks for, freshly obtained.
  oci::Result<std::string> fresh_authorization(const Call& call, const HttpResponse& refused,
                                               const std::optional<std::string>& sent) {
    const auto challenges = parse_challenges(refused.headers.joined("www-authenticate"));
    const auto unauthorized = [&](std::string_view why) {
      auto error =
          error_from_response(call.request.method, refused.url, refused.status, refused.body);
      error.code = ErrorCode::kUnauthorized;
      error.message.append(": ").append(why);
      return std::unexpected(std::move(error));
    };
    if (auto bearer = find_challenge(challenges, "bearer")) {
      if (bearer->param("realm").empty()) return unauthorized("Bearer challenge without realm");
      {
        std::lock_guard lock(mutex);
        challenge = *bearer;
      }
      const TokenKey key = token_key(*bearer, call.scopes);
      if (sent && sent->starts_with("Bearer ")) tokens.drop(key, sent->substr(7));
      auto grant = fetch_token(*bearer, call);
      if (!grant) return std::unexpected(grant.error());
      tokens.store(key, grant->token, grant->lifetime, TokenCache::Clock::now());
      return "Bearer " + grant->token;
    }
    if (auto basic = find_challenge(challenges, "basic")) {
      {
        std::lock_guard lock(mutex);
        challenge = *basic;
      }
      auto creds = credentials_for(call.repository);
      if (!creds || creds->username.empty()) return unauthorized("no credentials for Basic auth");
      return basic_authorization(*creds);
    }
    return unauthorized("no Bearer or Basic challenge in WWW-Authenticate");
  }

  oci::Result<TokenGrant> fetch_token(const Challenge& bearer, const Call& call) {
    Call token_call;
    token_call.request = token_request(bearer, call.scopes, credentials_for(call.repository));
    token_call.authenticate = false;
    token_call.idempotent = token_call.request.method == "GET";
    auto response = send(token_call);
    if (!response) return std::unexpected(response.error());
    if (!is_success(response->status)) {
      auto error = error_from_response(token_call.request.method, response->url, response->status,
                                       response->body);
      error.message = "getting a token: " + error.message;
      if (response->status == 401 || response->status == 403) {
        error.code = response->status == 401 ? ErrorCode::kUnauthorized : ErrorCode::kDenied;
      }
      return std::unexpected(std::move(error));
    }
    auto grant = parse_token_response(response->body);
    if (!grant) {
      return oci::fail(grant.error().code,
                       fmt::format("{}: {}", response->url, grant.error().message));
    }
    return grant;
  }

  // Sends `call`, authenticating and retrying as needed; returns whatever the registry
  // finally answered (any status), or the transport error.
  oci::Result<HttpResponse> send(Call& call) {
    int failures = 0;
    std::optional<std::string> fresh;  // Authorization obtained after a 401
    bool tried_http = false;
    while (true) {
      std::string use_scheme;
      {
        std::lock_guard lock(mutex);
        use_scheme = scheme.empty() ? "https" : scheme;
      }
      if (tried_http) use_scheme = "http";
      HttpRequest request = call.request;
      request.url = url_for(call.request.url, use_scheme);
      std::optional<std::string> authorization = fresh;
      if (call.authenticate && !authorization) authorization = cached_authorization(call);
      if (authorization) request.headers.push_back("Authorization: " + *authorization);

      TransferProgress progress;
      auto response = transport.perform(request, progress);
      const bool repeatable = progress.body_sent == 0 && progress.sink_received == 0;
      if (!response) {
        const auto kind = response.error().kind;
        // Insecure registries may speak plain HTTP: containers/image's fallback.
        if (options.insecure && !tried_http && call.request.url.starts_with("/") &&
            use_scheme == "https" && repeatable &&
            (kind == FailureKind::kConnect || kind == FailureKind::kTls)) {
          tried_http = true;
          continue;
        }
        if ((kind == FailureKind::kConnect || kind == FailureKind::kTransfer) && repeatable &&
            ++failures < options.retry.attempts) {
          std::this_thread::sleep_for(retry_delay(options.retry, failures, std::nullopt));
          continue;
        }
        return std::unexpected(std::move(response.error().error));
      }
      if (call.request.url.starts_with("/")) {
        std::lock_guard lock(mutex);
        if (scheme.empty()) scheme = use_scheme;
      }
      if (response->status == 401 && call.authenticate && !fresh && repeatable) {
        auto renewed = fresh_authorization(call, *response, authorization);
        if (!renewed) return std::unexpected(renewed.error());
        fresh = std::move(*renewed);
        continue;
      }
      if (is_retryable_status(response->status, call.idempotent) && repeatable &&
          ++failures < options.retry.attempts) {
        std::optional<std::chrono::milliseconds> after;
        if (auto value = response->headers.get("retry-after")) {
          after = parse_retry_after(*value, std::chrono::system_clock::now());
        }
        std::this_thread::sleep_for(retry_delay(options.retry, failures, after));
        continue;
      }
      return std::move(*response);
    }
  }

  // send() and then anything but one of the `expected` statuses is an error.
  oci::Result<HttpResponse> send_expecting(Call& call, std::initializer_list<long> expected) {
    auto response = send(call);
    if (!response) return response;
    if (std::ranges::find(expected, response->status) == expected.end()) {
      return std::unexpected(error_from_response(call.request.method, response->url,
                                                 response->status, response->body));
    }
    return response;
  }

  static Call call(std::string method, std::string url, std::string_view repository, bool push) {
    Call c;
    c.request.method = std::move(method);
    c.request.url = std::move(url);
    c.repository = std::string(repository);
    c.scopes = {repository_scope(repository, push)};
    c.idempotent = c.request.method != "POST" && c.request.method != "PATCH";
    return c;
  }
};

RegistryClient::RegistryClient(RegistryOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

RegistryClient::~RegistryClient() = default;

const RegistryOptions& RegistryClient::options() const { return impl_->options; }

oci::Result<void> RegistryClient::ping() {
  Call c;
  c.request.url = "/v2/";
  c.authenticate = false;
  auto response = impl_->send_expecting(c, {200, 401});
  if (!response) return std::unexpected(response.error());
  if (response->status == 401) {
    auto challenges = parse_challenges(response->headers.joined("www-authenticate"));
    auto known = find_challenge(challenges, "bearer");
    if (!known) known = find_challenge(challenges, "basic");
    std::lock_guard lock(impl_->mutex);
    if (known) impl_->challenge = std::move(known);
  }
  return {};
}

oci::Result<void> RegistryClient::check_credentials() {
  Call c;
  c.request.url = "/v2/";
  auto response = impl_->send_expecting(c, {200});
  if (!response) return std::unexpected(response.error());
  return {};
}

oci::Result<std::string> RegistryClient::get_json(std::string_view path) {
  Call c;
  c.request.url = std::string(path);
  c.request.headers.emplace_back("Accept: application/json");
  auto response = impl_->send_expecting(c, {200});
  if (!response) return std::unexpected(response.error());
  return std::move(response->body);
}

namespace {

std::string manifest_path(std::string_view repository, std::string_view reference) {
  return fmt::format("/v2/{}/manifests/{}", repository, reference);
}

// Token servers disagree on the action a DELETE needs ("delete" for distribution, none for
// Quay); "*" means every action to distribution and Quay alike (containers/image does this).
std::string delete_scope(std::string_view repository) {
  return fmt::format("repository:{}:*", repository);
}

std::string blob_path(std::string_view repository, const oci::Digest& digest) {
  return fmt::format("/v2/{}/blobs/{}", repository, digest.str());
}

// The manifest's media type: Content-Type when it names a manifest type, else the body's
// mediaType, else whatever Content-Type said.
std::string manifest_media_type(const HeaderFields& headers, std::string_view body) {
  std::string content_type(oci::media_type::essence(headers.get("content-type").value_or("")));
  if (oci::media_type::manifest_kind(content_type)) return content_type;
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_object() && json.contains("mediaType") && json["mediaType"].is_string()) {
    return json["mediaType"].get<std::string>();
  }
  return content_type;
}

std::optional<oci::Digest> header_digest(const HttpResponse& response) {
  const auto value = response.headers.get("docker-content-digest");
  if (!value) return std::nullopt;
  auto digest = oci::Digest::parse(*value);
  if (!digest) return std::nullopt;
  return *digest;
}

}  // namespace

oci::Result<std::optional<ManifestHead>> RegistryClient::head_manifest(std::string_view repository,
                                                                       std::string_view reference) {
  auto c = Impl::call("HEAD", manifest_path(repository, reference), repository, false);
  c.request.headers.push_back(kManifestAccept);
  auto response = impl_->send_expecting(c, {200, 404});
  if (!response) return std::unexpected(response.error());
  if (response->status == 404) return std::nullopt;
  auto digest = header_digest(*response);
  if (!digest) {
    if (auto parsed = oci::Digest::parse(reference)) digest = *parsed;
  }
  const auto length = parse_int(response->headers.get("content-length").value_or(""));
  if (!digest || !length) {
    // Without Docker-Content-Digest or Content-Length the body tells.
    auto fetched = get_manifest(repository, reference);
    if (!fetched) return std::unexpected(fetched.error());
    return ManifestHead{fetched->media_type, fetched->digest,
                        static_cast<std::int64_t>(fetched->body.size())};
  }
  const std::string media_type(
      oci::media_type::essence(response->headers.get("content-type").value_or("")));
  return ManifestHead{media_type, *digest, *length};
}

oci::Result<FetchedManifest> RegistryClient::get_manifest(std::string_view repository,
                                                          std::string_view reference,
                                                          DigestCheck check) {
  auto c = Impl::call("GET", manifest_path(repository, reference), repository, false);
  c.request.headers.push_back(kManifestAccept);
  c.request.max_body = kMaxManifestBytes;
  auto response = impl_->send_expecting(c, {200});
  if (!response) return std::unexpected(response.error());

  // Verify against the digest asked for, else against the one the registry reports.
  std::optional<oci::Digest> expected;
  if (auto requested = oci::Digest::parse(reference)) expected = *requested;
  if (check == DigestCheck::kReport) {
    const oci::Digest actual = oci::digest_of(
        response->body, expected ? expected->algorithm() : oci::DigestAlgorithm::kSha256);
    std::string media_type = manifest_media_type(response->headers, response->body);
    return FetchedManifest{std::move(response->body), std::move(media_type), actual};
  }
  const bool requested_digest = expected.has_value();
  if (!expected) expected = header_digest(*response);
  const oci::Digest actual = oci::digest_of(
      response->body, expected ? expected->algorithm() : oci::DigestAlgorithm::kSha256);
  if (expected && *expected != actual) {
    return oci::fail(
        ErrorCode::kDigestInvalid,
        fmt::format("GET {}: manifest digest mismatch: expected {} ({}), got {}", response->url,
                    expected->str(), requested_digest ? "requested" : "Docker-Content-Digest",
                    actual.str()));
  }
  std::string media_type = manifest_media_type(response->headers, response->body);
  return FetchedManifest{std::move(response->body), std::move(media_type), actual};
}

oci::Result<StoredManifest> RegistryClient::put_manifest(std::string_view repository,
                                                         std::string_view reference,
                                                         std::string_view body,
                                                         std::string_view media_type) {
  auto c = Impl::call("PUT", manifest_path(repository, reference), repository, true);
  c.request.headers.push_back(fmt::format("Content-Type: {}", media_type));
  c.request.body = std::string(body);
  auto response = impl_->send_expecting(c, {200, 201, 202, 204});
  if (!response) return std::unexpected(response.error());
  const bool subject_indexed = response->headers.get("oci-subject").has_value();
  if (auto digest = header_digest(*response)) return StoredManifest{*digest, subject_indexed};
  return StoredManifest{oci::digest_of(body), subject_indexed};
}

oci::Result<void> RegistryClient::delete_manifest(std::string_view repository,
                                                  const oci::Digest& digest) {
  auto c = Impl::call("DELETE", manifest_path(repository, digest.str()), repository, true);
  c.scopes = {delete_scope(repository)};
  auto response = impl_->send_expecting(c, {200, 202, 204});
  if (!response) return std::unexpected(response.error());
  return {};
}

oci::Result<std::optional<std::int64_t>> RegistryClient::head_blob(std::string_view repository,
                                                                   const oci::Digest& digest) {
  auto c = Impl::call("HEAD", blob_path(repository, digest), repository, false);
  c.request.follow_redirects = true;
  auto response = impl_->send_expecting(c, {200, 404});
  if (!response) return std::unexpected(response.error());
  if (response->status == 404) return std::nullopt;
  const auto length = parse_int(response->headers.get("content-length").value_or(""));
  if (!length) {
    return oci::fail(ErrorCode::kInternal,
                     fmt::format("HEAD {}: no Content-Length in the answer", response->url));
  }
  return *length;
}

oci::Result<void> RegistryClient::get_blob(std::string_view repository, const oci::Digest& digest,
                                           std::int64_t offset, const ByteSink& sink) {
  auto c = Impl::call("GET", blob_path(repository, digest), repository, false);
  c.request.follow_redirects = true;
  c.request.sink = &sink;
  if (offset > 0) {
    c.request.headers.push_back(fmt::format("Range: bytes={}-", offset));
    c.request.sink_status = 206;  // a 200 would be the whole blob again
  }
  auto response = impl_->send_expecting(c, {offset > 0 ? 206L : 200L});
  if (!response) return std::unexpected(response.error());
  if (offset > 0) {
    const auto range = response->headers.get("content-range").value_or("");
    if (!range.starts_with(fmt::format("bytes {}-", offset))) {
      return oci::fail(ErrorCode::kRangeInvalid,
                       fmt::format("GET {}: asked for bytes from {}, got Content-Range \"{}\"",
                                   response->url, offset, range));
    }
  }
  return {};
}

oci::Result<void> RegistryClient::delete_blob(std::string_view repository,
                                              const oci::Digest& digest) {
  auto c = Impl::call("DELETE", blob_path(repository, digest), repository, true);
  c.scopes = {delete_scope(repository)};
  auto response = impl_->send_expecting(c, {200, 202, 204});
  if (!response) return std::unexpected(response.error());
  return {};
}

namespace {

oci::Result<UploadSession> upload_from(std::string_view repository, const HttpResponse& response,
                                       std::string_view method) {
  const auto location = response.headers.get("location");
  if (!location || location->empty()) {
    return oci::fail(
        ErrorCode::kBlobUploadInvalid,
        fmt::format("{} {}: HTTP {} without a Location", method, response.url, response.status));
  }
  return UploadSession{std::string(repository), resolve_url(response.url, *location),
                       upload_size(response.headers.get("range")).value_or(0)};
}

}  // namespace

oci::Result<bool> RegistryClient::mount_blob(std::string_view repository, const oci::Digest& digest,
                                             std::string_view from_repository) {
  std::string url = fmt::format("/v2/{}/blobs/uploads/", repository);
  url = add_query(url, "mount", digest.str());
  url = add_query(url, "from", from_repository);
  auto c = Impl::call("POST", std::move(url), repository, true);
  // One token for both repositories: the registry checks pull on the source.
  c.scopes.push_back(repository_scope(from_repository, false));
  auto response = impl_->send_expecting(c, {201, 202});
  if (!response) return std::unexpected(response.error());
  if (response->status == 201) return true;
  auto session = upload_from(repository, *response, "POST");
  if (!session) return std::unexpected(session.error());
  if (auto cancelled = cancel_upload(*session); !cancelled) {
    return std::unexpected(cancelled.error());
  }
  return false;
}

oci::Result<UploadSession> RegistryClient::start_upload(std::string_view repository) {
  auto c = Impl::call("POST", fmt::format("/v2/{}/blobs/uploads/", repository), repository, true);
  auto response = impl_->send_expecting(c, {202});
  if (!response) return std::unexpected(response.error());
  auto session = upload_from(repository, *response, "POST");
  if (session) session->offset = 0;
  return session;
}

oci::Result<void> RegistryClient::upload_blob(std::string_view repository,
                                              const oci::Digest& digest, std::int64_t size,
                                              const ByteSource& source) {
  auto session = start_upload(repository);
  if (!session) return std::unexpected(session.error());
  auto c =
      Impl::call("PUT", add_query(session->location, "digest", digest.str()), repository, true);
  c.request.headers.push_back("Content-Type: application/octet-stream");
  c.request.body_source = &source;
  c.request.body_size = size;
  auto response = impl_->send_expecting(c, {201});
  if (!response) {
    (void)cancel_upload(*session);  // best effort: the registry expires it anyway
    return std::unexpected(response.error());
  }
  return {};
}

oci::Result<UploadSession> RegistryClient::upload_status(std::string_view repository,
                                                         std::string_view location) {
  auto c = Impl::call("GET", std::string(location), repository, true);
  auto response = impl_->send_expecting(c, {204, 200});
  if (!response) {
    auto error = response.error();
    if (error.code == ErrorCode::kNotFound) error.code = ErrorCode::kBlobUploadUnknown;
    return std::unexpected(std::move(error));
  }
  UploadSession session{std::string(repository), std::string(location), 0};
  if (auto moved = response->headers.get("location"); moved && !moved->empty()) {
    session.location = resolve_url(response->url, *moved);
  }
  const auto size = upload_size(response->headers.get("range"));
  if (!size) {
    return oci::fail(ErrorCode::kBlobUploadInvalid,
                     fmt::format("GET {}: no valid Range in the upload status", response->url));
  }
  session.offset = *size;
  return session;
}

oci::Result<void> RegistryClient::upload_chunk(UploadSession& session, std::int64_t length,
                                               const ByteSource& source) {
  if (length <= 0) return {};
  const std::int64_t end = session.offset + length;
  auto c = Impl::call("PATCH", session.location, session.repository, true);
  c.request.headers.push_back("Content-Type: application/octet-stream");
  c.request.headers.push_back(fmt::format("Content-Range: {}-{}", session.offset, end - 1));
  c.request.body_source = &source;
  c.request.body_size = length;
  auto response = impl_->send_expecting(c, {202, 204});
  if (!response) return std::unexpected(response.error());
  if (auto stored = upload_size(response->headers.get("range"));
      stored && *stored != end && !(*stored == 0 && end == 1)) {
    return oci::fail(ErrorCode::kBlobUploadInvalid,
                     fmt::format("PATCH {}: the registry holds {} bytes, {} were sent",
                                 response->url, *stored, end));
  }
  if (auto moved = response->headers.get("location"); moved && !moved->empty()) {
    session.location = resolve_url(response->url, *moved);
  }
  session.offset = end;
  return {};
}

oci::Result<void> RegistryClient::finish_upload(UploadSession& session, const oci::Digest& digest) {
  auto c = Impl::call("PUT", add_query(session.location, "digest", digest.str()),
                      session.repository, true);
  auto response = impl_->send_expecting(c, {201, 204});
  if (!response) return std::unexpected(response.error());
  return {};
}

oci::Result<void> RegistryClient::cancel_upload(const UploadSession& session) {
  auto c = Impl::call("DELETE", session.location, session.repository, true);
  // 404: the session is already gone, which is what was asked.
  auto response = impl_->send_expecting(c, {200, 202, 204, 404});
  if (!response) return std::unexpected(response.error());
  return {};
}

oci::Result<TagPage> RegistryClient::list_tags_page(std::string_view repository, int n,
                                                    std::string_view last) {
  std::string url = fmt::format("/v2/{}/tags/list", repository);
  if (n > 0) url = add_query(url, "n", std::to_string(n));
  if (!last.empty()) url = add_query(url, "last", last);
  auto c = Impl::call("GET", std::move(url), repository, false);
  auto response = impl_->send_expecting(c, {200});
  if (!response) return std::unexpected(response.error());
  const auto json = nlohmann::json::parse(response->body, nullptr, false);
  const auto invalid = [&] {
    return oci::fail(ErrorCode::kInternal,
                     fmt::format("GET {}: the answer is not a tag list", response->url));
  };
  if (!json.is_object()) return invalid();
  TagPage page;
  if (const auto tags = json.find("tags"); tags != json.end() && !tags->is_null()) {
    if (!tags->is_array()) return invalid();
    for (const auto& tag : *tags) {
      if (!tag.is_string()) return invalid();
      page.tags.push_back(tag.get<std::string>());
    }
  }
  if (auto next = next_link(response->headers.joined("link"))) {
    page.next_last = query_param(*next, "last");
  }
  return page;
}

oci::Result<std::vector<std::string>> RegistryClient::list_tags(std::string_view repository) {
  std::vector<std::string> tags;
  std::string last;
  while (true) {
    auto page = list_tags_page(repository, 0, last);
    if (!page) return std::unexpected(page.error());
    tags.insert(tags.end(), page->tags.begin(), page->tags.end());
    if (!page->next_last) return tags;
    if (*page->next_last == last || page->tags.empty()) {
      return oci::fail(ErrorCode::kInternal,
                       fmt::format("tags of {}: the registry's pagination does not advance past "
                                   "\"{}\"",
                                   repository, last));
    }
    last = std::move(*page->next_last);
  }
}

namespace {

std::vector<oci::Descriptor> of_artifact_type(std::vector<oci::Descriptor> descriptors,
                                              std::string_view artifact_type) {
  if (artifact_type.empty()) return descriptors;
  std::erase_if(descriptors,
                [&](const oci::Descriptor& d) { return d.artifact_type != artifact_type; });
  return descriptors;
}

}  // namespace

oci::Result<std::vector<oci::Descriptor>> RegistryClient::referrers(
    std::string_view repository, const oci::Digest& subject, std::string_view artifact_type) {
  std::string url = fmt::format("/v2/{}/referrers/{}", repository, subject.str());
  if (!artifact_type.empty()) url = add_query(url, "artifactType", artifact_type);
  auto c = Impl::call("GET", std::move(url), repository, false);
  c.request.headers.push_back(fmt::format("Accept: {}", oci::media_type::kOciIndex));
  c.request.max_body = kMaxManifestBytes;
  auto response = impl_->send_expecting(c, {200, 404});
  if (!response) return std::unexpected(response.error());
  // The spec: a 404 means no referrers API, and so does an answer that is not an index.
  std::vector<oci::Descriptor> found;
  bool filtered = true;
  std::set<std::string> visited;
  while (response->status == 200 &&
         oci::media_type::essence(response->headers.get("content-type").value_or("")) ==
             oci::media_type::kOciIndex) {
    auto index = oci::parse_manifest(response->body, oci::media_type::kOciIndex);
    if (!index) {
      return oci::fail(ErrorCode::kManifestInvalid,
                       fmt::format("GET {}: {}", response->url, index.error().message));
    }
    filtered = filtered && response->headers.joined("oci-filters-applied").find("artifactType") !=
                               std::string::npos;
    found.insert(found.end(), std::make_move_iterator(index->manifests.begin()),
                 std::make_move_iterator(index->manifests.end()));
    // A list too long for one index continues at the Link rel="next" (distribution-spec
    // v1.1), on the same registry: the Authorization is not sent anywhere else.
    const auto next = next_link(response->headers.joined("link"));
    if (!next) return filtered ? found : of_artifact_type(std::move(found), artifact_type);
    std::string next_url = resolve_url(response->url, *next);
    if (url_origin(next_url) != url_origin(response->url) || !visited.insert(next_url).second) {
      return oci::fail(ErrorCode::kInternal,
                       fmt::format("GET {}: the referrers' next page {} is on another registry "
                                   "or seen already",
                                   response->url, next_url));
    }
    c.request.url = std::move(next_url);
    response = impl_->send_expecting(c, {200});
    if (!response) return std::unexpected(response.error());
  }
  if (!found.empty()) {
    return oci::fail(
        ErrorCode::kManifestInvalid,
        fmt::format("GET {}: a page of referrers is not an image index", response->url));
  }
  // The tag schema: an index tagged "<alg>-<hex>" lists the referrers.
  const std::string tag = fmt::format("{}-{}", subject.algorithm_name(), subject.hex());
  auto fallback = get_manifest(repository, tag);
  if (!fallback) {
    const auto code = fallback.error().code;
    if (code == ErrorCode::kManifestUnknown || code == ErrorCode::kNotFound ||
        code == ErrorCode::kNameUnknown) {
      return std::vector<oci::Descriptor>{};
    }
    return std::unexpected(fallback.error());
  }
  auto index = oci::parse_manifest(fallback->body, fallback->media_type);
  if (!index || index->kind != oci::media_type::ManifestKind::kIndex) {
    return oci::fail(ErrorCode::kManifestInvalid,
                     fmt::format("{}:{} (referrers tag schema) is not an index", repository, tag));
  }
  return of_artifact_type(std::move(index->manifests), artifact_type);
}

}  // namespace client
