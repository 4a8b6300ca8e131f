// webhook_sink: the cheapest webhook receiver, for measuring what sending events costs the
// registry (bench/events_cost.sh). Every POST (any path) is read whole and answered 200 with
// no body; a GET (any path) answers the number of POSTs, of events in them (occurrences of
// "action", which each event of either format has once) and of body bytes received so far
// ("posts=N events=E bytes=M"). A thread per connection, keep-alive.
//
//   webhook_sink PORT        (listens on 127.0.0.1; stops on SIGTERM)
//
// Build: g++ -O2 -std=c++23 -pthread webhook_sink.cc -o webhook_sink
#include <atomic>
#include <csignal>
#include <thread>

#include "http_util.h"

namespace {

std::atomic<std::uint64_t> posts{0};
std::atomic<std::uint64_t> events{0};
std::atomic<std::uint64_t> body_bytes{0};

std::uint64_t count_events(std::string_view body) {
  std::uint64_t n = 0;
  for (auto at = body.find("\"action\""); at != std::string_view::npos;
       at = body.find("\"action\"", at + 8)) {
    ++n;
  }
  return n;
}

void serve_connection(int sock) {
  std::string in;
  char chunk[16384];
  auto fill = [&] {
    const ssize_t n = ::recv(sock, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    in.append(chunk, static_cast<std::size_t>(n));
    return true;
  };
  for (;;) {
    std::size_t end;
    while ((end = in.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) {
        ::close(sock);
        return;
      }
    }
    bench::Response request;  // only for its header lookup
    request.head = in.substr(0, end);
    in.erase(0, end + 4);
    std::size_t length = 0;
    if (auto cl = request.header("Content-Length")) {
      std::from_chars(cl->data(), cl->data() + cl->size(), length);
    }
    while (in.size() < length) {
      if (!fill()) {
        ::close(sock);
        return;
      }
    }
    const bool post = request.head.starts_with("POST ");
    if (post) {
      posts.fetch_add(1, std::memory_order_relaxed);
      events.fetch_add(count_events(std::string_view(in).substr(0, length)),
                       std::memory_order_relaxed);
      body_bytes.fetch_add(length, std::memory_order_relaxed);
    }
    in.erase(0, length);
    std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    if (!post) {
      const std::string body = "posts=" + std::to_string(posts.load()) +
                               " events=" + std::to_string(events.load()) +
                               " bytes=" + std::to_string(body_bytes.load());
      response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                 std::to_string(body.size()) + "\r\n\r\n" + body;
    }
    if (!bench::send_all(sock, response)) {
      ::close(sock);
      return;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) bench::die("usage: webhook_sink PORT");
  std::signal(SIGPIPE, SIG_IGN);
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(std::stoi(argv[1])));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener, 128) != 0) {
    bench::die(std::string("cannot listen on port ") + argv[1]);
  }
  for (;;) {
    const int sock = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (sock < 0) continue;
    const int nodelay = 1;
    ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof nodelay);
    std::thread(serve_connection, sock).detach();
  }
}
