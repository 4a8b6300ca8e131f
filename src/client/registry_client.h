// A client for one registry host speaking the OCI distribution API v1.1 (libcurl):
// authentication (anonymous, Basic, Bearer tokens from WWW-Authenticate challenges, cached
// per scope), TLS trust from certs.d, plain HTTP only when the registry is insecure,
// retries with backoff on 429/5xx/connection errors honouring Retry-After.
//
// Thread-safe: one RegistryClient is shared by every worker that talks to the host;
// connections are reused. Errors carry the spec's code when the registry sent one
// (MANIFEST_UNKNOWN, BLOB_UNKNOWN, UNAUTHORIZED, DENIED, ...), kNotFound for a bare 404 and
// kInternal for transport failures, with the URL and the HTTP status in the message.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/byte_stream.h"
#include "client/credentials.h"
#include "client/tls_trust.h"
#include "oci/digest.h"
#include "oci/error.h"
#include "oci/manifest.h"

namespace client {

struct RetryPolicy {
  int attempts = 5;                                // tries per request, first included
  std::chrono::milliseconds initial_backoff{200};  // doubled after each failure
  std::chrono::milliseconds max_backoff{10'000};   // also caps Retry-After
};

struct RegistryOptions {
  // As written in references: "quay.io", "127.0.0.1:5000". "docker.io" is contacted as
  // "registry-1.docker.io", as every client does.
  std::string host;
  // Plain HTTP allowed and TLS certificates not verified: HTTPS is tried first, HTTP after
  // (containers/image's behaviour for insecure registries and --tls-verify=false).
  bool insecure = false;
  TlsTrust trust;                // CAs and client certificate for this host
  CredentialLookup credentials;  // may be empty: anonymous
  RetryPolicy retry;
  std::string user_agent = "regmirror/0.1.0";
  // Per connection attempt; a host that does not answer in time is a connect failure.
  std::chrono::milliseconds connect_timeout{30'000};
};

// A manifest as the registry holds it.
struct ManifestHead {
  std::string media_type;
  oci::Digest digest;
  std::int64_t size = 0;
};

struct StoredManifest {
  oci::Digest digest;
  // The registry answered with OCI-Subject: it indexes referrers itself. Without it, a
  // client pushing a manifest with a subject maintains the "<alg>-<hex>" tag index.
  bool subject_indexed = false;
};

struct FetchedManifest {
  std::string body;
  std::string media_type;  // Content-Type, or the body's mediaType when that is missing
  oci::Digest digest;      // of the body (verified against the request when it was a digest)
};

// An upload session in progress (the Location the registry gave and how far it got).
struct UploadSession {
  std::string repository;
  std::string location;  // absolute URL
  std::int64_t offset = 0;
};

struct TagPage {
  std::vector<std::string> tags;
  std::optional<std::string> next_last;  // from the Link header; nullopt on the last page
};

class RegistryClient {
 public:
  explicit RegistryClient(RegistryOptions options);
  ~RegistryClient();
  RegistryClient(const RegistryClient&) = delete;
  RegistryClient& operator=(const RegistryClient&) = delete;

  const RegistryOptions& options() const;

  // GET /v2/: reachable, and which scheme it answers on. 401 counts as reachable.
  oci::Result<void> ping();
  // GET /v2/ through the authentication flow with this client's credentials (those for the
  // repository ""): succeeds only when it ends 200; kUnauthorized when the registry refuses
  // them. What `login` checks before it stores credentials.
  oci::Result<void> check_credentials();
  // GET of an endpoint of the registry beside the distribution API ("/regmirror/v1/sync"),
  // authenticated as check_credentials is: the body of its 200 answer (at most 1 MiB).
  oci::Result<std::string> get_json(std::string_view path);

  // `reference` is a tag or a digest. Accept lists the four manifest media types.
  // HEAD: nullopt when the manifest does not exist (404).
  oci::Result<std::optional<ManifestHead>> head_manifest(std::string_view repository,
                                                         std::string_view reference);
  // Bodies over 4 MiB are refused. kVerify: when `reference` is a digest the body must hash
  // to it (else to Docker-Content-Digest); kReport: any 200 body comes back with its own
  // digest, for a caller that judges it (`regmirror verify`: a node takes the source first).
  enum class DigestCheck { kVerify, kReport };
  oci::Result<FetchedManifest> get_manifest(std::string_view repository, std::string_view reference,
                                            DigestCheck check = DigestCheck::kVerify);
  // PUT; the digest the registry reports (Docker-Content-Digest), else the body's.
  oci::Result<StoredManifest> put_manifest(std::string_view repository, std::string_view reference,
                                           std::string_view body, std::string_view media_type);
  oci::Result<void> delete_manifest(std::string_view repository, const oci::Digest& digest);

  // HEAD: the blob's size, nullopt when it does not exist.
  oci::Result<std::optional<std::int64_t>> head_blob(std::string_view repository,
                                                     const oci::Digest& digest);
  // GET from `offset` (a Range request when > 0; a registry ignoring Range fails the call),
  // every byte to `sink`. Redirects are followed (without the registry's Authorization).
  oci::Result<void> get_blob(std::string_view repository, const oci::Digest& digest,
                             std::int64_t offset, const ByteSink& sink);
  oci::Result<void> delete_blob(std::string_view repository, const oci::Digest& digest);

  // POST ?mount=&from=: true when the registry mounted it (201). When it answered 202 with
  // an upload instead, that upload is cancelled and the result is false.
  oci::Result<bool> mount_blob(std::string_view repository, const oci::Digest& digest,
                               std::string_view from_repository);
  // POST then PUT with the whole body: for blobs small enough to send in one request.
  oci::Result<void> upload_blob(std::string_view repository, const oci::Digest& digest,
                                std::int64_t size, const ByteSource& source);
  // Chunked uploads, resumable: start, send chunks (PATCH, Content-Range), finish (PUT
  // ?digest=). upload_status asks the registry how far an existing session got (GET on
  // the location) and fails with kBlobUploadUnknown when the session is gone.
  oci::Result<UploadSession> start_upload(std::string_view repository);
  oci::Result<UploadSession> upload_status(std::string_view repository, std::string_view location);
  oci::Result<void> upload_chunk(UploadSession& session, std::int64_t length,
                                 const ByteSource& source);
  oci::Result<void> finish_upload(UploadSession& session, const oci::Digest& digest);
  oci::Result<void> cancel_upload(const UploadSession& session);

  // One page (n <= 0: the registry's default page size) and every tag, following Link.
  oci::Result<TagPage> list_tags_page(std::string_view repository, int n, std::string_view last);
  oci::Result<std::vector<std::string>> list_tags(std::string_view repository);

  // The referrers API; with a registry that lacks it (404 on the endpoint), the tag schema
  // fallback: the index tagged "<alg>-<hex>". An empty list when there are none.
  oci::Result<std::vector<oci::Descriptor>> referrers(std::string_view repository,
                                                      const oci::Digest& subject,
                                                      std::string_view artifact_type = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace client
