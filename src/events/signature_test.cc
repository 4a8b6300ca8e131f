#include "events/signature.h"

#include <gtest/gtest.h>

namespace events {
namespace {

TEST(Signature, IsHmacSha256OfTimestampDotBody) {
  // python3: hmac.new(b"secret", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
  EXPECT_EQ(signature("secret", 1700000000, R"({"a":1})"),
            "t=1700000000,v1=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686");
}

TEST(Signature, ChangesWithTheSecretTheTimeAndTheBody) {
  const std::string base = signature("secret", 1700000000, "body");
  EXPECT_NE(signature("other", 1700000000, "body"), base);
  EXPECT_NE(signature("secret", 1700000001, "body"), base);
  EXPECT_NE(signature("secret", 1700000000, "body!"), base);
}

}  // namespace
}  // namespace events
