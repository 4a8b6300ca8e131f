// head_load: a closed-loop HTTP load generator for HEAD requests (wrk cannot do HEAD: it
// waits for the body that Content-Length announces). N keep-alive connections spread over
// T epoll threads, one request in flight per connection, for a fixed duration.
//
//   head_load [-c 64] [-t 2] [-d 10] [-m HEAD] [-H 'Name: value']... http://host:port/path
//
// Prints one line of key=value pairs: requests, rps, latency percentiles (ms), non2xx, errors.
// Build: g++ -O2 -std=c++23 -pthread head_load.cc -o head_load
#include <fcntl.h>
#include <sys/epoll.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include <csignal>

#include "http_util.h"

namespace {

using bench::die;

struct Options {
  int connections = 64;
  int threads = 2;
  double seconds = 10;
  std::string method = "HEAD";
  std::string extra_headers;
  bench::Url url;
};

struct Conn {
  int fd = -1;
  std::string in;
  std::uint64_t sent_ns = 0;
};

struct ThreadResult {
  std::vector<std::uint32_t> latencies_us;
  std::uint64_t non2xx = 0;
  std::uint64_t errors = 0;
  int other_status = 0;
};

std::uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

class Worker {
 public:
  Worker(const Options& options, int connections, std::uint64_t end_ns)
      : options_(options), end_ns_(end_ns), conns_(static_cast<std::size_t>(connections)) {
    request_ = bench::request_head(options.method, options.url.path,
                                   options.url.host + ":" + options.url.port,
                                   options.extra_headers, std::nullopt);
    head_ = options.method == "HEAD";
  }

  void run() {
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) die("epoll_create1");
    for (auto& c : conns_) open(c);
    std::vector<epoll_event> events(conns_.size());
    while (now_ns() < end_ns_) {
      const int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 50);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) die("epoll_wait");
      for (int i = 0; i < n; ++i) on_ready(conns_[events[static_cast<std::size_t>(i)].data.u32]);
    }
    for (auto& c : conns_) {
      if (c.fd >= 0) ::close(c.fd);
    }
    ::close(epoll_);
  }

  ThreadResult result;

 private:
  void open(Conn& c) {
    c.fd = bench::connect_to(options_.url.host, options_.url.port);
    c.in.clear();
    ::fcntl(c.fd, F_SETFL, ::fcntl(c.fd, F_GETFL) | O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u32 = static_cast<std::uint32_t>(&c - conns_.data());
    if (epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev) != 0) die("epoll_ctl");
    send_request(c);
  }

  void reopen(Conn& c) {
    epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
    ::close(c.fd);
    c.fd = -1;
    if (now_ns() < end_ns_) open(c);
  }

  void send_request(Conn& c) {
    c.sent_ns = now_ns();
    // A request head is a few hundred bytes: one send on an idle socket takes it whole.
    const ssize_t n = ::send(c.fd, request_.data(), request_.size(), MSG_NOSIGNAL);
    if (n != static_cast<ssize_t>(request_.size())) {
      ++result.errors;
      reopen(c);
    }
  }

  void on_ready(Conn& c) {
    char chunk[16384];
    bool closed = false;
    for (;;) {
      const ssize_t n = ::recv(c.fd, chunk, sizeof chunk, 0);
      if (n > 0) {
        c.in.append(chunk, static_cast<std::size_t>(n));
        if (static_cast<std::size_t>(n) < sizeof chunk) break;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      closed = true;  // EOF or error
      break;
    }
    // At most one response is in flight, so at most one is complete.
    const auto header_end = c.in.find("\r\n\r\n");
    if (header_end != std::string::npos) {
      std::size_t body = 0;
      bench::Response parsed;
      parsed.head = c.in.substr(0, header_end);
      if (!head_) {
        if (auto cl = parsed.header("Content-Length")) {
          std::from_chars(cl->data(), cl->data() + cl->size(), body);
        }
      }
      if (c.in.size() >= header_end + 4 + body) {
        const std::uint64_t done = now_ns();
        int status = 0;
        if (parsed.head.size() >= 12) {
          std::from_chars(parsed.head.data() + 9, parsed.head.data() + 12, status);
        }
        if (done <= end_ns_) {
          result.latencies_us.push_back(static_cast<std::uint32_t>((done - c.sent_ns) / 1000));
          if (status < 200 || status > 299) {
            ++result.non2xx;
            result.other_status = status;
          }
        }
        c.in.erase(0, header_end + 4 + body);
        auto connection = parsed.header("Connection");
        if (closed || (connection && bench::iequals(*connection, "close"))) {
          reopen(c);
        } else if (done < end_ns_) {
          send_request(c);
        }
        return;
      }
    }
    if (closed) {
      ++result.errors;
      reopen(c);
    }
  }

  const Options& options_;
  std::uint64_t end_ns_;
  std::vector<Conn> conns_;
  std::string request_;
  bool head_ = true;
  int epoll_ = -1;
};

Options parse(int argc, char** argv) {
  Options o;
  std::string url;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value for " + std::string(arg));
      return argv[++i];
    };
    if (arg == "-c") o.connections = std::stoi(value());
    else if (arg == "-t") o.threads = std::stoi(value());
    else if (arg == "-d") o.seconds = std::stod(value());
    else if (arg == "-m") o.method = value();
    else if (arg == "-H") o.extra_headers += value() + "\r\n";
    else if (arg.starts_with("-")) die("unknown option " + std::string(arg));
    else url = std::string(arg);
  }
  if (url.empty() || o.connections < 1 || o.threads < 1) {
    die("usage: head_load [-c N] [-t N] [-d SECONDS] [-m METHOD] [-H 'Name: v']... URL");
  }
  o.threads = std::min(o.threads, o.connections);
  o.url = bench::parse_url(url);
  return o;
}

double percentile_ms(std::vector<std::uint32_t>& v, double p) {
  if (v.empty()) return 0;
  auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k] / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a server that drops the connection is reported, not fatal
  const Options options = parse(argc, argv);
  const std::uint64_t start = now_ns();
  const std::uint64_t end = start + static_cast<std::uint64_t>(options.seconds * 1e9);
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < options.threads; ++t) {
    const int share = options.connections / options.threads + (t < options.connections % options.threads);
    workers.push_back(std::make_unique<Worker>(options, share, end));
  }
  std::vector<std::thread> threads;
  for (auto& w : workers) threads.emplace_back([&w] { w->run(); });
  for (auto& t : threads) t.join();
  const double elapsed = static_cast<double>(std::min(now_ns(), end) - start) * 1e-9;

  std::vector<std::uint32_t> all;
  std::uint64_t non2xx = 0, errors = 0;
  int other = 0;
  for (auto& w : workers) {
    all.insert(all.end(), w->result.latencies_us.begin(), w->result.latencies_us.end());
    non2xx += w->result.non2xx;
    errors += w->result.errors;
    if (w->result.other_status) other = w->result.other_status;
  }
  const std::size_t requests = all.size();
  const double p50 = percentile_ms(all, 0.50);
  const double p90 = percentile_ms(all, 0.90);
  const double p99 = percentile_ms(all, 0.99);
  const double max = all.empty() ? 0 : *std::max_element(all.begin(), all.end()) / 1000.0;
  std::printf(
      "requests=%zu seconds=%.2f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f "
      "non2xx=%llu errors=%llu last_bad_status=%d\n",
      requests, elapsed, static_cast<double>(requests) / elapsed, p50, p90, p99, max,
      static_cast<unsigned long long>(non2xx), static_cast<unsigned long long>(errors), other);
  return 0;
}
