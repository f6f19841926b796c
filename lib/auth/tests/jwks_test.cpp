// Which keys of an issuer's JWKS become verification keys: RSA (>= 2048 bits) and EC P-256/
// P-384 signing keys; symmetric, encryption, short and broken keys are left out with a reason.
#include <gtest/gtest.h>

#include "auth/jwks.hpp"
#include "jose_fixture.hpp"

namespace {

TEST(Jwks, RsaAndEcSigningKeysAreLoadedByKid) {
  const auto r = auth_test::rsa_key("r1");
  const auto e = auth_test::ec_key("e1");
  std::string error;
  auto set = auth::parse_jwks(auth_test::jwks_of({&r, &e}), error);
  ASSERT_TRUE(set) << error;
  ASSERT_EQ(set->keys.size(), 2u);
  EXPECT_EQ(set->find("r1")->type, auth::key_type::rsa);
  EXPECT_EQ(set->find("e1")->type, auth::key_type::ec_p256);
  EXPECT_EQ(set->find("nope"), nullptr);
  EXPECT_EQ(set->find(""), nullptr) << "no kid matches only when the set has one key";
}

TEST(Jwks, UnusableKeysAreSkippedWithAReason) {
  const auto shortkey = auth_test::rsa_key("short", 1024);
  auto enc = auth_test::rsa_key("enc").jwk();
  enc["use"] = "enc";
  auto bad_point = auth_test::ec_key("bad").jwk();
  bad_point["x"] = auth::base64url_encode(std::string(32, '\x01'));
  boost::json::array keys{shortkey.jwk(),
                          enc,
                          bad_point,
                          boost::json::object{{"kty", "oct"}, {"kid", "h"}, {"k", "c2VjcmV0"}},
                          boost::json::object{{"kid", "x"}},
                          42};
  std::string error;
  auto set = auth::parse_jwks(boost::json::serialize(boost::json::object{{"keys", keys}}), error);
  ASSERT_TRUE(set) << error;
  EXPECT_TRUE(set->keys.empty());
  ASSERT_EQ(set->skipped.size(), 6u);
  EXPECT_NE(set->skipped[0].find("2048"), std::string::npos) << set->skipped[0];
  EXPECT_NE(set->skipped[1].find("enc"), std::string::npos) << set->skipped[1];
  EXPECT_NE(set->skipped[2].find("curve"), std::string::npos) << set->skipped[2];
  EXPECT_NE(set->skipped[3].find("oct"), std::string::npos) << set->skipped[3];
}

TEST(Jwks, ADocumentThatIsNotAKeySetIsAnError) {
  std::string error;
  EXPECT_FALSE(auth::parse_jwks("{}", error));
  EXPECT_FALSE(auth::parse_jwks("not json", error));
  EXPECT_NE(error.find("keys"), std::string::npos);
}

}  // namespace
