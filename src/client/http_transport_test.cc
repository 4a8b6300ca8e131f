#include "client/http_transport.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace client {
namespace {

TEST(FailureKindOf, ReadsOnlyTheMarkerAtTheStart) {
  EXPECT_EQ(failure_kind_of(std::string(failure_marker(FailureKind::kConnect)) +
                            "GET https://h/v2/: Failed to connect"),
            FailureKind::kConnect);
  EXPECT_EQ(failure_kind_of(std::string(failure_marker(FailureKind::kTls)) +
                            "GET https://h/v2/: certificate verify failed"),
            FailureKind::kTls);
  // A registry's error body, relayed: whatever it says, the registry answered.
  EXPECT_EQ(failure_kind_of("GET https://h/v2/a/manifests/v1: HTTP 502: UNKNOWN: "
                            "cannot connect: upstream down"),
            FailureKind::kLocal);
  EXPECT_EQ(failure_kind_of("GET https://h/v2/: HTTP 500: TLS failure: backend"),
            FailureKind::kLocal);
}

// A loopback listener whose accept queue is full and never drained: Linux drops further SYNs,
// so a client's connect neither succeeds nor is refused until its own timeout.
class FullListener {
 public:
  FullListener() {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (listener_ < 0 || bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        listen(listener_, 0) != 0 ||
        getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      return;
    }
    port_ = ntohs(address.sin_port);
    // Non-blocking: the first fills the queue, the second waits in SYN_SENT.
    for (int i = 0; i < 2; ++i) {
      const int filler = socket(AF_INET, SOCK_STREAM, 0);
      fcntl(filler, F_SETFL, O_NONBLOCK);
      connect(filler, reinterpret_cast<sockaddr*>(&address), sizeof address);
      fillers_.push_back(filler);
    }
  }
  ~FullListener() {
    for (const int fd : fillers_) close(fd);
    if (listener_ >= 0) close(listener_);
  }
  FullListener(const FullListener&) = delete;
  FullListener& operator=(const FullListener&) = delete;

  int port() const { return port_; }

 private:
  int listener_ = -1;
  int port_ = 0;
  std::vector<int> fillers_;
};

TEST(HttpTransport, AConnectTimeoutIsAConnectFailure) {
  FullListener listener;
  ASSERT_NE(listener.port(), 0);
  HttpTransport transport(TransportOptions{.connect_timeout = std::chrono::milliseconds(300)});
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(listener.port()) + "/v2/";
  TransferProgress progress;
  auto response = transport.perform(request, progress);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, FailureKind::kConnect) << response.error().error.message;
  EXPECT_EQ(failure_kind_of(response.error().error.message), FailureKind::kConnect)
      << response.error().error.message;
}

}  // namespace
}  // namespace client
