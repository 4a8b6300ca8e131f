#include "oci/resumable_sha256.h"

#include <gtest/gtest.h>

#include <string>

namespace oci {
namespace {

std::span<const std::byte> bytes_of(std::string_view text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

std::string pattern(std::size_t size) {
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<char>((i * 131 + 7) % 251);
  return out;
}

TEST(ResumableSha256, MatchesTheKnownDigest) {
  ResumableSha256 hasher;
  hasher.update(bytes_of("abc"));
  EXPECT_EQ(hasher.size(), 3U);
  EXPECT_EQ(hasher.finish().str(),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// Saved after every split point around block boundaries, resumed in a fresh object, fed the
// rest: always the digest of the whole.
TEST(ResumableSha256, ResumedStateGivesTheWholeDigest) {
  const std::string data = pattern(300);
  const Digest whole = digest_of(data);
  for (std::size_t split : {0, 1, 55, 56, 63, 64, 65, 127, 128, 200, 300}) {
    ResumableSha256 first;
    first.update(bytes_of(std::string_view(data).substr(0, split)));
    const std::string saved = first.save();
    auto resumed = ResumableSha256::resume(saved);
    ASSERT_TRUE(resumed) << "split " << split;
    EXPECT_EQ(resumed->size(), split);
    resumed->update(bytes_of(std::string_view(data).substr(split)));
    EXPECT_EQ(resumed->finish(), whole) << "split " << split;
  }
}

TEST(ResumableSha256, SaveDoesNotDisturbTheRunningHash) {
  const std::string data = pattern(1000);
  ResumableSha256 hasher;
  hasher.update(bytes_of(std::string_view(data).substr(0, 333)));
  (void)hasher.save();
  hasher.update(bytes_of(std::string_view(data).substr(333)));
  EXPECT_EQ(hasher.finish(), digest_of(data));
}

TEST(ResumableSha256, RefusesWhatSaveDidNotWrite) {
  ResumableSha256 hasher;
  hasher.update(bytes_of(pattern(70)));
  const std::string saved = hasher.save();
  EXPECT_FALSE(ResumableSha256::resume(""));
  EXPECT_FALSE(ResumableSha256::resume("rmsha256/1"));
  EXPECT_FALSE(ResumableSha256::resume(saved.substr(0, saved.size() - 1)));  // block cut short
  EXPECT_FALSE(ResumableSha256::resume(saved + "x"));                        // block too long
  std::string other_version = saved;
  other_version[9] = '2';
  EXPECT_FALSE(ResumableSha256::resume(other_version));
  EXPECT_FALSE(ResumableSha256::resume(saved + std::string(64, 'x')));  // oversized
}

}  // namespace
}  // namespace oci
