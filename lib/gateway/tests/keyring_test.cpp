#include "gateway/keyring.hpp"

#include <gtest/gtest.h>

#include "gateway/error.hpp"
#include "test_keys.hpp"

namespace {

using gateway::error;
using gateway::keyring;
using gateway_test::raw_key;

TEST(Keyring, ReadsASecretWithKeysAndTheCurrentOne) {
  auto r = keyring::from_secret_data({{"k1", raw_key(1)}, {"k2", raw_key(2)}, {"current", "k2"}});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->size(), 2u);
  EXPECT_EQ(r->current().id, 2u);
  ASSERT_NE(r->find(1), nullptr);
  EXPECT_EQ(r->find(1)->bytes, gateway_test::key(1).bytes);
  EXPECT_EQ(r->find(3), nullptr);
}

TEST(Keyring, WritesTheSecretDataItReads) {
  const std::map<std::string, std::string> data{
      {"k7", raw_key(7)}, {"k12", raw_key(12)}, {"k4294967295", raw_key(9)}, {"current", "k12"}};
  auto r = keyring::from_secret_data(data);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->to_secret_data(), data);
}

TEST(Keyring, RejectsAKeyThatIsNot32Bytes) {
  for (std::size_t n : {0, 16, 31, 33, 44}) {  // 44: the base64 text instead of the bytes
    auto r = keyring::from_secret_data({{"k1", std::string(n, 'x')}, {"current", "k1"}});
    ASSERT_FALSE(r) << n;
    EXPECT_EQ(r.error(), error::bad_key_length) << n;
  }
}

TEST(Keyring, RejectsASecretWithoutAValidCurrent) {
  for (const auto& data : std::vector<std::map<std::string, std::string>>{
           {{"k1", raw_key(1)}},
           {{"k1", raw_key(1)}, {"current", ""}},
           {{"k1", raw_key(1)}, {"current", "1"}},
           {{"k1", raw_key(1)}, {"current", "k1\n"}},
           {{"k1", raw_key(1)}, {"current", "k01"}},
       }) {
    auto r = keyring::from_secret_data(data);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), error::missing_current);
  }
}

TEST(Keyring, RejectsACurrentItDoesNotHold) {
  for (const auto& data : std::vector<std::map<std::string, std::string>>{
           {{"k1", raw_key(1)}, {"current", "k2"}},
           {{"current", "k1"}},
       }) {
    auto r = keyring::from_secret_data(data);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), error::unknown_current);
  }
}

TEST(Keyring, RejectsEntriesThatAreNotKeys) {
  for (const char* name : {"k", "k0", "k01", "K1", "k-1", "k+1", "k1a", "k 1", "k4294967296", "key", "extra", ""}) {
    auto r = keyring::from_secret_data({{"k1", raw_key(1)}, {name, raw_key(2)}, {"current", "k1"}});
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.error(), error::bad_key_entry) << name;
  }
}

TEST(Keyring, BoundsTheNumberOfKeys) {
  std::map<std::string, std::string> data{{"current", "k1"}};
  for (gateway::key_id id = 1; id <= keyring::max_keys; ++id) {
    data.emplace(keyring::entry_name(id), raw_key(id));
  }
  ASSERT_TRUE(keyring::from_secret_data(data));
  data.emplace(keyring::entry_name(keyring::max_keys + 1), raw_key(1));
  auto r = keyring::from_secret_data(data);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), error::too_many_keys);
}

TEST(Keyring, MakeRejectsRepeatedAndZeroIds) {
  auto repeated = keyring::make({gateway_test::key(3), gateway_test::key(3, 1)}, 3);
  ASSERT_FALSE(repeated);
  EXPECT_EQ(repeated.error(), error::duplicate_key_id);
  auto zero = keyring::make({gateway_test::key(0)}, 0);
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error(), error::bad_key_entry);
  auto empty = keyring::make({}, 1);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error(), error::unknown_current);
}

TEST(Keyring, ErrorMessagesCarryNoKeyBytes) {
  auto r = keyring::from_secret_data({{"k1", std::string(31, 'Q')}, {"current", "k1"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message().find("QQQQ"), std::string::npos);
}

}  // namespace
