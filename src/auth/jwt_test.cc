#include "auth/jwt.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "auth/test_keys.h"
#include "oci/base64.h"

namespace auth {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;

Claims sample_claims() {
  Claims claims;
  claims.issuer = "regmirror-token";
  claims.subject = "alice";
  claims.audience = {"registry.example"};
  claims.expires_at = kNow + 300;
  claims.not_before = kNow - 10;
  claims.issued_at = kNow - 10;
  claims.id = "c2f9e0";
  claims.access = {{"repository", "team-a/app", {"pull", "push"}}, {"registry", "catalog", {"*"}}};
  return claims;
}

VerifyOptions options_for(const PrivateKey& key) {
  return VerifyOptions{{key.public_key()}, "regmirror-token", "registry.example", kNow};
}

std::vector<std::string> parts_of(const std::string& token) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = token.find('.', start);
    parts.push_back(token.substr(start, dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

std::string json_part(const std::string& part) { return *oci::base64url_decode(part); }

class JwtTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ec_ = new PrivateKey(*PrivateKey::generate_ec());
    rsa_pem_ = new std::string(testing::new_private_key_pem("RSA", "", 2048));
    rsa_ = new PrivateKey(*PrivateKey::from_pem(*rsa_pem_));
  }
  static void TearDownTestSuite() {
    delete ec_;
    delete rsa_;
    delete rsa_pem_;
  }
  // A token of `header` and `payload` as given, signed RS256 by rsa_ outside the code tested.
  static std::string rs256_token(const nlohmann::json& header, const nlohmann::json& payload) {
    const std::string input =
        oci::base64url_encode(header.dump()) + "." + oci::base64url_encode(payload.dump());
    return input + "." + oci::base64url_encode(testing::rs256_signature(input, *rsa_pem_));
  }
  static std::string* rsa_pem_;
  static PrivateKey* ec_;
  static PrivateKey* rsa_;
};
PrivateKey* JwtTest::ec_ = nullptr;
PrivateKey* JwtTest::rsa_ = nullptr;
std::string* JwtTest::rsa_pem_ = nullptr;

TEST_F(JwtTest, Es256SignsAndVerifies) {
  const oci::Result<std::string> token = sign_token(sample_claims(), *ec_);
  ASSERT_TRUE(token) << token.error().message;
  const std::vector<std::string> parts = parts_of(*token);
  ASSERT_EQ(parts.size(), 3U);
  const nlohmann::json header = nlohmann::json::parse(json_part(parts[0]));
  EXPECT_EQ(header["alg"], "ES256");
  EXPECT_EQ(header["typ"], "JWT");
  EXPECT_EQ(header["kid"], ec_->kid());
  EXPECT_EQ(oci::base64url_decode(parts[2])->size(), 64U);  // r||s, not DER
  const nlohmann::json payload = nlohmann::json::parse(json_part(parts[1]));
  EXPECT_EQ(payload["aud"], "registry.example");  // one audience: a string
  EXPECT_EQ(payload["access"][0]["actions"][1], "push");
  const oci::Result<Claims> claims = verify_token(*token, options_for(*ec_));
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_EQ(*claims, sample_claims());
}

TEST_F(JwtTest, Rs256SignsAndVerifies) {
  Claims claims = sample_claims();
  claims.audience = {"a", "registry.example"};
  const oci::Result<std::string> token = sign_token(claims, *rsa_);
  ASSERT_TRUE(token);
  EXPECT_EQ(nlohmann::json::parse(json_part(parts_of(*token)[0]))["alg"], "RS256");
  const oci::Result<Claims> verified = verify_token(*token, options_for(*rsa_));
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(*verified, claims);
}

void expect_refused(const std::string& token, const VerifyOptions& options,
                    std::string_view reason) {
  const oci::Result<Claims> claims = verify_token(token, options);
  ASSERT_FALSE(claims) << token;
  EXPECT_EQ(claims.error().code, oci::ErrorCode::kUnauthorized);
  EXPECT_NE(claims.error().message.find(reason), std::string::npos) << claims.error().message;
}

// A token with `header` and `payload` as given, signed by `key` (or with `signature`).
std::string forge(const nlohmann::json& header, const nlohmann::json& payload,
                  std::string_view signature) {
  return oci::base64url_encode(header.dump()) + "." + oci::base64url_encode(payload.dump()) + "." +
         oci::base64url_encode(signature);
}

TEST_F(JwtTest, SigningRefusesClaimsJsonCannotCarry) {
  Claims claims = sample_claims();
  claims.subject = "\xff\xfe";
  const oci::Result<std::string> token = sign_token(claims, *ec_);
  ASSERT_FALSE(token);
  EXPECT_EQ(token.error().code, oci::ErrorCode::kUnsupported);
  claims = sample_claims();
  claims.access.assign(200, Scope{"repository", std::string(100, 'a'), {"pull"}});
  EXPECT_EQ(sign_token(claims, *ec_).error().code, oci::ErrorCode::kSizeInvalid);
}

TEST_F(JwtTest, RefusesTimesOutsideTheLeeway) {
  Claims claims = sample_claims();
  claims.expires_at = kNow - 61;
  expect_refused(*sign_token(claims, *ec_), options_for(*ec_), "expired");
  claims.expires_at = kNow - 59;  // within the leeway
  EXPECT_TRUE(verify_token(*sign_token(claims, *ec_), options_for(*ec_)));
  claims = sample_claims();
  claims.not_before = kNow + 61;
  expect_refused(*sign_token(claims, *ec_), options_for(*ec_), "not valid yet");
  claims.not_before = kNow + 59;
  EXPECT_TRUE(verify_token(*sign_token(claims, *ec_), options_for(*ec_)));
}

TEST_F(JwtTest, RefusesWrongIssuerOrAudience) {
  VerifyOptions options = options_for(*ec_);
  const std::string token = *sign_token(sample_claims(), *ec_);
  options.issuer = "someone-else";
  expect_refused(token, options, "issuer");
  options = options_for(*ec_);
  options.audience = "other.example";
  expect_refused(token, options, "not meant for this service");
  options.audience.clear();
  options.issuer.clear();
  EXPECT_TRUE(verify_token(token, options));  // neither configured: not checked
}

TEST_F(JwtTest, RefusesTamperingAndForeignKeys) {
  const std::string token = *sign_token(sample_claims(), *ec_);
  const std::vector<std::string> parts = parts_of(token);
  nlohmann::json payload = nlohmann::json::parse(json_part(parts[1]));
  payload["sub"] = "admin";
  expect_refused(parts[0] + "." + oci::base64url_encode(payload.dump()) + "." + parts[2],
                 options_for(*ec_), "signature");
  std::string flipped = parts[2];
  flipped[5] = flipped[5] == 'A' ? 'B' : 'A';
  expect_refused(parts[0] + "." + parts[1] + "." + flipped, options_for(*ec_), "signature");
  // Signed by another key of the same kind, with the kid of ours.
  const PrivateKey other = *PrivateKey::generate_ec();
  const std::string foreign = *sign_token(sample_claims(), other);
  const std::vector<std::string> foreign_parts = parts_of(foreign);
  expect_refused(parts[0] + "." + foreign_parts[1] + "." + foreign_parts[2], options_for(*ec_),
                 "signature");
  expect_refused(foreign, options_for(*ec_), "no key");  // its own kid is unknown
}

TEST_F(JwtTest, RefusesAlgorithmConfusion) {
  const std::string token = *sign_token(sample_claims(), *ec_);
  const std::vector<std::string> parts = parts_of(token);
  const nlohmann::json payload = nlohmann::json::parse(json_part(parts[1]));
  expect_refused(forge({{"alg", "none"}, {"kid", ec_->kid()}}, payload, ""), options_for(*ec_),
                 "alg");
  expect_refused(parts[0] + "." + parts[1] + ".", options_for(*ec_), "signature");
  // HS256 with the public key's bytes as the secret is never tried.
  expect_refused(forge({{"alg", "HS256"}, {"kid", ec_->kid()}}, payload, "mac"), options_for(*ec_),
                 "alg");
  // RS256 claimed for the EC key's kid: no RS256 key has that kid.
  expect_refused(
      forge({{"alg", "RS256"}, {"kid", ec_->kid()}}, payload, *oci::base64url_decode(parts[2])),
      options_for(*ec_), "no key");
  expect_refused(forge({{"alg", "ES256"}, {"kid", ec_->kid()}, {"crit", {"exp"}}}, payload, "x"),
                 options_for(*ec_), "critical");
  expect_refused(forge({{"kid", ec_->kid()}}, payload, "x"), options_for(*ec_), "alg");
}

TEST_F(JwtTest, WithoutKidTheOnlyKeyOfTheAlgorithmVerifies) {
  const std::string token = rs256_token({{"alg", "RS256"}}, {{"sub", "bob"}, {"exp", kNow}});
  VerifyOptions options{{ec_->public_key(), rsa_->public_key()}, "", "", kNow};
  const oci::Result<Claims> claims = verify_token(token, options);
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_EQ(claims->subject, "bob");
  options.keys.push_back(
      PrivateKey::from_pem(testing::new_private_key_pem("RSA", "", 2048))->public_key());
  expect_refused(token, options, "no key");  // two RSA keys: ambiguous
  expect_refused(rs256_token({{"alg", "RS256"}, {"kid", 7}}, {{"exp", kNow}}), options, "no key");
}

TEST_F(JwtTest, RefusesMalformedTokens) {
  const std::string token = *sign_token(sample_claims(), *ec_);
  const std::vector<std::string> parts = parts_of(token);
  const VerifyOptions options = options_for(*ec_);
  expect_refused("", options, "compact JWS");
  expect_refused(parts[0], options, "compact JWS");
  expect_refused(parts[0] + "." + parts[1], options, "compact JWS");
  expect_refused(token + ".x", options, "compact JWS");
  expect_refused(token.substr(0, token.size() - 10), options, "signature");  // truncated
  expect_refused("!!." + parts[1] + "." + parts[2], options, "header");
  expect_refused(oci::base64url_encode("[1]") + "." + parts[1] + "." + parts[2], options, "header");
  expect_refused(oci::base64url_encode(std::string(100, '[')) + "." + parts[1] + "." + parts[2],
                 options, "header");
  expect_refused(parts[0] + "." + parts[1] + ".=", options, "signature");
  expect_refused(std::string(kMaxTokenSize + 1, 'a'), options, "too long");
  const std::string huge_header =
      oci::base64url_encode(R"({"alg":"ES256","x":")" + std::string(kMaxTokenSize, 'a') + "\"}");
  expect_refused(huge_header + "." + parts[1] + "." + parts[2], options, "too long");
}

// Claims of the wrong shape are refused even when correctly signed.
TEST_F(JwtTest, RefusesMalformedClaims) {
  const VerifyOptions options{{rsa_->public_key()}, "", "", kNow};
  EXPECT_TRUE(verify_token(rs256_token({{"alg", "RS256"}}, {{"exp", kNow}}), options));
  EXPECT_TRUE(verify_token(rs256_token({{"alg", "RS256"}}, {{"exp", kNow + 0.5}}), options));
  for (const nlohmann::json& payload : {
           nlohmann::json{{"sub", "a"}},                      // no exp
           nlohmann::json{{"exp", "soon"}},                   // exp not a number
           nlohmann::json{{"exp", kNow}, {"sub", 5}},         // sub not a string
           nlohmann::json{{"exp", kNow}, {"aud", 5}},         // aud not a string
           nlohmann::json{{"exp", kNow}, {"aud", {"a", 5}}},  // aud array member
           nlohmann::json{{"exp", kNow}, {"access", "x"}},    // access not an array
           nlohmann::json{{"exp", kNow}, {"access", {{{"actions", "pull"}}}}},
           nlohmann::json{{"exp", kNow}, {"access", {{{"actions", {1}}}}}},
           nlohmann::json{{"exp", 1e300}},                    // absurd date
           nlohmann::json{{"exp", 18446744073709551615ULL}},  // would overflow with the leeway
           nlohmann::json{{"exp", -9223372036854775807LL}},
           nlohmann::json::array({1}),  // not an object
       }) {
    expect_refused(rs256_token({{"alg", "RS256"}}, payload), options, "claims");
  }
}

}  // namespace
}  // namespace auth
