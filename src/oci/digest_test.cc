#include "oci/digest.h"

#include <gtest/gtest.h>

#include <string>

namespace oci {
namespace {

const std::string kEmptySha256 =
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const std::string kEmptySha512 =
    "sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
    "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";

struct ParseCase {
  std::string name;
  std::string text;
  bool valid;
};

class DigestParseTest : public testing::TestWithParam<ParseCase> {};

TEST_P(DigestParseTest, AcceptsOnlyCanonicalDigests) {
  const auto& c = GetParam();
  const auto digest = Digest::parse(c.text);
  EXPECT_EQ(digest.has_value(), c.valid);
  EXPECT_EQ(Digest::is_valid(c.text), c.valid);
  if (digest) {
    EXPECT_EQ(digest->str(), c.text);
  } else {
    EXPECT_EQ(digest.error().code, ErrorCode::kDigestInvalid);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, DigestParseTest,
    testing::Values(
        ParseCase{"Sha256", kEmptySha256, true}, ParseCase{"Sha512", kEmptySha512, true},
        ParseCase{"Empty", "", false}, ParseCase{"NoAlgorithm", kEmptySha256.substr(7), false},
        ParseCase{"EmptyAlgorithm", ":" + kEmptySha256.substr(7), false},
        ParseCase{"EmptyHex", "sha256:", false},
        ParseCase{"UnknownAlgorithm", "md5:" + kEmptySha256.substr(7), false},
        ParseCase{"UppercaseAlgorithm", "SHA256:" + kEmptySha256.substr(7), false},
        ParseCase{"UppercaseHex",
                  "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", false},
        ParseCase{"NonHex",
                  "sha256:g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", false},
        ParseCase{"HexTooShort", kEmptySha256.substr(0, kEmptySha256.size() - 1), false},
        ParseCase{"HexTooLong", kEmptySha256 + "0", false},
        ParseCase{"Sha512LengthUnderSha256", "sha512:" + kEmptySha256.substr(7), false},
        ParseCase{"Sha256LengthUnderSha512", "sha256:" + kEmptySha512.substr(7), false},
        ParseCase{"TrailingSpace", kEmptySha256 + " ", false},
        ParseCase{"LeadingSpace", " " + kEmptySha256, false},
        ParseCase{"TwoColons", "sha256::" + kEmptySha256.substr(8), false},
        ParseCase{"EmbeddedNul", "sha256:" + std::string(1, '\0') + kEmptySha256.substr(8), false}),
    [](const auto& info) { return info.param.name; });

TEST(DigestTest, ExposesAlgorithmAndHex) {
  const auto sha256 = Digest::parse(kEmptySha256).value();
  EXPECT_EQ(sha256.algorithm(), DigestAlgorithm::kSha256);
  EXPECT_EQ(sha256.algorithm_name(), "sha256");
  EXPECT_EQ(sha256.hex(), kEmptySha256.substr(7));

  const auto sha512 = Digest::parse(kEmptySha512).value();
  EXPECT_EQ(sha512.algorithm(), DigestAlgorithm::kSha512);
  EXPECT_EQ(sha512.algorithm_name(), "sha512");
  EXPECT_EQ(sha512.hex(), kEmptySha512.substr(7));
}

TEST(DigestTest, EqualityComparesText) {
  EXPECT_EQ(Digest::parse(kEmptySha256).value(), Digest::parse(kEmptySha256).value());
  EXPECT_NE(Digest::parse(kEmptySha256).value(), Digest::parse(kEmptySha512).value());
}

struct HashCase {
  std::string name;
  std::string input;
  DigestAlgorithm algorithm;
  std::string expected;
};

class DigestOfTest : public testing::TestWithParam<HashCase> {};

TEST_P(DigestOfTest, MatchesKnownVectors) {
  const auto& c = GetParam();
  EXPECT_EQ(digest_of(c.input, c.algorithm).str(), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Table, DigestOfTest,
    testing::Values(
        HashCase{"EmptySha256", "", DigestAlgorithm::kSha256, kEmptySha256},
        HashCase{"EmptySha512", "", DigestAlgorithm::kSha512, kEmptySha512},
        HashCase{"AbcSha256", "abc", DigestAlgorithm::kSha256,
                 "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        HashCase{"AbcSha512", "abc", DigestAlgorithm::kSha512,
                 "sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                 "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"}),
    [](const auto& info) { return info.param.name; });

TEST(DigestHasherTest, IncrementalUpdatesEqualOneShot) {
  const std::string data(100000, 'x');
  for (const auto algorithm : {DigestAlgorithm::kSha256, DigestAlgorithm::kSha512}) {
    DigestHasher hasher(algorithm);
    for (std::size_t offset = 0; offset < data.size(); offset += 4096) {
      hasher.update(std::string_view(data).substr(offset, 4096));
    }
    EXPECT_EQ(hasher.finish(), digest_of(data, algorithm));
  }
}

TEST(DigestHasherTest, ByteSpanAndStringViewAgree) {
  const std::string data = "regmirror";
  DigestHasher hasher;
  hasher.update(std::as_bytes(std::span(data)));
  EXPECT_EQ(hasher.finish(), digest_of(data));
}

TEST(DigestHasherTest, SurvivesMove) {
  DigestHasher original;
  original.update("ab");
  DigestHasher moved(std::move(original));
  moved.update("c");
  DigestHasher assigned(DigestAlgorithm::kSha512);
  assigned = std::move(moved);
  EXPECT_EQ(assigned.finish(), digest_of("abc"));
}

}  // namespace
}  // namespace oci
