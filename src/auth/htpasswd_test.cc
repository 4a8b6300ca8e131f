#include "auth/htpasswd.h"

#include <gtest/gtest.h>

namespace auth {
namespace {

// The first two are crypt_blowfish's published test vectors (Openwall, wrapper.c); the
// others were made once with Python's crypt module (libxcrypt):
//   crypt.crypt('correct horse', '$2y$04$abcdefghijklmnopqrstuu')
//   crypt.crypt('s3cret', crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))
constexpr std::string_view kUStarU = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
constexpr std::string_view kUStarUStar =
    "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK";
constexpr std::string_view kHorse2y =
    "$2y$04$abcdefghijklmnopqrstuujydOTSfIH/d5oUHpsygqV5X9xJLQc6e";
constexpr std::string_view kHorse2b =
    "$2b$04$abcdefghijklmnopqrstuujydOTSfIH/d5oUHpsygqV5X9xJLQc6e";
constexpr std::string_view kSecret2b =
    "$2b$04$EwzQffWl5hBOpd.Cf8IiCe4SZy1/6cesFTJwBvqQjuAUrZ45y14Ai";

TEST(Htpasswd, PasswordMatchesKnownVectors) {
  EXPECT_EQ(password_matches("U*U", kUStarU), true);
  EXPECT_EQ(password_matches("U*U*", kUStarUStar), true);
  EXPECT_EQ(password_matches("U*U*", kUStarU), false);
  EXPECT_EQ(password_matches("correct horse", kHorse2y), true);
  EXPECT_EQ(password_matches("correct horse", kHorse2b), true);
  EXPECT_EQ(password_matches("correct horsf", kHorse2y), false);
  EXPECT_EQ(password_matches("", kHorse2y), false);
  EXPECT_EQ(password_matches("s3cret", kSecret2b), true);
  EXPECT_EQ(password_matches(std::string_view("s3cret\0x", 8), kSecret2b), false);
}

TEST(Htpasswd, RefusesOtherHashKindsWithAReason) {
  for (std::string_view hash :
       {"{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/", "plaintext",
        "$1$saltsalt$abcdefghijklmnopqrstuv", "$2x$04$abc",
        "$2y$03$abcdefghijklmnopqrstuujydOTSfIH/d5oUHpsygqV5X9xJLQc6e"}) {
    const oci::Result<bool> result = password_matches("pw", hash);
    ASSERT_FALSE(result) << hash;
    EXPECT_EQ(result.error().code, oci::ErrorCode::kUnsupported);
    EXPECT_NE(result.error().message.find("use bcrypt"), std::string::npos);
  }
  EXPECT_NE(unsupported_hash_reason("{SHA}x").find("{SHA}"), std::string::npos);
  EXPECT_NE(unsupported_hash_reason("$apr1$x").find("$apr1$"), std::string::npos);
  EXPECT_EQ(unsupported_hash_reason(kHorse2y), "");
}

TEST(Htpasswd, HashPasswordMakesCheckableBcrypt) {
  const oci::Result<std::string> hash = hash_password("hunter2", 4);
  ASSERT_TRUE(hash) << hash.error().message;
  EXPECT_TRUE(hash->starts_with("$2y$04$")) << *hash;
  EXPECT_EQ(password_matches("hunter2", *hash), true);
  EXPECT_EQ(password_matches("hunter3", *hash), false);
  const oci::Result<std::string> again = hash_password("hunter2", 4);
  ASSERT_TRUE(again);
  EXPECT_NE(*hash, *again);  // a new salt each time
}

TEST(Htpasswd, HashPasswordDefaultCostAndLimits) {
  const oci::Result<std::string> hash = hash_password("pw");
  ASSERT_TRUE(hash);
  EXPECT_TRUE(hash->starts_with("$2y$10$"));
  EXPECT_FALSE(hash_password("pw", 3));
  EXPECT_FALSE(hash_password("pw", 32));
  EXPECT_FALSE(hash_password(std::string_view("p\0w", 3), 4));
}

TEST(Htpasswd, ParsesUsersCommentsBlankLinesAndCrlf) {
  const std::string text = std::string("# users\r\n\r\nalice:") + std::string(kHorse2y) +
                           "\r\n   \n  # indented comment\nbob:" + std::string(kSecret2b);
  const oci::Result<Htpasswd> file = Htpasswd::parse(text);
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(file->size(), 2U);
  EXPECT_TRUE(file->contains("alice"));
  EXPECT_TRUE(file->authenticate("alice", "correct horse"));
  EXPECT_FALSE(file->authenticate("alice", "s3cret"));
  EXPECT_TRUE(file->authenticate("bob", "s3cret"));
  EXPECT_FALSE(file->authenticate("carol", "s3cret"));
  EXPECT_FALSE(file->authenticate("", ""));
}

TEST(Htpasswd, EmptyFileHasNoUsers) {
  const oci::Result<Htpasswd> file = Htpasswd::parse("");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->size(), 0U);
  EXPECT_FALSE(file->authenticate("alice", ""));
}

void expect_refused(const std::string& text, std::string_view message_part) {
  const oci::Result<Htpasswd> file = Htpasswd::parse(text);
  ASSERT_FALSE(file) << text;
  EXPECT_NE(file.error().message.find(message_part), std::string::npos) << file.error().message;
}

TEST(Htpasswd, RefusesMalformedLinesNamingThem) {
  const std::string alice = "alice:" + std::string(kHorse2y) + "\n";
  expect_refused(alice + "\n" + alice, "line 3: user \"alice\" is already defined");
  expect_refused(alice + "bob\n", "line 2: expected user:hash");
  expect_refused(":" + std::string(kHorse2y), "line 1: the user name is empty");
  expect_refused("bob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "line 1: user \"bob\": {SHA}");
  expect_refused("bob:$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/", "MD5 ($apr1$)");
  expect_refused("bob:plain", "plain-text");
  expect_refused("bob:", "line 1");
  expect_refused("b\tob:" + std::string(kHorse2y), "control character");
  expect_refused("alice:" + std::string(kHorse2y) + "x", "malformed bcrypt");
}

TEST(Htpasswd, RefusesAnOversizedFile) {
  const oci::Result<Htpasswd> file = Htpasswd::parse(std::string(kMaxHtpasswdSize + 1, '#'));
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code, oci::ErrorCode::kSizeInvalid);
  EXPECT_TRUE(Htpasswd::parse(std::string(kMaxHtpasswdSize, '#')));
}

}  // namespace
}  // namespace auth
