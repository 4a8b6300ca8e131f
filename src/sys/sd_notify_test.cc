#include "sys/sd_notify.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "testsupport/temp_dir.h"

namespace sys {
namespace {

// A unix datagram socket bound to `name` (a path, or '@' then an abstract name), playing the
// service manager; NOTIFY_SOCKET names it while it lives.
class FakeManager {
 public:
  explicit FakeManager(const std::string& name) : fd_(::socket(AF_UNIX, SOCK_DGRAM, 0)) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, name.data(), name.size());
    if (name.front() == '@') address.sun_path[0] = '\0';
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
    bound_ = ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), length) == 0;
    timeval timeout{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    ::setenv("NOTIFY_SOCKET", name.c_str(), 1);
  }
  ~FakeManager() {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(fd_);
  }
  bool bound() const { return bound_; }
  std::string receive() {
    char buffer[512];
    const ssize_t got = ::recv(fd_, buffer, sizeof(buffer), 0);
    return got < 0 ? std::string("(nothing)") : std::string(buffer, static_cast<std::size_t>(got));
  }

 private:
  int fd_;
  bool bound_ = false;
};

TEST(SdNotify, SendsTheStateToTheSocketPath) {
  testsupport::TempDir dir;
  FakeManager manager((dir.path() / "notify").string());
  ASSERT_TRUE(manager.bound());
  ASSERT_TRUE(sd_notify("READY=1"));
  EXPECT_EQ(manager.receive(), "READY=1");
  ASSERT_TRUE(sd_notify("STOPPING=1"));
  EXPECT_EQ(manager.receive(), "STOPPING=1");
}

TEST(SdNotify, SendsToAnAbstractSocket) {
  FakeManager manager("@regmirror-sd-notify-test-" + std::to_string(::getpid()));
  ASSERT_TRUE(manager.bound());
  ASSERT_TRUE(sd_notify("READY=1"));
  EXPECT_EQ(manager.receive(), "READY=1");
}

TEST(SdNotify, ReloadingCarriesTheMonotonicClock) {
  testsupport::TempDir dir;
  FakeManager manager((dir.path() / "notify").string());
  ASSERT_TRUE(manager.bound());
  timespec before{};
  ::clock_gettime(CLOCK_MONOTONIC, &before);
  ASSERT_TRUE(sd_notify_reloading());
  const std::string state = manager.receive();
  const std::string prefix = "RELOADING=1\nMONOTONIC_USEC=";
  ASSERT_TRUE(state.starts_with(prefix)) << state;
  const unsigned long long usec = std::stoull(state.substr(prefix.size()));
  EXPECT_GE(usec, static_cast<unsigned long long>(before.tv_sec) * 1'000'000ULL);
}

TEST(SdNotify, WithoutNotifySocketDoesNothing) {
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_TRUE(sd_notify("READY=1"));
}

TEST(SdNotify, AMissingSocketIsAnError) {
  testsupport::TempDir dir;
  ::setenv("NOTIFY_SOCKET", (dir.path() / "nobody").c_str(), 1);
  auto sent = sd_notify("READY=1");
  ::unsetenv("NOTIFY_SOCKET");
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, Errc::kNotFound);
}

}  // namespace
}  // namespace sys
