// gc_fill: fills a registry with many small images for the garbage collection benchmark
// (bench/gc.sh). Image i is a config and 4 layers of random sizes, all its own, and an OCI
// manifest, in one of REPOS repositories PREFIX/rN. An evenly spread GARBAGE of the images
// are pushed by digest only: nothing keeps them, so a collection removes them and their 5
// blobs. The others are pushed by tag tI. The content depends only on --seed and i, so two
// registries filled with the same options hold the same bytes.
//
// Blobs go up as monolithic uploads on keep-alive connections: POST ?digest= with the body
// (201); a registry that answers such a POST with 202 (docker-registry 2.8 ignores the body)
// gets POST then PUT <Location>?digest= with the body, from then on.
//
//   gc_fill [-w 8] [-n 10000] [-g 2000] [-r 100] [--min 100] [--max 4096] [--seed 1]
//           http://host:port PREFIX
//
// Prints one line of key=value pairs: images, garbage_images, blobs, garbage_blobs, bytes,
// garbage_bytes (blob bytes, manifests excluded), requests, seconds, failures, and
// sample=REPO:TAG (a kept image, for HEAD load).
// Build: g++ -O2 -std=c++23 -pthread gc_fill.cc -lcrypto -o gc_fill
#include <openssl/evp.h>

#include <atomic>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include <csignal>

#include "http_util.h"

namespace {

using bench::die;

constexpr int kLayers = 4;
constexpr std::string_view kManifestType = "application/vnd.oci.image.manifest.v1+json";

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

struct Blob {
  std::string bytes;
  std::string digest;
};

struct Image {
  std::string repo;
  bool garbage = false;
  std::string reference;  // tag, or the manifest's digest for garbage
  Blob config;
  std::vector<Blob> layers;
  std::string manifest;
};

struct Options {
  int workers = 8;
  int images = 10000;
  int garbage = 2000;
  int repos = 100;
  std::size_t min_size = 100;
  std::size_t max_size = 4096;
  std::uint64_t seed = 1;
};

// Evenly spread: image i is garbage when the running count of garbage steps up at i.
bool is_garbage(const Options& o, int i) {
  const auto n = static_cast<std::int64_t>(o.images), g = static_cast<std::int64_t>(o.garbage);
  return (static_cast<std::int64_t>(i) + 1) * g / n > static_cast<std::int64_t>(i) * g / n;
}

Image make_image(const Options& o, const std::string& prefix, int i) {
  std::mt19937_64 rng(o.seed * 1'000'003u + static_cast<std::uint64_t>(i));
  std::uniform_int_distribution<std::size_t> size(o.min_size, o.max_size);
  Image image;
  // Runs of n/g images share a repository, so each run's one garbage image lands in a
  // repository that keeps the others (i mod REPOS would put every garbage image in the same
  // few repositories, left with no tag at all). Without garbage, image i is in repository i
  // mod REPOS.
  const int run = o.garbage > 0 ? std::max(1, o.images / o.garbage) : 1;
  image.repo = prefix + "/r" + std::to_string(i / run % o.repos);
  image.garbage = is_garbage(o, i);
  std::string diff_ids;
  for (int l = 0; l < kLayers; ++l) {
    Blob layer;
    layer.bytes.resize(size(rng));
    for (std::size_t k = 0; k < layer.bytes.size(); k += 8) {
      const std::uint64_t r = rng();
      std::memcpy(layer.bytes.data() + k, &r, std::min<std::size_t>(8, layer.bytes.size() - k));
    }
    layer.digest = sha256_digest(layer.bytes);
    diff_ids += (l ? ",\"" : "\"") + layer.digest + "\"";
    image.layers.push_back(std::move(layer));
  }
  image.config.bytes = R"({"architecture":"amd64","os":"linux","config":{"Labels":{"image":")" +
                       std::to_string(i) + R"("}},"rootfs":{"type":"layers","diff_ids":[)" +
                       diff_ids + "]}}";
  image.config.digest = sha256_digest(image.config.bytes);
  std::string manifest =
      R"({"schemaVersion":2,"mediaType":")" + std::string(kManifestType) +
      R"(","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
      image.config.digest + R"(","size":)" + std::to_string(image.config.bytes.size()) +
      R"(},"layers":[)";
  for (int l = 0; l < kLayers; ++l) {
    const Blob& layer = image.layers[static_cast<std::size_t>(l)];
    manifest += std::string(l ? "," : "") +
                R"({"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":")" +
                layer.digest + R"(","size":)" + std::to_string(layer.bytes.size()) + "}";
  }
  manifest += "]}";
  image.manifest = std::move(manifest);
  image.reference = image.garbage ? sha256_digest(image.manifest) : "t" + std::to_string(i);
  return image;
}

class Pusher {
 public:
  Pusher(const bench::Url& base, std::atomic<bool>& two_step, std::atomic<long>& requests)
      : conn_(base.host, base.port),
        host_(conn_.host_header()),
        two_step_(two_step),
        requests_(requests) {}

  // An empty string, or what went wrong.
  std::string push(const Image& image) {
    if (auto failed = push_blob(image.repo, image.config); !failed.empty()) return failed;
    for (const Blob& layer : image.layers) {
      if (auto failed = push_blob(image.repo, layer); !failed.empty()) return failed;
    }
    const std::string path = "/v2/" + image.repo + "/manifests/" + image.reference;
    auto put = exchange("PUT", path, "Content-Type: " + std::string(kManifestType) + "\r\n",
                        image.manifest);
    if (!put || put->status != 201) return "PUT " + path + " -> " + describe(put);
    return "";
  }

 private:
  std::string push_blob(const std::string& repo, const Blob& blob) {
    const std::string uploads = "/v2/" + repo + "/blobs/uploads/";
    const std::string octets = "Content-Type: application/octet-stream\r\n";
    if (!two_step_.load(std::memory_order_relaxed)) {
      auto posted = exchange("POST", uploads + "?digest=" + blob.digest, octets, blob.bytes);
      if (posted && posted->status == 201) return "";
      if (!posted || posted->status != 202) return "POST " + uploads + " -> " + describe(posted);
      two_step_.store(true);  // the 202 opened a session: finish it as two-step
      return put_blob(*posted, blob);
    }
    auto posted = exchange("POST", uploads, "", "");
    if (!posted || posted->status != 202) return "POST " + uploads + " -> " + describe(posted);
    return put_blob(*posted, blob);
  }

  std::string put_blob(const bench::Response& posted, const Blob& blob) {
    auto location = posted.header("Location");
    if (!location) return "POST answered 202 without Location";
    const std::string path =
        bench::with_param(bench::location_path(*location), "digest=" + blob.digest);
    auto put = exchange("PUT", path, "Content-Type: application/octet-stream\r\n", blob.bytes);
    if (!put || put->status != 201) return "PUT " + path + " -> " + describe(put);
    return "";
  }

  std::optional<bench::Response> exchange(std::string_view method, const std::string& path,
                                          const std::string& headers, std::string_view body) {
    requests_.fetch_add(1, std::memory_order_relaxed);
    std::string request = bench::request_head(method, path, host_, headers, body.size());
    request += body;
    if (!bench::send_all(conn_.fd(), request)) {
      conn_.reset();
      return std::nullopt;
    }
    auto response = conn_.read_response(false);
    if (!response || response->close) conn_.reset();
    return response;
  }

  static std::string describe(const std::optional<bench::Response>& r) {
    if (!r) return "no response";
    return r->head.substr(0, r->head.find("\r\n")) + " " + r->body.substr(0, 200);
  }

  bench::Connection conn_;
  std::string host_;
  std::atomic<bool>& two_step_;
  std::atomic<long>& requests_;
};

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  Options o;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value for " + std::string(arg));
      return argv[++i];
    };
    if (arg == "-w")
      o.workers = std::stoi(value());
    else if (arg == "-n")
      o.images = std::stoi(value());
    else if (arg == "-g")
      o.garbage = std::stoi(value());
    else if (arg == "-r")
      o.repos = std::stoi(value());
    else if (arg == "--min")
      o.min_size = std::stoul(value());
    else if (arg == "--max")
      o.max_size = std::stoul(value());
    else if (arg == "--seed")
      o.seed = std::stoull(value());
    else if (arg.starts_with("-"))
      die("unknown option " + std::string(arg));
    else
      positional.emplace_back(arg);
  }
  if (positional.size() != 2 || o.workers < 1 || o.images < 2 || o.garbage < 0 ||
      o.garbage >= o.images || o.repos < 1 || o.min_size < 1 || o.max_size < o.min_size) {
    die("usage: gc_fill [-w WORKERS] [-n IMAGES] [-g GARBAGE < IMAGES] [-r REPOS] [--min B] "
        "[--max B] [--seed S] http://host:port PREFIX");
  }
  const bench::Url base = bench::parse_url(positional[0]);
  const std::string prefix = positional[1];

  std::atomic<int> next{0};
  std::atomic<bool> two_step{false};
  std::atomic<long> requests{0};
  std::atomic<int> failures{0};
  std::mutex mutex;
  std::string first_failure;
  long blobs = 0, garbage_blobs = 0, bytes = 0, garbage_bytes = 0;
  std::string sample;

  const double start = bench::now_seconds();
  std::vector<std::thread> threads;
  for (int w = 0; w < o.workers; ++w) {
    threads.emplace_back([&] {
      Pusher pusher(base, two_step, requests);
      for (int i; (i = next.fetch_add(1)) < o.images;) {
        const Image image = make_image(o, prefix, i);
        if (std::string failed = pusher.push(image); !failed.empty()) {
          if (failures.fetch_add(1) == 0) {
            std::lock_guard lock(mutex);
            first_failure = std::move(failed);
          }
          continue;
        }
        long size = static_cast<long>(image.config.bytes.size());
        for (const Blob& layer : image.layers) size += static_cast<long>(layer.bytes.size());
        std::lock_guard lock(mutex);
        blobs += 1 + kLayers;
        bytes += size;
        if (image.garbage) {
          garbage_blobs += 1 + kLayers;
          garbage_bytes += size;
        } else if (sample.empty()) {
          sample = image.repo + ":" + image.reference;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double elapsed = bench::now_seconds() - start;
  int garbage_images = 0;
  for (int i = 0; i < o.images; ++i) garbage_images += is_garbage(o, i) ? 1 : 0;
  std::printf(
      "images=%d garbage_images=%d blobs=%ld garbage_blobs=%ld bytes=%ld garbage_bytes=%ld "
      "requests=%ld seconds=%.3f failures=%d two_step=%d sample=%s\n",
      o.images, garbage_images, blobs, garbage_blobs, bytes, garbage_bytes, requests.load(),
      elapsed, failures.load(), two_step.load() ? 1 : 0, sample.c_str());
  if (!first_failure.empty()) std::printf("first_failure: %s\n", first_failure.c_str());
  return failures.load() == 0 ? 0 : 1;
}
