#include "server/token_service.h"

#include <gtest/gtest.h>

#include <fstream>

#include "auth/test_keys.h"
#include "testsupport/temp_dir.h"

namespace server {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;

// What an external issuer signs for bob.
auth::Claims external_claims() {
  auth::Claims claims;
  claims.issuer = "corp-sso";
  claims.subject = "bob";
  claims.audience = {"regmirror"};
  claims.expires_at = kNow + 60;
  return claims;
}

class TokenServiceTest : public testing::Test {
 protected:
  TokenService make(TokenConfig config = {}) {
    auto service = TokenService::make(config, dir_.path());
    EXPECT_TRUE(service) << service.error().message;
    return std::move(*service);
  }
  std::filesystem::path write(const std::string& name, const std::string& text) {
    const auto path = dir_.path() / name;
    std::ofstream(path) << text;
    return path;
  }
  testsupport::TempDir dir_;
};

TEST_F(TokenServiceTest, IssuedTokensVerify) {
  const TokenService service = make();
  const std::vector<auth::Scope> access{{"repository", "a/b", {"pull"}}};
  auto token = service.issue_access("alice", access, kNow);
  ASSERT_TRUE(token);
  auto claims = service.verify_access(*token, kNow + 10);
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_EQ(claims->subject, "alice");
  EXPECT_EQ(claims->access, access);
  EXPECT_EQ(claims->expires_at, kNow + 300);
  EXPECT_FALSE(service.verify_access(*token, kNow + 300 + auth::kDefaultLeewaySeconds + 1));
}

TEST_F(TokenServiceTest, KeepsItsGeneratedKeyInTheStorageRoot) {
  auto token = make().issue_access("alice", {}, kNow);
  ASSERT_TRUE(token);
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "auth" / "token-key.pem"));
  EXPECT_EQ(std::filesystem::status(dir_.path() / "auth" / "token-key.pem").permissions() &
                std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_TRUE(make().verify_access(*token, kNow)) << "a restart keeps the key";
}

TEST_F(TokenServiceTest, RefreshAndAccessTokensAreNotInterchangeable) {
  const TokenService service = make();
  auto refresh = service.issue_refresh("alice", kNow);
  auto access = service.issue_access("alice", {}, kNow);
  ASSERT_TRUE(refresh && access);
  EXPECT_EQ(service.verify_refresh(*refresh, kNow).value_or(""), "alice");
  EXPECT_FALSE(service.verify_access(*refresh, kNow));
  EXPECT_FALSE(service.verify_refresh(*access, kNow));
  EXPECT_FALSE(service.verify_refresh(*refresh, kNow + 31 * 86400)) << "30 days by default";
}

TEST_F(TokenServiceTest, AcceptsTheTrustedIssuerOnly) {
  const std::string external_pem = auth::testing::new_private_key_pem("EC", "P-256");
  auto external = auth::PrivateKey::from_pem(external_pem);
  ASSERT_TRUE(external);
  TokenConfig config;
  config.trusted_keys = {write("external.pem", auth::testing::public_pem_of(external_pem))};
  config.trusted_issuer = "corp-sso";
  const TokenService service = make(config);
  auth::Claims claims = external_claims();
  auto theirs = auth::sign_token(claims, *external);
  ASSERT_TRUE(theirs);
  EXPECT_TRUE(service.verify_access(*theirs, kNow));
  claims.issuer = "regmirror";  // their key cannot speak for us
  auto impostor = auth::sign_token(claims, *external);
  ASSERT_TRUE(impostor);
  EXPECT_FALSE(service.verify_access(*impostor, kNow));
}

TEST_F(TokenServiceTest, ReadsTrustedKeysFromAJwksDocument) {
  auto external = auth::PrivateKey::generate_ec();
  ASSERT_TRUE(external);
  TokenConfig config;
  config.trusted_keys = {write("jwks.json", auth::format_jwks({external->public_key()}))};
  config.trusted_issuer = "corp-sso";
  const TokenService service = make(config);
  auto token = auth::sign_token(external_claims(), *external);
  ASSERT_TRUE(token);
  EXPECT_TRUE(service.verify_access(*token, kNow));
}

TEST_F(TokenServiceTest, ConfigurationErrorsNameTheFile) {
  TokenConfig config;
  config.key = write("broken.pem", "not a key");
  auto made = TokenService::make(config, dir_.path());
  ASSERT_FALSE(made);
  EXPECT_NE(made.error().message.find("broken.pem"), std::string::npos);
  TokenConfig no_issuer;
  no_issuer.trusted_keys = {write("k.pem", "x")};
  made = TokenService::make(no_issuer, dir_.path());
  ASSERT_FALSE(made);
  EXPECT_NE(made.error().message.find("trusted_issuer"), std::string::npos);
}

}  // namespace
}  // namespace server
