// Minimal blocking HTTP/1.1 client pieces shared by the benchmark clients (small_push,
// blob_push). Plain POSIX sockets, keep-alive, Content-Length and chunked bodies. Not a
// general client: enough to drive a registry on loopback without the client being the limit.
#pragma once

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace bench {

[[noreturn]] inline void die(const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  std::exit(2);
}

// "http://host:port/path" -> host, port, path; "https://" sets tls (only clients that
// speak TLS pass allow_https).
struct Url {
  std::string host;
  std::string port = "80";
  std::string path = "/";
  bool tls = false;
};

inline Url parse_url(std::string_view text, bool allow_https = false) {
  Url url;
  if (allow_https && text.starts_with("https://")) {
    url.tls = true;
    url.port = "443";
    text.remove_prefix(std::string_view("https://").size());
  } else if (text.starts_with("http://")) {
    text.remove_prefix(std::string_view("http://").size());
  } else {
    die(std::string(allow_https ? "only http:// and https://" : "only http://") +
        " URLs: " + std::string(text));
  }
  const auto slash = text.find('/');
  const std::string_view authority = text.substr(0, slash);
  if (slash != std::string_view::npos) url.path = std::string(text.substr(slash));
  const auto colon = authority.rfind(':');
  url.host = std::string(authority.substr(0, colon));
  if (colon != std::string_view::npos) url.port = std::string(authority.substr(colon + 1));
  return url;
}

// A Location header made relative: registries may answer with an absolute URL.
inline std::string location_path(std::string_view location) {
  if (location.starts_with("http://") || location.starts_with("https://")) {
    const auto rest = location.find("//") + 2;
    const auto slash = location.find('/', rest);
    return slash == std::string_view::npos ? "/" : std::string(location.substr(slash));
  }
  return std::string(location);
}

// Appends a query parameter to a path that may already carry a query.
inline std::string with_param(std::string path, std::string_view param) {
  path += path.find('?') == std::string::npos ? '?' : '&';
  path += param;
  return path;
}

inline int connect_to(const std::string& host, const std::string& port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || !found) {
    die("cannot resolve " + host + ":" + port);
  }
  int fd = -1;
  for (addrinfo* a = found; a; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    ::close(fd);
    fd = -1;
  }
  freeaddrinfo(found);
  if (fd < 0) die("cannot connect to " + host + ":" + port + ": " + std::strerror(errno));
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

inline bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Sends [offset, offset+length) of a file with sendfile(2): the client copies nothing.
inline bool send_file(int sock, int file, std::uint64_t offset, std::uint64_t length) {
  auto off = static_cast<off_t>(offset);
  while (length > 0) {
    const ssize_t n = ::sendfile(sock, file, &off, std::min<std::uint64_t>(length, 1u << 30));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    length -= static_cast<std::uint64_t>(n);
  }
  return true;
}

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

struct Response {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
  bool close = false;

  // The value of a header, or nullopt.
  std::optional<std::string_view> header(std::string_view name) const {
    std::string_view rest = head;
    const auto first_line = rest.find("\r\n");
    rest.remove_prefix(first_line == std::string_view::npos ? rest.size() : first_line + 2);
    while (!rest.empty()) {
      const auto end = rest.find("\r\n");
      std::string_view line = rest.substr(0, end);
      rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 2);
      const auto colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      if (!iequals(line.substr(0, colon), name)) continue;
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
      }
      while (!value.empty() && (value.back() == ' ' || value.back() == '\r'))
        value.remove_suffix(1);
      return value;
    }
    return std::nullopt;
  }
};

// A connection with its read buffer (bytes of the next response may already be in it).
class Connection {
 public:
  Connection(std::string host, std::string port) : host_(std::move(host)), port_(std::move(port)) {}
  ~Connection() { reset(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  int fd() {
    if (fd_ < 0) fd_ = connect_to(host_, port_);
    return fd_;
  }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buffer_.clear();
  }
  std::string host_header() const { return host_ + ":" + port_; }

  // Reads one response; nullopt when the connection broke.
  std::optional<Response> read_response(bool head_request) {
    Response response;
    std::size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return std::nullopt;
    }
    response.head = buffer_.substr(0, header_end);
    buffer_.erase(0, header_end + 4);
    if (response.head.size() < 12) return std::nullopt;
    std::from_chars(response.head.data() + 9, response.head.data() + 12, response.status);
    if (auto connection = response.header("Connection");
        connection && iequals(*connection, "close")) {
      response.close = true;
    }
    const bool no_body = head_request || response.status == 204 || response.status == 304 ||
                         (response.status >= 100 && response.status < 200);
    if (no_body) return response;
    if (auto te = response.header("Transfer-Encoding"); te && iequals(*te, "chunked")) {
      for (;;) {
        std::size_t line_end;
        while ((line_end = buffer_.find("\r\n")) == std::string::npos) {
          if (!fill()) return std::nullopt;
        }
        std::size_t size = 0;
        std::from_chars(buffer_.data(), buffer_.data() + line_end, size, 16);
        buffer_.erase(0, line_end + 2);
        while (buffer_.size() < size + 2) {
          if (!fill()) return std::nullopt;
        }
        response.body.append(buffer_, 0, size);
        buffer_.erase(0, size + 2);
        if (size == 0) return response;  // no trailers expected
      }
    }
    std::size_t length = 0;
    if (auto cl = response.header("Content-Length")) {
      std::from_chars(cl->data(), cl->data() + cl->size(), length);
    } else {
      response.close = true;  // body until EOF
      while (fill()) {
      }
      response.body = std::move(buffer_);
      buffer_.clear();
      return response;
    }
    while (buffer_.size() < length) {
      if (!fill()) return std::nullopt;
    }
    response.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return response;
  }

 private:
  bool fill() {
    char chunk[16384];
    for (;;) {
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      buffer_.append(chunk, static_cast<std::size_t>(n));
      return true;
    }
  }

  std::string host_;
  std::string port_;
  int fd_ = -1;
  std::string buffer_;
};

// Request head for METHOD path with the given extra header lines (each ending in \r\n).
inline std::string request_head(std::string_view method, std::string_view path,
                                const std::string& host, std::string_view extra,
                                std::optional<std::uint64_t> content_length) {
  std::string head;
  head.reserve(256 + path.size() + extra.size());
  head.append(method).append(" ").append(path).append(" HTTP/1.1\r\nHost: ").append(host);
  head.append("\r\nUser-Agent: regmirror-bench\r\n");
  head.append(extra);
  if (content_length)
    head.append("Content-Length: ").append(std::to_string(*content_length)).append("\r\n");
  head.append("\r\n");
  return head;
}

inline double now_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace bench
