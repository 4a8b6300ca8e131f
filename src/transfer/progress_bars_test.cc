#include "transfer/progress_bars.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "transfer/test_images.h"

namespace transfer {
namespace {

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

std::size_t count(const std::string& text, std::string_view what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

oci::Descriptor blob_of(std::string_view bytes, std::int64_t size) {
  return testing::descriptor_of(bytes, size);
}

TEST(ProgressBarsTest, DrawsBarsAndLeavesOneLinePerFinishedBlob) {
  MemoryFile out;
  auto now = ProgressBars::Clock::time_point{} + std::chrono::hours(1);
  ProgressBars progress(out.get(), 100, [&] { return now; });
  const oci::Descriptor blob = blob_of("a", 2'000'000);
  const std::string id(blob.digest.hex().substr(0, 12));
  progress.blob_started("img", blob, 0);
  now += std::chrono::seconds(1);
  progress.blob_bytes(blob, 1'000'000);
  const std::string halfway = out.text();
  EXPECT_NE(halfway.find("Copying blob " + id + " [" + std::string(11, '=') + ">"),
            std::string::npos)
      << halfway;
  EXPECT_NE(halfway.find("1.0 MB / 2.0 MB 1.0 MB/s"), std::string::npos) << halfway;
  EXPECT_NE(halfway.find("Total 1.0 MB / 2.0 MB 1.0 MB/s ETA 0:01"), std::string::npos) << halfway;

  now += std::chrono::seconds(1);
  progress.blob_bytes(blob, 2'000'000);
  progress.blob_finished(blob, BlobOutcome::kCopied);
  progress.blob_finished(blob_of("b", 5), BlobOutcome::kSkipped);
  progress.done();
  const std::string text = out.text();
  EXPECT_EQ(count(text, "Copying blob " + id + " done\n"), 1u);
  EXPECT_NE(text.find(" skipped: already exists\n"), std::string::npos);
  EXPECT_NE(text.find("Copied 2.0 MB in 2.0s (1.0 MB/s)\n"), std::string::npos) << text;
  // Bars are erased by moving up over them and clearing to the end of the screen.
  EXPECT_NE(text.find("\x1b[2A\x1b[J"), std::string::npos);
}

TEST(ProgressBarsTest, RedrawsAtMostTenTimesASecond) {
  MemoryFile out;
  auto now = ProgressBars::Clock::time_point{} + std::chrono::hours(1);
  ProgressBars progress(out.get(), 100, [&] { return now; });
  const oci::Descriptor blob = blob_of("a", 1'000'000);
  progress.blob_started("img", blob, 0);  // first draw
  for (int i = 1; i <= 100; ++i) {
    now += std::chrono::milliseconds(10);  // one second in all
    progress.blob_bytes(blob, i * 10'000);
  }
  const std::size_t draws = count(out.text(), "Total ");
  EXPECT_GE(draws, 10u);
  EXPECT_LE(draws, 11u);
}

TEST(ProgressBarsTest, LinesFitTheWidth) {
  MemoryFile out;
  ProgressBars progress(out.get(), 40);
  progress.blob_started("img", blob_of("a", 1'000'000'000), 0);
  const std::string text = out.text();
  std::size_t start = 0;
  for (auto end = text.find('\n'); end != std::string::npos; end = text.find('\n', start)) {
    EXPECT_LT(end - start, 40u) << text.substr(start, end - start);
    start = end + 1;
  }
}

}  // namespace
}  // namespace transfer
