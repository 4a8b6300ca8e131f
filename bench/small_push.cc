// small_push: many small blob pushes from W workers, each on its own keep-alive connection.
// One push = POST /v2/<repo>/blobs/uploads/ (202 + Location), then PUT <Location>?digest=
// with the whole body (201). Blobs are random and distinct, generated and hashed before the
// clock starts, so the client does little more than write requests and parse responses.
// With -m a push is a whole small image: then PUT /v2/<repo>/manifests/pN (201), an OCI
// manifest with the blob as its one layer and the empty config ({}, pushed once before the
// clock starts): what a registry records a push event for.
//
//   small_push [-w 8] [-n 200] [-s 4096] [-m] http://host:port REPO
//
// Prints: pushes, seconds, pushes_per_s, p50/p99 latency of a push (ms), failures, and the
// client's own CPU seconds (to see whether the client is the limit).
// Build: g++ -O2 -std=c++23 -pthread small_push.cc -lcrypto -o small_push
#include <openssl/evp.h>
#include <sys/resource.h>

#include <atomic>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include <csignal>

#include "http_util.h"

namespace {

using bench::die;

struct Blob {
  std::string bytes;
  std::string digest;
};

std::string sha256_digest(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto tv = [](timeval t) { return static_cast<double>(t.tv_sec) + t.tv_usec * 1e-6; };
  return tv(usage.ru_utime) + tv(usage.ru_stime);
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a server that drops the connection is reported, not fatal
  int workers = 8, count = 200;
  std::size_t size = 4096;
  bool manifests = false;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value for " + std::string(arg));
      return argv[++i];
    };
    if (arg == "-w")
      workers = std::stoi(value());
    else if (arg == "-n")
      count = std::stoi(value());
    else if (arg == "-s")
      size = std::stoul(value());
    else if (arg == "-m")
      manifests = true;
    else if (arg.starts_with("-"))
      die("unknown option " + std::string(arg));
    else
      positional.emplace_back(arg);
  }
  if (positional.size() != 2 || workers < 1 || count < 1) {
    die("usage: small_push [-w WORKERS] [-n PUSHES] [-s BYTES] [-m] http://host:port REPO");
  }
  const bench::Url base = bench::parse_url(positional[0]);
  const std::string repo = positional[1];

  std::vector<Blob> blobs(static_cast<std::size_t>(count));
  std::mt19937_64 rng(std::random_device{}());
  for (auto& blob : blobs) {
    blob.bytes.resize(size);
    for (std::size_t i = 0; i < size; i += 8) {
      const std::uint64_t r = rng();
      std::memcpy(blob.bytes.data() + i, &r, std::min<std::size_t>(8, size - i));
    }
    blob.digest = sha256_digest(blob.bytes);
  }

  // The empty config every manifest names; tags pN-RUN, RUN random, so runs never collide.
  const std::string empty_config = "{}";
  const std::string empty_digest = sha256_digest(empty_config);
  const std::string run_id = std::to_string(rng() % 1000000000);
  if (manifests) {
    bench::Connection conn(base.host, base.port);
    const std::string path = "/v2/" + repo + "/blobs/uploads/?digest=" + empty_digest;
    const bool sent = bench::send_all(
        conn.fd(), bench::request_head("POST", path, conn.host_header(),
                                       "Content-Type: application/octet-stream\r\n", 2) +
                       empty_config);
    auto posted = sent ? conn.read_response(false) : std::nullopt;
    if (!posted || posted->status != 201) die("pushing the empty config: POST " + path + " failed");
  }

  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  std::mutex report_mutex;
  std::string first_failure;
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(workers));
  auto fail = [&](std::string what) {
    if (failures.fetch_add(1) == 0) {
      std::lock_guard lock(report_mutex);
      first_failure = std::move(what);
    }
  };

  const double cpu_before = cpu_seconds();
  const double start = bench::now_seconds();
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      bench::Connection conn(base.host, base.port);
      const std::string host = conn.host_header();
      for (int i; (i = next.fetch_add(1)) < count;) {
        const Blob& blob = blobs[static_cast<std::size_t>(i)];
        const double t0 = bench::now_seconds();
        const std::string post_path = "/v2/" + repo + "/blobs/uploads/";
        if (!bench::send_all(conn.fd(), bench::request_head("POST", post_path, host, "", 0))) {
          fail("POST send failed");
          conn.reset();
          continue;
        }
        auto started = conn.read_response(false);
        if (!started || started->status != 202 || !started->header("Location")) {
          fail("POST " + post_path + " -> " +
               (started ? started->head.substr(0, 200) : "no response"));
          conn.reset();
          continue;
        }
        if (started->close) conn.reset();
        const std::string put_path = bench::with_param(
            bench::location_path(*started->header("Location")), "digest=" + blob.digest);
        const std::string head = bench::request_head(
            "PUT", put_path, host, "Content-Type: application/octet-stream\r\n", blob.bytes.size());
        if (!bench::send_all(conn.fd(), head + blob.bytes)) {
          fail("PUT send failed");
          conn.reset();
          continue;
        }
        auto put = conn.read_response(false);
        if (!put || put->status != 201) {
          fail("PUT " + put_path + " -> " +
               (put ? put->head.substr(0, 200) + " " + put->body.substr(0, 200) : "no response"));
          conn.reset();
          continue;
        }
        if (put->close) conn.reset();
        if (manifests) {
          const std::string manifest =
              R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
              R"("config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":")" +
              empty_digest +
              R"(","size":2},"layers":[{"mediaType":)"
              R"("application/vnd.oci.image.layer.v1.tar+gzip","digest":")" +
              blob.digest + R"(","size":)" + std::to_string(blob.bytes.size()) + "}]}";
          const std::string path =
              "/v2/" + repo + "/manifests/p" + std::to_string(i) + "-" + run_id;
          const std::string request =
              bench::request_head("PUT", path, host,
                                  "Content-Type: application/vnd.oci.image.manifest.v1+json\r\n",
                                  manifest.size()) +
              manifest;
          if (!bench::send_all(conn.fd(), request)) {
            fail("manifest PUT send failed");
            conn.reset();
            continue;
          }
          auto tagged = conn.read_response(false);
          if (!tagged || tagged->status != 201) {
            fail("PUT " + path + " -> " +
                 (tagged ? tagged->head.substr(0, 200) + " " + tagged->body.substr(0, 200)
                         : "no response"));
            conn.reset();
            continue;
          }
          if (tagged->close) conn.reset();
        }
        latencies[static_cast<std::size_t>(w)].push_back(bench::now_seconds() - t0);
      }
    });
  }
  for (auto& t : threads) t.join();
  const double elapsed = bench::now_seconds() - start;
  const double cpu = cpu_seconds() - cpu_before;

  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty()
               ? 0.0
               : all[static_cast<std::size_t>(p * static_cast<double>(all.size() - 1))] * 1000;
  };
  std::printf(
      "pushes=%zu seconds=%.3f pushes_per_s=%.1f p50_ms=%.3f p99_ms=%.3f failures=%d "
      "client_cpu_s=%.3f\n",
      all.size(), elapsed, static_cast<double>(all.size()) / elapsed, pct(0.5), pct(0.99),
      failures.load(), cpu);
  if (!first_failure.empty()) std::printf("first_failure: %s\n", first_failure.c_str());
  return failures.load() == 0 ? 0 : 1;
}
