#include "transfer/progress_json.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>
#include <thread>

#include "transfer/test_images.h"

namespace transfer {
namespace {

// A FILE* writing into memory.
class MemoryFile {
 public:
  MemoryFile() : file_(open_memstream(&data_, &size_)) {}
  ~MemoryFile() {
    std::fclose(file_);
    std::free(data_);
  }
  std::FILE* get() const { return file_; }
  std::string text() {
    std::fflush(file_);
    return std::string(data_, size_);
  }

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::FILE* file_;
};

std::vector<nlohmann::json> parse_lines(const std::string& text) {
  std::vector<nlohmann::json> events;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    events.push_back(nlohmann::json::parse(line));  // throws, failing the test, if invalid
  }
  return events;
}

oci::Descriptor blob_of(std::string_view bytes) { return testing::descriptor_of(bytes); }

TEST(ProgressJsonTest, OneValidJsonObjectPerEvent) {
  MemoryFile out;
  auto now = ProgressJson::Clock::time_point{};
  ProgressJson progress(out.get(), [&] { return now; });
  const oci::Descriptor copied = blob_of("0123456789");
  const oci::Descriptor skipped = blob_of("x");
  progress.blob_started("a -> b", copied, 2);
  progress.blob_bytes(copied, 5);  // within the second: not reported
  now += std::chrono::seconds(2);
  progress.blob_bytes(copied, 8);
  progress.blob_finished(copied, BlobOutcome::kCopied);
  progress.blob_finished(skipped, BlobOutcome::kSkipped);
  progress.manifest_written("a -> b", copied.digest, "application/vnd.oci.image.manifest.v1+json");
  progress.note("line with \"quotes\"\nand a newline \xff");
  progress.done();

  const auto events = parse_lines(out.text());
  ASSERT_EQ(events.size(), 7u);
  EXPECT_EQ(events[0]["event"], "blob_started");
  EXPECT_EQ(events[0]["image"], "a -> b");
  EXPECT_EQ(events[0]["digest"], copied.digest.str());
  EXPECT_EQ(events[0]["size"], 10);
  EXPECT_EQ(events[0]["offset"], 2);
  EXPECT_EQ(events[1]["event"], "blob_progress");
  EXPECT_EQ(events[1]["done"], 8);
  EXPECT_EQ(events[2], nlohmann::json({{"event", "blob_done"},
                                       {"digest", copied.digest.str()},
                                       {"size", 10},
                                       {"outcome", "copied"}}));
  EXPECT_EQ(events[3]["outcome"], "skipped");
  EXPECT_EQ(events[4]["event"], "manifest_written");
  EXPECT_EQ(events[4]["mediaType"], "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(events[5]["event"], "note");
  EXPECT_EQ(events[5]["message"].get<std::string>().substr(0, 17), "line with \"quotes");
  EXPECT_EQ(events[6]["event"], "done");
  EXPECT_EQ(events[6]["blobs_copied"], 1);
  EXPECT_EQ(events[6]["blobs_skipped"], 1);
  EXPECT_EQ(events[6]["bytes"], 8);  // resumed at 2
  EXPECT_EQ(events[6]["seconds"], 2.0);
}

TEST(ProgressJsonTest, LinesStayWholeUnderConcurrentEvents) {
  MemoryFile out;
  ProgressJson progress(out.get());
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 50; ++i) {
          const auto blob = blob_of(std::to_string(t * 1000 + i));
          progress.blob_started("img", blob, 0);
          progress.blob_finished(blob, BlobOutcome::kCopied);
        }
      });
    }
  }
  const auto events = parse_lines(out.text());
  EXPECT_EQ(events.size(), 800u);
}

}  // namespace
}  // namespace transfer
