#include "gateway/keyring.hpp"

#include <gtest/gtest.h>

#include "gateway/error.hpp"
#include "test_keys.hpp"

namespace {

using gateway::error;
using gateway::keyring;
using gateway_test::raw_key;

TEST(keyring, reads_a_secret_with_keys_and_the_current_one) {
  auto r = keyring::from_secret_data({{"k1", raw_key(1)}, {"k2", raw_key(2)}, {"current", "k2"}});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->size(), 2u);
  EXPECT_EQ(r->current().id, 2u);
  ASSERT_NE(r->find(1), nullptr);
  EXPECT_EQ(r->find(1)->bytes, gateway_test::key(1).bytes);
  EXPECT_EQ(r->find(3), nullptr);
}

TEST(keyring, writes_the_secret_data_it_reads) {
  const std::map<std::string, std::string> data{
      {"k7", raw_key(7)}, {"k12", raw_key(12)}, {"k4294967295", raw_key(9)}, {"current", "k12"}};
  auto r = keyring::from_secret_data(data);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->to_secret_data(), data);
}

TEST(keyring, rejects_a_key_that_is_not_32_bytes) {
  for (std::size_t n : {0, 16, 31, 33, 44}) {  // 44: the base64 text instead of the bytes
    auto r = keyring::from_secret_data({{"k1", std::string(n, 'x')}, {"current", "k1"}});
    ASSERT_FALSE(r) << n;
    EXPECT_EQ(r.error(), error::bad_key_length) << n;
  }
}

TEST(keyring, rejects_a_secret_without_a_valid_current) {
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

TEST(keyring, rejects_a_current_it_does_not_hold) {
  for (const auto& data : std::vector<std::map<std::string, std::string>>{
           {{"k1", raw_key(1)}, {"current", "k2"}},
           {{"current", "k1"}},
       }) {
    auto r = keyring::from_secret_data(data);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), error::unknown_current);
  }
}

TEST(keyring, rejects_entries_that_are_not_keys) {
  for (const char* name : {"k", "k0", "k01", "K1", "k-1", "k+1", "k1a", "k 1", "k4294967296", "key", "extra", ""}) {
    auto r = keyring::from_secret_data({{"k1", raw_key(1)}, {name, raw_key(2)}, {"current", "k1"}});
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.error(), error::bad_key_entry) << name;
  }
}

TEST(keyring, bounds_the_number_of_keys) {
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

TEST(keyring, make_rejects_repeated_and_zero_ids) {
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

TEST(keyring, error_messages_carry_no_key_bytes) {
  auto r = keyring::from_secret_data({{"k1", std::string(31, 'Q')}, {"current", "k1"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message().find("QQQQ"), std::string::npos);
}

}  // namespace
