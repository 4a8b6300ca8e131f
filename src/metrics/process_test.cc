#include "metrics/process.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <chrono>

namespace metrics {
namespace {

TEST(ProcessMetrics, StartTimeIsInThePastAndRecent) {
  const auto started = process_start_time_seconds();
  ASSERT_TRUE(started.has_value());
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(*started, now + 1);
  EXPECT_GT(*started, now - 3600);
}

TEST(ProcessMetrics, ResidentMemoryIsSomeMegabytes) {
  const auto resident = process_resident_memory_bytes();
  ASSERT_TRUE(resident.has_value());
  EXPECT_GT(*resident, 1 << 20);
}

TEST(ProcessMetrics, OpenFdsCountsANewDescriptor) {
  const auto before = process_open_fds();
  ASSERT_TRUE(before.has_value());
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(process_open_fds(), *before + 1);
  ::close(fd);
}

TEST(ProcessMetrics, RegisteredWhileTheRegistrationsLive) {
  Registry registry;
  {
    auto registrations = register_process_metrics(registry);
    std::string out;
    registry.write_text(out);
    EXPECT_NE(out.find("\nprocess_open_fds "), std::string::npos);
    EXPECT_NE(out.find("\nprocess_resident_memory_bytes "), std::string::npos);
    EXPECT_NE(out.find("# TYPE process_start_time_seconds gauge\n"), std::string::npos);
  }
  std::string out;
  registry.write_text(out);
  EXPECT_EQ(out, "");
}

}  // namespace
}  // namespace metrics
