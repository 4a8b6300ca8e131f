// RegistryClient against real registries on loopback: regmirror serve and Debian's
// docker-registry (CNCF distribution 2.8), plain, behind htpasswd Basic auth, and behind
// tests/fixtures/token_server.py for the token flow. Skipped when docker-registry is missing.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "client/registry_client.h"
#include "client/test_servers.h"
#include "oci/media_type.h"
#include "testsupport/free_port.h"
#include "testsupport/temp_dir.h"

namespace client {
namespace {

using namespace std::chrono_literals;
using oci::ErrorCode;
using testing::Server;
using testsupport::TempDir;
namespace mt = oci::media_type;

// ---------------------------------------------------------------------------------------
// Servers, started once for the whole run.

struct Servers {
  TempDir dir;
  std::unique_ptr<Server> regmirror;
  std::unique_ptr<Server> registry;        // docker-registry, no auth
  std::unique_ptr<Server> basic_registry;  // docker-registry with htpasswd
  std::unique_ptr<Server> bearer;          // token_server.py in front of `registry`
  std::filesystem::path token_log;         // its requests, /token ones with "granted"
  std::string error;                       // why they could not start
};

constexpr const char* kUser = "tester";
constexpr const char* kPassword = "s3cret pass";

std::unique_ptr<Servers> start_servers() {
  auto started = std::make_unique<Servers>();
  Servers& s = *started;
  {
    const char* bin = std::getenv("REGMIRROR_BIN");
    if (!bin || !*bin) {
      s.error = "REGMIRROR_BIN is not set";
      return started;
    }
    if (!testing::find_program("docker-registry")) {
      s.error = "skip: docker-registry is not installed";
      return started;
    }
    s.regmirror = testing::start_regmirror(bin, s.dir.path() / "regmirror");
    s.registry = testing::start_docker_registry(s.dir.path() / "registry");
    s.basic_registry = testing::start_docker_registry(s.dir.path() / "basic", kUser, kPassword);
    s.token_log = s.dir.path() / "tokens.jsonl";
    s.bearer = testing::start_token_server(
        std::filesystem::path(REGMIRROR_SOURCE_DIR) / "tests/fixtures/token_server.py",
        s.dir.path() / "bearer", s.registry->port(), kUser, kPassword, /*expires_in=*/3,
        s.token_log);
    for (Server* server :
         {s.regmirror.get(), s.registry.get(), s.basic_registry.get(), s.bearer.get()}) {
      if (!server->wait_ready()) s.error = "a server did not start:\n" + server->log_tail();
    }
  }
  return started;
}

Servers& servers() {
  static const std::unique_ptr<Servers> s = start_servers();
  return *s;
}

#define REQUIRE_SERVERS()                                         \
  do {                                                            \
    const auto& why = servers().error;                            \
    if (why.starts_with("skip: ")) GTEST_SKIP() << why.substr(6); \
    ASSERT_TRUE(why.empty()) << why;                              \
  } while (0)

RegistryOptions options_for(const Server& server, const std::optional<Credentials>& creds = {}) {
  RegistryOptions options;
  options.host = server.host();
  options.insecure = true;  // plain HTTP: exercises the https -> http fallback
  options.retry.initial_backoff = 50ms;
  if (creds) options.credentials = [creds](std::string_view) { return creds; };
  return options;
}

// ---------------------------------------------------------------------------------------
// Content

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(gen() & 0xff);
  return out;
}

// A source that hands out `data` in small pieces and counts how often it was read.
struct Source {
  explicit Source(std::string_view data) : data(data) {}
  std::string_view data;
  std::size_t offset = 0;
  ByteSource fn() {
    return [this](std::span<std::byte> buffer) -> oci::Result<std::size_t> {
      const std::size_t n = std::min({buffer.size(), data.size() - offset, std::size_t{7000}});
      std::memcpy(buffer.data(), data.data() + offset, n);
      offset += n;
      return n;
    };
  }
};

ByteSink sink_into(std::string& out) {
  return [&out](std::span<const std::byte> bytes) -> oci::Result<void> {
    out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return {};
  };
}

oci::Digest push_blob(RegistryClient& client, std::string_view repo, const std::string& data) {
  const auto digest = oci::digest_of(data);
  Source source(data);
  auto pushed =
      client.upload_blob(repo, digest, static_cast<std::int64_t>(data.size()), source.fn());
  EXPECT_TRUE(pushed) << pushed.error().message;
  return digest;
}

nlohmann::json descriptor(std::string_view media_type, const std::string& data) {
  return {{"mediaType", media_type}, {"digest", oci::digest_of(data).str()}, {"size", data.size()}};
}

struct Image {
  std::string body;
  oci::Digest digest;
};

// An OCI image (a random layer, an empty config) or, with an artifact type, an artifact
// manifest referring to `subject`.
Image push_image(RegistryClient& client, std::string_view repo, std::string_view tag, unsigned seed,
                 const Image* subject = nullptr, std::string_view artifact_type = {}) {
  const std::string layer = random_bytes(1000 + seed, seed);
  const std::string config = "{}";
  push_blob(client, repo, layer);
  push_blob(client, repo, config);
  nlohmann::json manifest = {
      {"schemaVersion", 2},
      {"mediaType", mt::kOciManifest},
      {"config", descriptor(artifact_type.empty() ? "application/vnd.oci.image.config.v1+json"
                                                  : std::string(mt::kOciEmpty),
                            config)},
      {"layers",
       nlohmann::json::array({descriptor("application/vnd.oci.image.layer.v1.tar", layer)})}};
  if (!artifact_type.empty()) manifest["artifactType"] = artifact_type;
  if (subject) manifest["subject"] = descriptor(mt::kOciManifest, subject->body);
  Image image{manifest.dump(), oci::digest_of(manifest.dump())};
  const std::string reference = tag.empty() ? image.digest.str() : std::string(tag);
  auto put = client.put_manifest(repo, reference, image.body, mt::kOciManifest);
  EXPECT_TRUE(put) << put.error().message;
  if (put) {
    EXPECT_EQ(put->digest, image.digest);
  }
  return image;
}

std::string unique_repo(std::string_view hint) {
  static std::atomic<int> counter{0};
  return fmt::format("client-test/{}-{}-{}", hint, ::getpid(), counter++);
}

// ---------------------------------------------------------------------------------------
// The same checks on regmirror and docker-registry.

class BothRegistries : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    REQUIRE_SERVERS();
    server_ = GetParam() == "regmirror" ? servers().regmirror.get() : servers().registry.get();
    client_ = std::make_unique<RegistryClient>(options_for(*server_));
  }
  bool is_regmirror() const { return GetParam() == "regmirror"; }

  Server* server_ = nullptr;
  std::unique_ptr<RegistryClient> client_;
};

TEST_P(BothRegistries, Ping) {
  auto pinged = client_->ping();
  EXPECT_TRUE(pinged) << pinged.error().message;
}

TEST_P(BothRegistries, MonolithicUploadAndRangedGet) {
  const auto repo = unique_repo("mono");
  const std::string data = random_bytes(300'000, 1);
  const auto digest = push_blob(*client_, repo, data);

  auto size = client_->head_blob(repo, digest);
  ASSERT_TRUE(size) << size.error().message;
  EXPECT_EQ(*size, std::optional<std::int64_t>(data.size()));

  std::string got;
  auto whole = client_->get_blob(repo, digest, 0, sink_into(got));
  ASSERT_TRUE(whole) << whole.error().message;
  EXPECT_EQ(got, data);

  std::string tail;
  auto ranged = client_->get_blob(repo, digest, 123'456, sink_into(tail));
  ASSERT_TRUE(ranged) << ranged.error().message;
  EXPECT_EQ(tail, data.substr(123'456));
}

TEST_P(BothRegistries, ChunkedUploadResumesFromTheRegistrysOffset) {
  const auto repo = unique_repo("chunked");
  const std::string data = random_bytes(2'500'000, 2);
  const auto digest = oci::digest_of(data);

  auto session = client_->start_upload(repo);
  ASSERT_TRUE(session) << session.error().message;
  EXPECT_EQ(session->offset, 0);
  EXPECT_TRUE(session->location.starts_with("http://" + server_->host() + "/"))
      << session->location;

  Source first(std::string_view(data).substr(0, 1'000'000));
  auto sent = client_->upload_chunk(*session, 1'000'000, first.fn());
  ASSERT_TRUE(sent) << sent.error().message;
  EXPECT_EQ(session->offset, 1'000'000);

  // A new process would know only the location: ask the registry where it got to.
  auto resumed = client_->upload_status(repo, session->location);
  ASSERT_TRUE(resumed) << resumed.error().message;
  EXPECT_EQ(resumed->offset, 1'000'000);
  EXPECT_EQ(resumed->repository, repo);

  Source rest(std::string_view(data).substr(1'000'000));
  sent = client_->upload_chunk(*resumed, 1'500'000, rest.fn());
  ASSERT_TRUE(sent) << sent.error().message;
  EXPECT_EQ(resumed->offset, 2'500'000);
  auto finished = client_->finish_upload(*resumed, digest);
  ASSERT_TRUE(finished) << finished.error().message;

  std::string got;
  ASSERT_TRUE(client_->get_blob(repo, digest, 0, sink_into(got)));
  EXPECT_EQ(got, data);

  // The finished session is gone.
  auto gone = client_->upload_status(repo, resumed->location);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::kBlobUploadUnknown) << gone.error().message;
}

TEST_P(BothRegistries, ChunkAtTheWrongOffsetIsRefused) {
  const auto repo = unique_repo("badchunk");
  auto session = client_->start_upload(repo);
  ASSERT_TRUE(session);
  session->offset = 10;  // the registry holds 0 bytes
  const std::string data = random_bytes(100, 3);
  Source source(data);
  auto sent = client_->upload_chunk(*session, 100, source.fn());
  EXPECT_FALSE(sent);
  ASSERT_TRUE(client_->cancel_upload(*session));
}

TEST_P(BothRegistries, MountBetweenRepositories) {
  const auto from = unique_repo("mount-src");
  const auto to = unique_repo("mount-dst");
  const std::string data = random_bytes(5000, 4);
  const auto digest = push_blob(*client_, from, data);
  auto mounted = client_->mount_blob(to, digest, from);
  ASSERT_TRUE(mounted) << mounted.error().message;
  EXPECT_TRUE(*mounted);
  EXPECT_EQ(client_->head_blob(to, digest).value(), std::optional<std::int64_t>(data.size()));

  const auto unknown = oci::digest_of("never pushed");
  mounted = client_->mount_blob(to, unknown, from);
  ASSERT_TRUE(mounted) << mounted.error().message;
  EXPECT_FALSE(*mounted);
}

TEST_P(BothRegistries, ManifestRoundTrip) {
  const auto repo = unique_repo("manifest");
  const Image image = push_image(*client_, repo, "v1", 5);

  for (const std::string& ref : {std::string("v1"), image.digest.str()}) {
    auto head = client_->head_manifest(repo, ref);
    ASSERT_TRUE(head) << head.error().message;
    ASSERT_TRUE(head->has_value()) << ref;
    EXPECT_EQ((*head)->digest, image.digest);
    EXPECT_EQ((*head)->size, static_cast<std::int64_t>(image.body.size()));
    EXPECT_EQ((*head)->media_type, mt::kOciManifest);

    auto got = client_->get_manifest(repo, ref);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->body, image.body);
    EXPECT_EQ(got->digest, image.digest);
    EXPECT_EQ(got->media_type, mt::kOciManifest);
  }
}

TEST_P(BothRegistries, WhatIsMissing) {
  const auto repo = unique_repo("missing");
  push_image(*client_, repo, "v1", 6);
  auto head = client_->head_manifest(repo, "nope");
  ASSERT_TRUE(head) << head.error().message;
  EXPECT_FALSE(head->has_value());

  auto got = client_->get_manifest(repo, "nope");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kManifestUnknown) << got.error().message;
  EXPECT_NE(got.error().message.find("HTTP 404"), std::string::npos) << got.error().message;

  const auto unknown = oci::digest_of("no such blob");
  EXPECT_EQ(client_->head_blob(repo, unknown).value(), std::nullopt);
  std::string sink;
  auto blob = client_->get_blob(repo, unknown, 0, sink_into(sink));
  ASSERT_FALSE(blob);
  EXPECT_EQ(blob.error().code, ErrorCode::kBlobUnknown) << blob.error().message;
  EXPECT_TRUE(sink.empty());
}

TEST_P(BothRegistries, TagsFollowPagination) {
  const auto repo = unique_repo("tags");
  const Image image = push_image(*client_, repo, "a", 7);
  std::vector<std::string> expected = {"a"};
  for (const std::string tag : {"b", "c", "d", "e"}) {
    ASSERT_TRUE(client_->put_manifest(repo, tag, image.body, mt::kOciManifest));
    expected.push_back(tag);
  }
  auto page = client_->list_tags_page(repo, 2, "");
  ASSERT_TRUE(page) << page.error().message;
  if (is_regmirror() || page->next_last) {
    EXPECT_EQ(page->tags, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(page->next_last, "b");
    auto second = client_->list_tags_page(repo, 2, *page->next_last);
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_EQ(second->tags, (std::vector<std::string>{"c", "d"}));
    auto last = client_->list_tags_page(repo, 2, "d");
    ASSERT_TRUE(last) << last.error().message;
    EXPECT_EQ(last->tags, (std::vector<std::string>{"e"}));
    EXPECT_EQ(last->next_last, std::nullopt);
  } else {
    // docker-registry 2.8 ignores n: one page with every tag (unsorted) and no Link.
    std::ranges::sort(page->tags);
    EXPECT_EQ(page->tags, expected);
  }
  auto all = client_->list_tags(repo);
  ASSERT_TRUE(all) << all.error().message;
  std::ranges::sort(*all);
  EXPECT_EQ(*all, expected);

  auto unknown = client_->list_tags(unique_repo("never"));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNameUnknown) << unknown.error().message;
}

TEST_P(BothRegistries, Referrers) {
  const auto repo = unique_repo("referrers");
  const Image subject = push_image(*client_, repo, "v1", 8);
  auto none = client_->referrers(repo, subject.digest);
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_TRUE(none->empty());

  const Image sig = push_image(*client_, repo, "", 9, &subject, "application/vnd.example.sig");
  const Image sbom = push_image(*client_, repo, "", 10, &subject, "application/vnd.example.sbom");
  if (!is_regmirror()) {
    // docker-registry has no referrers API: clients maintain the tag schema's index.
    nlohmann::json index = {
        {"schemaVersion", 2}, {"mediaType", mt::kOciIndex}, {"manifests", nlohmann::json::array()}};
    for (const Image* image : {&sig, &sbom}) {
      auto d = descriptor(mt::kOciManifest, image->body);
      d["artifactType"] =
          image == &sig ? "application/vnd.example.sig" : "application/vnd.example.sbom";
      index["manifests"].push_back(d);
    }
    const std::string tag = "sha256-" + std::string(subject.digest.hex());
    ASSERT_TRUE(client_->put_manifest(repo, tag, index.dump(), mt::kOciIndex));
  }
  auto all = client_->referrers(repo, subject.digest);
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), 2u);
  std::vector<std::string> digests;
  for (const auto& d : *all) digests.push_back(d.digest.str());
  std::ranges::sort(digests);
  std::vector<std::string> expected = {sig.digest.str(), sbom.digest.str()};
  std::ranges::sort(expected);
  EXPECT_EQ(digests, expected);

  auto sboms = client_->referrers(repo, subject.digest, "application/vnd.example.sbom");
  ASSERT_TRUE(sboms) << sboms.error().message;
  ASSERT_EQ(sboms->size(), 1u);
  EXPECT_EQ(sboms->front().digest, sbom.digest);
  EXPECT_EQ(sboms->front().artifact_type, "application/vnd.example.sbom");
}

TEST_P(BothRegistries, Delete) {
  const auto repo = unique_repo("delete");
  const Image image = push_image(*client_, repo, "v1", 11);
  auto deleted = client_->delete_manifest(repo, image.digest);
  ASSERT_TRUE(deleted) << deleted.error().message;
  EXPECT_EQ(client_->head_manifest(repo, image.digest.str()).value(), std::nullopt);
  auto again = client_->delete_manifest(repo, image.digest);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kManifestUnknown) << again.error().message;

  const std::string data = random_bytes(4000, 12);
  const auto blob = push_blob(*client_, repo, data);
  auto blob_deleted = client_->delete_blob(repo, blob);
  ASSERT_TRUE(blob_deleted) << blob_deleted.error().message;
  EXPECT_EQ(client_->head_blob(repo, blob).value(), std::nullopt);
}

TEST_P(BothRegistries, OneClientManyThreads) {
  const auto repo = unique_repo("threads");
  std::vector<std::thread> workers;
  workers.reserve(6);
  std::atomic<int> good{0};
  for (unsigned t = 0; t < 6; ++t) {
    workers.emplace_back([&, t] {
      for (unsigned i = 0; i < 3; ++i) {
        const std::string data = random_bytes(50'000 + t * 1000 + i, 100 + t * 10 + i);
        const auto digest = oci::digest_of(data);
        Source source(data);
        if (!client_->upload_blob(repo, digest, static_cast<std::int64_t>(data.size()),
                                  source.fn()))
          continue;
        std::string got;
        if (client_->get_blob(repo, digest, 0, sink_into(got)) && got == data) ++good;
      }
    });
  }
  for (auto& w : workers) w.join();
  EXPECT_EQ(good, 18);
}

INSTANTIATE_TEST_SUITE_P(Registries, BothRegistries,
                         ::testing::Values("regmirror", "docker-registry"), [](const auto& info) {
                           return info.param == "regmirror" ? std::string("Regmirror")
                                                            : std::string("DockerRegistry");
                         });

// ---------------------------------------------------------------------------------------
// What needs one particular server.

// docker-registry's stored manifest bytes, to make it serve what it would not accept.
std::filesystem::path stored_blob(const oci::Digest& digest) {
  const auto hex = std::string(digest.hex());
  return servers().dir.path() / "registry/data/docker/registry/v2/blobs/sha256" / hex.substr(0, 2) /
         hex / "data";
}

TEST(ClientChecks, DigestMismatchIsDetected) {
  REQUIRE_SERVERS();
  RegistryClient client(options_for(*servers().registry));
  const auto repo = unique_repo("tampered");
  const Image image = push_image(client, repo, "v1", 13);
  // docker-registry serves stored bytes unverified: change them on disk.
  const auto path = stored_blob(image.digest);
  ASSERT_TRUE(std::filesystem::exists(path)) << path;
  std::string tampered = image.body;
  tampered.back() = ' ';
  tampered.push_back('}');
  std::ofstream(path, std::ios::binary | std::ios::trunc) << tampered;

  for (const std::string& ref : {image.digest.str(), std::string("v1")}) {
    auto got = client.get_manifest(repo, ref);
    ASSERT_FALSE(got) << ref;
    EXPECT_EQ(got.error().code, ErrorCode::kDigestInvalid) << got.error().message;
    EXPECT_NE(got.error().message.find("expected " + image.digest.str()), std::string::npos)
        << got.error().message;
    EXPECT_NE(got.error().message.find("got " + oci::digest_of(tampered).str()), std::string::npos)
        << got.error().message;
  }
}

TEST(ClientChecks, ManifestsOver4MiBAreRefused) {
  REQUIRE_SERVERS();
  RegistryClient client(options_for(*servers().regmirror));  // it takes up to 8 MiB here
  const auto repo = unique_repo("huge");
  const Image image = push_image(client, repo, "v1", 14);
  auto manifest = nlohmann::json::parse(image.body);
  manifest["annotations"] = {{"padding", std::string(std::size_t{5} << 20, 'x')}};
  auto put = client.put_manifest(repo, "huge", manifest.dump(), mt::kOciManifest);
  ASSERT_TRUE(put) << put.error().message;
  auto got = client.get_manifest(repo, "huge");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kSizeInvalid) << got.error().message;
  EXPECT_TRUE(client.get_manifest(repo, "v1"));
}

TEST(ClientChecks, SecureClientDoesNotFallBackToHttp) {
  REQUIRE_SERVERS();
  RegistryOptions options = options_for(*servers().regmirror);
  options.insecure = false;
  options.retry.attempts = 1;
  RegistryClient client(options);
  auto pinged = client.ping();
  ASSERT_FALSE(pinged);
  EXPECT_EQ(pinged.error().code, ErrorCode::kInternal);
  EXPECT_NE(pinged.error().message.find("https://" + servers().regmirror->host()),
            std::string::npos)
      << pinged.error().message;
}

TEST(ClientChecks, NothingListening) {
  const int port = testsupport::free_port();
  RegistryOptions options;
  options.host = "127.0.0.1:" + std::to_string(port);
  options.insecure = true;
  options.retry = {3, 10ms, 20ms};
  RegistryClient client(options);
  const auto start = std::chrono::steady_clock::now();
  auto pinged = client.ping();
  ASSERT_FALSE(pinged);
  EXPECT_EQ(pinged.error().code, ErrorCode::kInternal);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(BasicAuth, WrongAndRightCredentials) {
  REQUIRE_SERVERS();
  const Server& server = *servers().basic_registry;
  const auto repo = unique_repo("basic");

  RegistryClient anonymous(options_for(server));
  EXPECT_TRUE(anonymous.ping());  // 401 counts as reachable
  auto refused = anonymous.head_manifest(repo, "v1");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnauthorized) << refused.error().message;

  RegistryClient wrong(options_for(server, Credentials{kUser, "wrong", ""}));
  refused = wrong.head_manifest(repo, "v1");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnauthorized) << refused.error().message;
  EXPECT_NE(refused.error().message.find("HTTP 401"), std::string::npos);

  EXPECT_EQ(wrong.check_credentials().error().code, ErrorCode::kUnauthorized);

  RegistryClient right(options_for(server, Credentials{kUser, kPassword, ""}));
  auto checked = right.check_credentials();
  EXPECT_TRUE(checked) << checked.error().message;
  const Image image = push_image(right, repo, "v1", 15);
  auto got = right.get_manifest(repo, "v1");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->digest, image.digest);
}

// ---------------------------------------------------------------------------------------
// Bearer tokens through token_server.py (tokens live 3 s).

std::vector<std::vector<std::string>> token_requests() {
  std::vector<std::vector<std::string>> requests;
  std::ifstream in(servers().token_log);
  std::string line;
  while (std::getline(in, line)) {
    const auto record = nlohmann::json::parse(line);
    if (record.value("granted", false)) {
      auto scopes = record["scopes"].get<std::vector<std::string>>();
      std::ranges::sort(scopes);
      requests.push_back(std::move(scopes));
    }
  }
  return requests;
}

TEST(BearerAuth, TokensPerScopeCachedAndRefreshed) {
  REQUIRE_SERVERS();
  RegistryClient client(options_for(*servers().bearer, Credentials{kUser, kPassword, ""}));
  const auto a = unique_repo("bearer-a");
  const auto b = unique_repo("bearer-b");
  const auto c = unique_repo("bearer-c");
  const auto scope = [](const std::string& repo, std::string_view actions) {
    return fmt::format("repository:{}:{}", repo, actions);
  };
  auto before = token_requests().size();

  const std::string data = random_bytes(200'000, 16);
  const auto digest = push_blob(client, a, data);
  auto requests = token_requests();
  ASSERT_EQ(requests.size(), before + 1);
  EXPECT_EQ(requests.back(), std::vector<std::string>{scope(a, "pull,push")});

  // Another repository, read only: its own token.
  EXPECT_EQ(client.head_blob(b, digest).value(), std::nullopt);
  requests = token_requests();
  ASSERT_EQ(requests.size(), before + 2);
  EXPECT_EQ(requests.back(), std::vector<std::string>{scope(b, "pull")});

  // Cached: no new token.
  EXPECT_EQ(client.head_blob(b, digest).value(), std::nullopt);
  EXPECT_EQ(token_requests().size(), before + 2);

  // A mount asks for both repositories in one token.
  auto mounted = client.mount_blob(c, digest, a);
  ASSERT_TRUE(mounted) << mounted.error().message;
  EXPECT_TRUE(*mounted);
  requests = token_requests();
  ASSERT_EQ(requests.size(), before + 3);
  EXPECT_EQ(requests.back(), (std::vector<std::string>{scope(a, "pull"), scope(c, "pull,push")}));

  // Expired tokens are fetched again. (Blob GETs are redirected to a storage origin that
  // refuses requests carrying the registry's Authorization.)
  std::this_thread::sleep_for(3100ms);
  std::string got;
  auto fetched = client.get_blob(c, digest, 0, sink_into(got));
  ASSERT_TRUE(fetched) << fetched.error().message;
  EXPECT_EQ(got, data);
  got.clear();
  fetched = client.get_blob(c, digest, 1000, sink_into(got));
  ASSERT_TRUE(fetched) << fetched.error().message;
  EXPECT_EQ(got, data.substr(1000));
  EXPECT_EQ(client.head_blob(b, digest).value(), std::nullopt);
  requests = token_requests();
  ASSERT_EQ(requests.size(), before + 5);
  EXPECT_EQ(requests[before + 3], std::vector<std::string>{scope(c, "pull")});
  EXPECT_EQ(requests[before + 4], std::vector<std::string>{scope(b, "pull")});
}

TEST(BearerAuth, ChunkedUploadAndManifestsThroughTheProxy) {
  REQUIRE_SERVERS();
  RegistryClient client(options_for(*servers().bearer, Credentials{kUser, kPassword, ""}));
  const auto repo = unique_repo("bearer-up");
  const std::string data = random_bytes(1'500'000, 17);
  auto session = client.start_upload(repo);
  ASSERT_TRUE(session) << session.error().message;
  // The token expires before the chunk goes: the PATCH is refused before its body is sent
  // (Expect: 100-continue), so it can be repeated with a new token.
  std::this_thread::sleep_for(3100ms);
  Source source(data);
  auto sent = client.upload_chunk(*session, static_cast<std::int64_t>(data.size()), source.fn());
  ASSERT_TRUE(sent) << sent.error().message;
  ASSERT_TRUE(client.finish_upload(*session, oci::digest_of(data)));
  const Image image = push_image(client, repo, "v1", 18);
  auto got = client.get_manifest(repo, "v1");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->digest, image.digest);
  auto tags = client.list_tags(repo);
  ASSERT_TRUE(tags) << tags.error().message;
  EXPECT_EQ(*tags, std::vector<std::string>{"v1"});
  auto deleted = client.delete_manifest(repo, image.digest);
  ASSERT_TRUE(deleted) << deleted.error().message;
  EXPECT_EQ(client.head_manifest(repo, "v1").value(), std::nullopt);
}

TEST(BearerAuth, WrongOrNoCredentials) {
  REQUIRE_SERVERS();
  const auto repo = unique_repo("bearer-refused");
  RegistryClient wrong(options_for(*servers().bearer, Credentials{kUser, "nope", ""}));
  auto refused = wrong.head_manifest(repo, "v1");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnauthorized) << refused.error().message;
  EXPECT_NE(refused.error().message.find("token"), std::string::npos) << refused.error().message;

  EXPECT_EQ(wrong.check_credentials().error().code, ErrorCode::kUnauthorized);
  RegistryClient right(options_for(*servers().bearer, Credentials{kUser, kPassword, ""}));
  auto checked = right.check_credentials();
  EXPECT_TRUE(checked) << checked.error().message;

  RegistryClient anonymous(options_for(*servers().bearer));
  refused = anonymous.head_manifest(repo, "v1");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnauthorized) << refused.error().message;
}

TEST(BearerAuth, ManyThreadsShareTheTokenCache) {
  REQUIRE_SERVERS();
  RegistryClient client(options_for(*servers().bearer, Credentials{kUser, kPassword, ""}));
  std::vector<std::thread> workers;
  workers.reserve(4);
  std::atomic<int> good{0};
  for (unsigned t = 0; t < 4; ++t) {
    workers.emplace_back([&, t] {
      const auto repo = unique_repo("bearer-threads");
      for (unsigned i = 0; i < 3; ++i) {
        const std::string data = random_bytes(30'000 + i, 200 + t * 10 + i);
        const auto digest = oci::digest_of(data);
        Source source(data);
        if (!client.upload_blob(repo, digest, static_cast<std::int64_t>(data.size()), source.fn()))
          continue;
        std::string got;
        if (client.get_blob(repo, digest, 0, sink_into(got)) && got == data) ++good;
      }
    });
  }
  for (auto& w : workers) w.join();
  EXPECT_EQ(good, 12);
}

}  // namespace
}  // namespace client
