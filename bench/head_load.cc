// head_load: a closed-loop HTTP load generator for HEAD requests (wrk cannot do HEAD: it
// waits for the body that Content-Length announces). N keep-alive connections spread over
// T epoll threads, one request in flight per connection, for a fixed duration. With an
// https:// URL each connection first does a TLS handshake (OpenSSL), then the same loop runs
// through SSL_read/SSL_write on the non-blocking socket.
//
//   head_load [-c 64] [-t 2] [-d 10] [-m HEAD] [-H 'Name: value']...
//             [--cacert FILE | --insecure] http[s]://host:port/path
//
// TLS verification: --cacert FILE checks the server's chain against the CA(s) in FILE and its
// certificate against the URL's host (an IP address against its IP SANs); --insecure checks
// nothing; an https:// URL needs one of the two. A certificate that does not verify is fatal.
//
// Prints one line of key=value pairs: requests, rps, latency percentiles (ms), non2xx, errors,
// connects (connections opened: more than -c means the server closed some), and with TLS the
// protocol and cipher. Problems with a connection go to stderr.
// Build: g++ -O2 -std=c++23 -pthread head_load.cc -o head_load -lssl -lcrypto
#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
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
  std::string cacert;
  bool insecure = false;
  bench::Url url;
};

struct Conn {
  int fd = -1;
  SSL* ssl = nullptr;         // TLS connections only
  bool handshaking = false;   // TLS handshake not finished
  bool writing = false;       // the request is not all written yet
  std::size_t written = 0;    // bytes of the request written
  std::uint32_t watched = 0;  // epoll events asked for
  std::string in;
  std::uint64_t sent_ns = 0;
};

struct ThreadResult {
  std::vector<std::uint32_t> latencies_us;
  std::uint64_t non2xx = 0;
  std::uint64_t errors = 0;
  std::uint64_t connects = 0;
  int other_status = 0;
  std::string tls;         // "protocol/cipher" of the first handshake
  std::string last_error;  // why the last failed connection failed
};

std::uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

std::string openssl_error() {
  char text[256] = "no OpenSSL error queued";
  if (const unsigned long code = ERR_peek_last_error()) ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return text;
}

// One read or write on a plain or TLS connection. kWantRead/kWantWrite: try again when the
// socket is readable/writable (TLS may need to write while reading and the other way round).
enum class Io { kDone, kWantRead, kWantWrite, kFailed };

// SSL_get_error reads this thread's error queue, which must be empty before each call.
Io read_some(Conn& c, char* buffer, std::size_t size, std::size_t& got) {
  if (c.ssl) {
    ERR_clear_error();
    if (SSL_read_ex(c.ssl, buffer, size, &got) == 1) return Io::kDone;
    switch (SSL_get_error(c.ssl, 0)) {
      case SSL_ERROR_WANT_READ:
        return Io::kWantRead;
      case SSL_ERROR_WANT_WRITE:
        return Io::kWantWrite;
      default:
        return Io::kFailed;  // close_notify, EOF or error
    }
  }
  for (;;) {
    const ssize_t n = ::recv(c.fd, buffer, size, 0);
    if (n > 0) {
      got = static_cast<std::size_t>(n);
      return Io::kDone;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Io::kWantRead;
    return Io::kFailed;  // EOF or error
  }
}

Io write_some(Conn& c, const char* data, std::size_t size, std::size_t& put) {
  if (c.ssl) {
    // Without SSL_MODE_ENABLE_PARTIAL_WRITE a retry after WANT_* passes the same bytes again,
    // which the caller does (written only moves on kDone).
    ERR_clear_error();
    if (SSL_write_ex(c.ssl, data, size, &put) == 1) return Io::kDone;
    switch (SSL_get_error(c.ssl, 0)) {
      case SSL_ERROR_WANT_READ:
        return Io::kWantRead;
      case SSL_ERROR_WANT_WRITE:
        return Io::kWantWrite;
      default:
        return Io::kFailed;
    }
  }
  for (;;) {
    const ssize_t n = ::send(c.fd, data, size, MSG_NOSIGNAL);
    if (n >= 0) {
      put = static_cast<std::size_t>(n);
      return Io::kDone;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return Io::kWantWrite;
    return Io::kFailed;
  }
}

class Worker {
 public:
  Worker(const Options& options, SSL_CTX* tls, int connections, std::uint64_t end_ns)
      : options_(options),
        tls_(tls),
        end_ns_(end_ns),
        conns_(static_cast<std::size_t>(connections)) {
    request_ = bench::request_head(options.method, options.url.path,
                                   options.url.host + ":" + options.url.port, options.extra_headers,
                                   std::nullopt);
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
      if (c.ssl && !c.handshaking) SSL_shutdown(c.ssl);  // close_notify, not waiting for the reply
      close(c);
    }
    ::close(epoll_);
  }

  ThreadResult result;

 private:
  void open(Conn& c) {
    c.fd = bench::connect_to(options_.url.host, options_.url.port);
    ++result.connects;
    c.in.clear();
    ::fcntl(c.fd, F_SETFL, ::fcntl(c.fd, F_GETFL) | O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u32 = static_cast<std::uint32_t>(&c - conns_.data());
    if (epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev) != 0) die("epoll_ctl");
    c.watched = ev.events;
    if (!tls_) {
      send_request(c);
      return;
    }
    c.ssl = SSL_new(tls_);
    if (!c.ssl || SSL_set_fd(c.ssl, c.fd) != 1) die("SSL_new: " + openssl_error());
    const std::string& host = options_.url.host;
    in6_addr ip{};
    const bool is_ip =
        inet_pton(AF_INET, host.c_str(), &ip) == 1 || inet_pton(AF_INET6, host.c_str(), &ip) == 1;
    if (is_ip) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c.ssl), host.c_str());
    } else {
      SSL_set_tlsext_host_name(c.ssl, host.c_str());  // SNI: names only, never addresses
      SSL_set1_host(c.ssl, host.c_str());
    }
    SSL_set_connect_state(c.ssl);
    c.handshaking = true;
    handshake(c);
  }

  void close(Conn& c) {
    if (c.ssl) SSL_free(c.ssl);
    c.ssl = nullptr;
    c.handshaking = c.writing = false;
    if (c.fd >= 0) ::close(c.fd);
    c.fd = -1;
  }

  void reopen(Conn& c) {
    epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
    close(c);
    if (now_ns() < end_ns_) open(c);
  }

  void failed(Conn& c, std::string why) {
    ++result.errors;
    result.last_error = std::move(why);
    reopen(c);
  }

  // Asks epoll for readability or writability (plus peer hang-up), if not already asked.
  void watch(Conn& c, std::uint32_t event) {
    const std::uint32_t events = event | EPOLLRDHUP;
    if (c.watched == events) return;
    epoll_event ev{};
    ev.events = events;
    ev.data.u32 = static_cast<std::uint32_t>(&c - conns_.data());
    if (epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev) != 0) die("epoll_ctl");
    c.watched = events;
  }

  void handshake(Conn& c) {
    ERR_clear_error();
    const int r = SSL_do_handshake(c.ssl);
    if (r == 1) {
      c.handshaking = false;
      if (result.tls.empty()) {
        result.tls = std::string(SSL_get_version(c.ssl)) + "/" + SSL_get_cipher_name(c.ssl);
      }
      send_request(c);
      return;
    }
    switch (SSL_get_error(c.ssl, r)) {
      case SSL_ERROR_WANT_READ:
        watch(c, EPOLLIN);
        return;
      case SSL_ERROR_WANT_WRITE:
        watch(c, EPOLLOUT);
        return;
      default:
        break;
    }
    // A certificate that does not verify fails every connection the same way: say so once.
    if (const long verify = SSL_get_verify_result(c.ssl); verify != X509_V_OK) {
      die(std::string("TLS: the server's certificate does not verify: ") +
          X509_verify_cert_error_string(verify));
    }
    failed(c, "TLS handshake: " + openssl_error());
  }

  void send_request(Conn& c) {
    c.sent_ns = now_ns();
    c.writing = true;
    c.written = 0;
    write_request(c);
  }

  void write_request(Conn& c) {
    while (c.written < request_.size()) {
      std::size_t put = 0;
      switch (write_some(c, request_.data() + c.written, request_.size() - c.written, put)) {
        case Io::kDone:
          c.written += put;
          break;
        case Io::kWantWrite:
          watch(c, EPOLLOUT);
          return;
        case Io::kWantRead:
          watch(c, EPOLLIN);
          return;
        case Io::kFailed:
          failed(c, "write: " + (c.ssl ? openssl_error() : std::strerror(errno)));
          return;
      }
    }
    c.writing = false;
    watch(c, EPOLLIN);
  }

  void on_ready(Conn& c) {
    if (c.handshaking) return handshake(c);
    if (c.writing) return write_request(c);
    char chunk[16384];
    bool closed = false;
    for (bool more = true; more;) {
      std::size_t got = 0;
      switch (read_some(c, chunk, sizeof chunk, got)) {
        case Io::kDone:
          c.in.append(chunk, got);
          // Plain: a short read emptied the socket. TLS reads stop at record boundaries and
          // may leave decrypted bytes inside OpenSSL that epoll cannot see: read to WANT_READ.
          more = c.ssl || got == sizeof chunk;
          break;
        case Io::kWantRead:
          watch(c, EPOLLIN);
          more = false;
          break;
        case Io::kWantWrite:
          watch(c, EPOLLOUT);
          more = false;
          break;
        case Io::kFailed:
          closed = true;
          more = false;
          break;
      }
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
        // HTTP/1.1 keeps the connection unless it says close; HTTP/1.0 closes unless it says
        // keep-alive.
        const auto connection = parsed.header("Connection");
        const bool keep_alive = parsed.head.starts_with("HTTP/1.0")
                                    ? connection && bench::iequals(*connection, "keep-alive")
                                    : !connection || !bench::iequals(*connection, "close");
        if (closed || !keep_alive) {
          reopen(c);
        } else if (done < end_ns_) {
          send_request(c);
        }
        return;
      }
    }
    if (closed) failed(c, c.ssl ? "read: " + openssl_error() : "read: connection closed");
  }

  const Options& options_;
  SSL_CTX* tls_;  // null for http://
  std::uint64_t end_ns_;
  std::vector<Conn> conns_;
  std::string request_;
  bool head_ = true;
  int epoll_ = -1;
};

// The client context every TLS connection is made from (SSL_CTX is shared across threads).
SSL_CTX* make_tls_context(const Options& options) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) die("SSL_CTX_new: " + openssl_error());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (options.insecure) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    return ctx;
  }
  if (options.cacert.empty()) die("an https:// URL needs --cacert FILE or --insecure");
  if (SSL_CTX_load_verify_locations(ctx, options.cacert.c_str(), nullptr) != 1) {
    die("--cacert " + options.cacert + ": " + openssl_error());
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  return ctx;
}

Options parse(int argc, char** argv) {
  Options o;
  std::string url;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value for " + std::string(arg));
      return argv[++i];
    };
    if (arg == "-c")
      o.connections = std::stoi(value());
    else if (arg == "-t")
      o.threads = std::stoi(value());
    else if (arg == "-d")
      o.seconds = std::stod(value());
    else if (arg == "-m")
      o.method = value();
    else if (arg == "-H")
      o.extra_headers += value() + "\r\n";
    else if (arg == "--cacert")
      o.cacert = value();
    else if (arg == "--insecure")
      o.insecure = true;
    else if (arg.starts_with("-"))
      die("unknown option " + std::string(arg));
    else
      url = std::string(arg);
  }
  if (url.empty() || o.connections < 1 || o.threads < 1) {
    die("usage: head_load [-c N] [-t N] [-d SECONDS] [-m METHOD] [-H 'Name: v']... "
        "[--cacert FILE | --insecure] URL");
  }
  o.threads = std::min(o.threads, o.connections);
  o.url = bench::parse_url(url, /*allow_https=*/true);
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
  SSL_CTX* tls = options.url.tls ? make_tls_context(options) : nullptr;
  const std::uint64_t start = now_ns();
  const std::uint64_t end = start + static_cast<std::uint64_t>(options.seconds * 1e9);
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < options.threads; ++t) {
    const int share =
        options.connections / options.threads + (t < options.connections % options.threads);
    workers.push_back(std::make_unique<Worker>(options, tls, share, end));
  }
  std::vector<std::thread> threads;
  for (auto& w : workers) threads.emplace_back([&w] { w->run(); });
  for (auto& t : threads) t.join();
  const double elapsed = static_cast<double>(std::min(now_ns(), end) - start) * 1e-9;

  std::vector<std::uint32_t> all;
  std::uint64_t non2xx = 0, errors = 0, connects = 0;
  int other = 0;
  std::string tls_used, last_error;
  for (auto& w : workers) {
    all.insert(all.end(), w->result.latencies_us.begin(), w->result.latencies_us.end());
    non2xx += w->result.non2xx;
    errors += w->result.errors;
    connects += w->result.connects;
    if (w->result.other_status) other = w->result.other_status;
    if (tls_used.empty()) tls_used = w->result.tls;
    if (!w->result.last_error.empty()) last_error = w->result.last_error;
  }
  const std::size_t requests = all.size();
  const double p50 = percentile_ms(all, 0.50);
  const double p90 = percentile_ms(all, 0.90);
  const double p99 = percentile_ms(all, 0.99);
  const double max = all.empty() ? 0 : *std::max_element(all.begin(), all.end()) / 1000.0;
  std::printf(
      "requests=%zu seconds=%.2f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f "
      "non2xx=%llu errors=%llu last_bad_status=%d connects=%llu%s%s\n",
      requests, elapsed, static_cast<double>(requests) / elapsed, p50, p90, p99, max,
      static_cast<unsigned long long>(non2xx), static_cast<unsigned long long>(errors), other,
      static_cast<unsigned long long>(connects), tls ? " tls=" : "", tls_used.c_str());
  if (!last_error.empty()) std::fprintf(stderr, "last connection error: %s\n", last_error.c_str());
  if (tls) SSL_CTX_free(tls);
  return 0;
}
