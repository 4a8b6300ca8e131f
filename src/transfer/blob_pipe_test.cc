#include "transfer/blob_pipe.h"

#include <gtest/gtest.h>

#include <cstring>
#include <thread>

#include "transfer/test_images.h"

namespace transfer {
namespace {

std::span<const std::byte> bytes_of(std::string_view text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

TEST(BlobPipeTest, CarriesEveryByteInOrderThroughASmallBuffer) {
  const std::string data = testing::random_bytes(20'000, 1);
  BlobPipe pipe(7);
  std::jthread producer([&] {
    for (std::size_t i = 0; i < data.size(); i += 1000) {
      ASSERT_TRUE(pipe.write(bytes_of(std::string_view(data).substr(i, 1000))));
    }
    pipe.close();
  });
  std::string received;
  std::array<std::byte, 13> buffer{};
  const auto source = pipe.source();
  while (true) {
    auto n = source(buffer);
    ASSERT_TRUE(n);
    if (*n == 0) break;
    EXPECT_LE(*n, 7u);
    received.append(reinterpret_cast<const char*>(buffer.data()), *n);
  }
  EXPECT_EQ(received, data);
}

TEST(BlobPipeTest, TheReaderGetsTheProducersErrorInsteadOfTheEnd) {
  BlobPipe pipe(1024);
  ASSERT_TRUE(pipe.write(bytes_of("some bytes")));
  pipe.fail(oci::Error{oci::ErrorCode::kDigestInvalid, "digest mismatch"});
  std::array<std::byte, 64> buffer{};
  auto n = pipe.read(buffer);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, oci::ErrorCode::kDigestInvalid);
  EXPECT_EQ(n.error().message, "digest mismatch");
  // And again: the error is not consumed.
  EXPECT_FALSE(pipe.read(buffer));
}

TEST(BlobPipeTest, CloseLetsTheReaderDrainFirst) {
  BlobPipe pipe(1024);
  ASSERT_TRUE(pipe.write(bytes_of("abc")));
  pipe.close();
  std::array<std::byte, 2> buffer{};
  EXPECT_EQ(pipe.read(buffer).value(), 2u);
  EXPECT_EQ(pipe.read(buffer).value(), 1u);
  EXPECT_EQ(pipe.read(buffer).value(), 0u);
}

TEST(BlobPipeTest, ABlockedProducerFailsWhenTheReaderCancels) {
  BlobPipe pipe(4);
  oci::Result<void> written;
  std::jthread producer([&] { written = pipe.sink()(bytes_of("far more than four bytes")); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  pipe.cancel(oci::Error{oci::ErrorCode::kInternal, "disk full"});
  producer.join();
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().message, "disk full");
}

TEST(BlobPipeTest, AReaderWaitsForTheProducer) {
  BlobPipe pipe(16);
  std::jthread producer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    pipe.fail(oci::Error{oci::ErrorCode::kSizeInvalid, "short"});
  });
  std::array<std::byte, 8> buffer{};
  auto n = pipe.read(buffer);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, oci::ErrorCode::kSizeInvalid);
}

}  // namespace
}  // namespace transfer
