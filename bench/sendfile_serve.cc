// sendfile_serve: the cheapest possible HTTP server for one file, to measure the client's
// ceiling for blob GETs on this machine. Every GET (any path) answers 200 with the whole
// file, sent with sendfile(2); a thread per connection, keep-alive.
//
//   sendfile_serve PORT FILE        (listens on 127.0.0.1; stops on SIGTERM)
//
// Build: g++ -O2 -std=c++23 -pthread sendfile_serve.cc -o sendfile_serve
#include <fcntl.h>
#include <sys/stat.h>

#include <csignal>
#include <thread>

#include "http_util.h"

namespace {

void serve_connection(int sock, const char* path, std::uint64_t size) {
  const int file = ::open(path, O_RDONLY | O_CLOEXEC);
  std::string in;
  char chunk[4096];
  for (;;) {
    std::size_t end;
    while ((end = in.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t n = ::recv(sock, chunk, sizeof chunk, 0);
      if (n <= 0) {
        ::close(file);
        ::close(sock);
        return;
      }
      in.append(chunk, static_cast<std::size_t>(n));
    }
    const bool head = in.starts_with("HEAD ");
    in.erase(0, end + 4);  // requests carry no body
    const std::string response = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                                 "Content-Length: " + std::to_string(size) + "\r\n\r\n";
    if (!bench::send_all(sock, response) || (!head && !bench::send_file(sock, file, 0, size))) {
      ::close(file);
      ::close(sock);
      return;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) bench::die("usage: sendfile_serve PORT FILE");
  std::signal(SIGPIPE, SIG_IGN);
  struct stat st{};
  if (::stat(argv[2], &st) != 0) bench::die(std::string("cannot stat ") + argv[2]);
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
    std::thread(serve_connection, sock, argv[2], static_cast<std::uint64_t>(st.st_size)).detach();
  }
}
