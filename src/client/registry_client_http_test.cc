// RegistryClient against a scripted HTTP server (python3 on loopback) for the answers real
// registries rarely give: paginated referrers, blob redirects to another origin; and an
// endpoint beside the distribution API behind Basic auth.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "client/registry_client.h"
#include "client/test_servers.h"
#include "oci/digest.h"
#include "testsupport/free_port.h"
#include "testsupport/temp_dir.h"

namespace client {
namespace {

using testing::Server;
using testsupport::TempDir;

// Every request is logged as "<path> <Authorization or ->" to log.txt.
constexpr std::string_view kScript = R"PY(
import http.server, json, sys

port, log_path = int(sys.argv[1]), sys.argv[2]
INDEX = "application/vnd.oci.image.index.v1+json"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"

def descriptor(n):
    return {"mediaType": MANIFEST, "digest": "sha256:" + str(n) * 64, "size": n}

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        auth = self.headers.get("Authorization")
        with open(log_path, "a") as log:
            log.write(f"{self.path} {auth or '-'}\n")
        path, _, query = self.path.partition("?")
        if path == "/storage/blob":
            return self.answer(200, b"hello")
        if not auth:
            return self.answer(401, headers=[("WWW-Authenticate", 'Basic realm="test"')])
        if path == "/regmirror/v1/sync":
            return self.answer(200, b'{"sets":[]}', [("Content-Type", "application/json")])
        if path.startswith("/v2/r/referrers/"):
            page = 2 if query == "page=2" else 1
            body = json.dumps({"schemaVersion": 2, "mediaType": INDEX,
                               "manifests": [descriptor(page)]}).encode()
            headers = [("Content-Type", INDEX)]
            if page == 1:
                headers.append(("Link", f'<{path}?page=2>; rel="next"'))
            return self.answer(200, body, headers)
        if path.startswith("/v2/r/blobs/"):
            # Storage on another origin: localhost is not 127.0.0.1.
            return self.answer(307, headers=[("Location", f"http://localhost:{port}/storage/blob")])
        return self.answer(404)

    def log_message(self, *args):
        pass

http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
)PY";

class ScriptedRegistry : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto python = testing::find_program("python3");
    if (!python) GTEST_SKIP() << "python3 is not installed";
    std::ofstream(dir_.path() / "server.py") << kScript;
    const int port = testsupport::free_port();
    server_ = std::make_unique<Server>(
        std::vector<std::string>{python->string(), (dir_.path() / "server.py").string(),
                                 std::to_string(port), log_path().string()},
        dir_.path() / "server.log", port);
    ASSERT_TRUE(server_->wait_ready()) << server_->log_tail();
    RegistryOptions options;
    options.host = server_->host();
    options.insecure = true;  // plain HTTP
    options.retry.attempts = 1;
    options.credentials = [](std::string_view) {
      return std::optional<Credentials>(Credentials{"user", "secret", ""});
    };
    client_ = std::make_unique<RegistryClient>(std::move(options));
  }

  std::filesystem::path log_path() const { return dir_.path() / "log.txt"; }

  std::vector<std::string> log_lines() const {
    std::ifstream in(log_path());
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }

  TempDir dir_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<RegistryClient> client_;
};

TEST_F(ScriptedRegistry, ReferrersFollowTheLinkToEveryPage) {
  const oci::Digest subject = oci::digest_of("subject");
  auto referrers = client_->referrers("r", subject);
  ASSERT_TRUE(referrers) << referrers.error().message;
  ASSERT_EQ(referrers->size(), 2u);
  EXPECT_EQ((*referrers)[0].size, 1);
  EXPECT_EQ((*referrers)[1].size, 2);
}

TEST_F(ScriptedRegistry, AuthorizationIsNotSentToTheRedirectsOtherOrigin) {
  const oci::Digest digest = oci::digest_of("hello");
  std::string body;
  auto got = client_->get_blob("r", digest, 0, [&](std::span<const std::byte> bytes) {
    body.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return oci::Result<void>();
  });
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(body, "hello");
  bool authorized_at_registry = false;
  bool storage_reached = false;
  for (const std::string& line : log_lines()) {
    if (line.starts_with("/v2/r/blobs/") && line.ends_with(" Basic dXNlcjpzZWNyZXQ=")) {
      authorized_at_registry = true;
    }
    if (line.starts_with("/storage/blob")) {
      storage_reached = true;
      EXPECT_EQ(line, "/storage/blob -");
    }
  }
  EXPECT_TRUE(authorized_at_registry);
  EXPECT_TRUE(storage_reached);
}

TEST_F(ScriptedRegistry, GetJsonAnswersAfterTheChallengeAndFailsOnOtherStatuses) {
  auto body = client_->get_json("/regmirror/v1/sync");
  ASSERT_TRUE(body) << body.error().message;
  EXPECT_EQ(*body, R"({"sets":[]})");
  EXPECT_EQ(log_lines().back(), "/regmirror/v1/sync Basic dXNlcjpzZWNyZXQ=");
  auto missing = client_->get_json("/regmirror/v1/nothing");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, oci::ErrorCode::kNotFound) << missing.error().message;
}

}  // namespace
}  // namespace client
