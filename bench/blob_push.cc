// blob_push: pushes one (large) blob from a file, the way a client such as skopeo does.
//   monolithic: POST /v2/<repo>/blobs/uploads/ (202), PUT <Location>?digest= with the body (201)
//   chunked:    POST (202), PATCH <Location> with Content-Range per chunk (202, new Location),
//               PUT <Location>?digest= without body (201)
// Bodies go out with sendfile(2), so the client costs next to nothing. Afterwards a HEAD of
// the blob must answer 200 with the file's size.
//
//   blob_push [--chunk BYTES] http://host:port REPO FILE sha256:HEX
//
// Prints: bytes, seconds, mb_per_s (10^6 bytes/s), requests, and ok=1 or the failure.
// Build: g++ -O2 -std=c++23 blob_push.cc -o blob_push
#include <fcntl.h>
#include <sys/stat.h>

#include <vector>

#include <csignal>

#include "http_util.h"

namespace {

using bench::die;

[[noreturn]] void failed(const std::string& request, const std::optional<bench::Response>& r) {
  std::printf("ok=0 failed_request=\"%s\" response=\"%s %s\"\n", request.c_str(),
              r ? r->head.substr(0, r->head.find("\r\n")).c_str() : "no response",
              r ? r->body.substr(0, 300).c_str() : "");
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a server that drops the connection is reported, not fatal
  std::uint64_t chunk = 0;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--chunk" && i + 1 < argc) chunk = std::stoull(argv[++i]);
    else if (arg.starts_with("-")) die("unknown option " + std::string(arg));
    else positional.emplace_back(arg);
  }
  if (positional.size() != 4) die("usage: blob_push [--chunk BYTES] http://host:port REPO FILE DIGEST");
  const bench::Url base = bench::parse_url(positional[0]);
  const std::string& repo = positional[1];
  const std::string& digest = positional[3];
  const int file = ::open(positional[2].c_str(), O_RDONLY | O_CLOEXEC);
  if (file < 0) die("cannot open " + positional[2]);
  struct stat st{};
  fstat(file, &st);
  const auto size = static_cast<std::uint64_t>(st.st_size);

  bench::Connection conn(base.host, base.port);
  const std::string host = conn.host_header();
  const std::string octet = "Content-Type: application/octet-stream\r\n";
  int requests = 0;
  const double start = bench::now_seconds();

  auto exchange = [&](const std::string& head, std::uint64_t offset, std::uint64_t length,
                      bool is_head = false) {
    ++requests;
    if (!bench::send_all(conn.fd(), head) ||
        (length > 0 && !bench::send_file(conn.fd(), file, offset, length))) {
      failed(head.substr(0, head.find("\r\n")) + " (send failed)", std::nullopt);
    }
    auto r = conn.read_response(is_head);
    if (r && r->close) conn.reset();
    return r;
  };

  const std::string post_path = "/v2/" + repo + "/blobs/uploads/";
  auto started = exchange(bench::request_head("POST", post_path, host, "", 0), 0, 0);
  if (!started || started->status != 202 || !started->header("Location")) {
    failed("POST " + post_path, started);
  }
  std::string location = bench::location_path(*started->header("Location"));

  std::uint64_t put_length = size;
  if (chunk > 0) {
    for (std::uint64_t offset = 0; offset < size; offset += chunk) {
      const std::uint64_t length = std::min(chunk, size - offset);
      const std::string range = "Content-Range: " + std::to_string(offset) + "-" +
                                std::to_string(offset + length - 1) + "\r\n";
      auto patched =
          exchange(bench::request_head("PATCH", location, host, octet + range, length), offset, length);
      if (!patched || patched->status != 202 || !patched->header("Location")) {
        failed("PATCH " + location + " " + range.substr(0, range.size() - 2), patched);
      }
      location = bench::location_path(*patched->header("Location"));
    }
    put_length = 0;
  }
  const std::string put_path = bench::with_param(location, "digest=" + digest);
  auto put = exchange(bench::request_head("PUT", put_path, host, octet, put_length), 0, put_length);
  if (!put || put->status != 201) failed("PUT " + put_path, put);
  const double elapsed = bench::now_seconds() - start;

  const std::string blob_path = "/v2/" + repo + "/blobs/" + digest;
  auto head = exchange(bench::request_head("HEAD", blob_path, host, "", std::nullopt), 0, 0, true);
  if (!head || head->status != 200 || head->header("Content-Length") != std::to_string(size)) {
    failed("HEAD " + blob_path, head);
  }
  std::printf("ok=1 bytes=%llu seconds=%.3f mb_per_s=%.1f requests=%d\n",
              static_cast<unsigned long long>(size), elapsed,
              static_cast<double>(size) / elapsed / 1e6, requests);
  return 0;
}
