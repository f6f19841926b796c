#include "gateway/session_record.hpp"

#include <gtest/gtest.h>

#include <string>

#include "gateway/error.hpp"
#include "test_keys.hpp"

namespace {

using gateway::error;
using gateway::record_limits;
using gateway_test::record;

TEST(SessionRecord, RoundTripsThroughItsEncoding) {
  auto r = record();
  auto bytes = gateway::encode_record(r);
  ASSERT_TRUE(bytes);
  auto back = gateway::parse_record(*bytes);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, r);
}

TEST(SessionRecord, RoundTripsASessionWithNoMembersAndNegativeTimes) {
  gateway::session_record r;
  r.protocol_revision = "2024-11-05";
  r.issued_at = -5;
  r.expires_at = -1;
  auto bytes = gateway::encode_record(r);
  ASSERT_TRUE(bytes);
  auto back = gateway::parse_record(*bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
}

TEST(SessionRecord, CostsAFewBytesBeyondItsStrings) {
  // version, revision length, two times, member count; then three lengths per member.
  const auto r = record();
  std::size_t expected = 1 + 1 + r.protocol_revision.size() + 8 + 8 + 1;
  for (const auto& m : r.members) {
    expected += 1 + m.member.size() + 1 + m.pod.size() + 2 + m.upstream_session_id.size();
  }
  auto bytes = gateway::encode_record(r);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(bytes->size(), expected);
}

TEST(SessionRecord, RefusesToEncodeWhatItCouldNotParse) {
  auto check = [](auto mutate, const char* what) {
    auto r = record();
    mutate(r);
    auto bytes = gateway::encode_record(r);
    ASSERT_FALSE(bytes) << what;
    EXPECT_EQ(bytes.error(), error::invalid_record) << what;
  };
  using R = gateway::session_record;
  check([](R& r) { r.protocol_revision.clear(); }, "empty revision");
  check([](R& r) { r.protocol_revision.assign(record_limits::max_protocol_revision + 1, 'x'); }, "long revision");
  check([](R& r) { r.members[0].member.clear(); }, "empty member");
  check([](R& r) { r.members[0].pod.clear(); }, "empty pod");
  check([](R& r) { r.members[0].member.assign(record_limits::max_member + 1, 'm'); }, "long member");
  check([](R& r) { r.members[0].pod.assign(record_limits::max_pod + 1, 'p'); }, "long pod");
  check([](R& r) { r.members[0].upstream_session_id.assign(record_limits::max_upstream_session_id + 1, 's'); },
        "long upstream session id");
  check([](R& r) { r.members[1].member = r.members[0].member; }, "member named twice");
  check([](R& r) { r.members[0].upstream_session_id = "a b"; }, "space");
  check([](R& r) { r.members[0].upstream_session_id = "a\r\nX-Injected: 1"; }, "CR LF");
  check([](R& r) { r.members[0].pod = "p\x7f"; }, "DEL");
  check([](R& r) { r.members[0].member = "caf\xc3\xa9"; }, "non-ASCII");
  check([](R& r) { r.issued_at = r.expires_at + 1; }, "issued after it expires");
  check(
      [](R& r) {
        r.members.resize(record_limits::max_members + 1);
        for (std::size_t i = 0; i < r.members.size(); ++i) {
          r.members[i] = {"m" + std::to_string(i), "p", ""};
        }
      },
      "too many members");
  check(
      [](R& r) {
        r.members.clear();
        for (int i = 0; i < 8; ++i) {  // each member within its bounds, the whole above max_bytes
          r.members.push_back({"m" + std::to_string(i), "p", std::string(600, 's')});
        }
      },
      "too large in total");
}

TEST(SessionRecord, RefusesToEncodeAnotherVersion) {
  auto r = record();
  r.version = 2;
  auto bytes = gateway::encode_record(r);
  ASSERT_FALSE(bytes);
  EXPECT_EQ(bytes.error(), error::unsupported_version);
}

TEST(SessionRecord, EncodesARecordAtEveryBound) {
  gateway::session_record r;
  r.protocol_revision.assign(record_limits::max_protocol_revision, 'r');
  r.members.push_back({std::string(record_limits::max_member, 'm'), std::string(record_limits::max_pod, 'p'),
                       std::string(record_limits::max_upstream_session_id, 's')});
  for (std::size_t i = 1; i < record_limits::max_members; ++i) {
    r.members.push_back({"m" + std::to_string(i), "p", ""});
  }
  auto bytes = gateway::encode_record(r);
  ASSERT_TRUE(bytes) << bytes.error().message();
  auto back = gateway::parse_record(*bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
}

TEST(SessionRecord, ParseRejectsEveryTruncationAndTrailingBytes) {
  auto bytes = gateway::encode_record(record()).value();
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto r = gateway::parse_record(std::string_view(bytes).substr(0, n));
    ASSERT_FALSE(r) << "prefix of " << n << " bytes";
    EXPECT_EQ(r.error(), error::malformed) << n;
  }
  auto r = gateway::parse_record(bytes + '\0');
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), error::malformed);
}

TEST(SessionRecord, ParseRejectsAnUnknownVersion) {
  auto bytes = gateway::encode_record(record()).value();
  bytes[0] = 2;
  auto r = gateway::parse_record(bytes);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), error::unsupported_version);
}

// Hand-built encodings that break one bound each, as a sealing peer with a bug (or a future
// format read by this build) could produce.
std::string header(std::uint8_t members) {
  std::string s;
  s.push_back(1);  // version
  s += std::string(
      "\x0a"
      "2025-06-18",
      11);                             // revision
  s += std::string(7, '\0') + '\x01';  // issued_at = 1
  s += std::string(7, '\0') + '\x02';  // expires_at = 2
  s.push_back(static_cast<char>(members));
  return s;
}

std::string member(std::string_view name, std::string_view pod, std::string_view upstream) {
  std::string s;
  s.push_back(static_cast<char>(name.size()));
  s += name;
  s.push_back(static_cast<char>(pod.size()));
  s += pod;
  s.push_back(static_cast<char>(upstream.size() >> 8));
  s.push_back(static_cast<char>(upstream.size() & 0xff));
  s += upstream;
  return s;
}

TEST(SessionRecord, ParseEnforcesEveryBound) {
  ASSERT_TRUE(gateway::parse_record(header(1) + member("a", "p", "s")));
  auto rejects = [](const std::string& bytes, const char* what) {
    auto r = gateway::parse_record(bytes);
    ASSERT_FALSE(r) << what;
    EXPECT_EQ(r.error(), error::malformed) << what;
  };
  rejects(header(record_limits::max_members + 1), "member count above the bound");
  rejects(header(255), "member count with no members behind it");
  rejects(header(1) + member(std::string(254, 'm'), "p", ""), "member name above the bound");
  rejects(header(1) + member("a", std::string(254, 'p'), ""), "pod above the bound");
  rejects(header(1) + member("a", "p", std::string(1025, 's')), "upstream session id above the bound");
  rejects(header(1) + member("a", "p", "") + "x", "trailing byte");
  rejects(header(2) + member("a", "p", "") + member("a", "q", ""), "a member twice");
  rejects(header(1) + member("", "p", ""), "empty member");
  rejects(header(1) + member("a", "", ""), "empty pod");
  rejects(header(1) + member("a", "p", "\n"), "control character");
  rejects(std::string(record_limits::max_bytes + 1, '\x01'), "above max_bytes");
  auto upstream_length_lies = header(1) + member("a", "p", "");
  upstream_length_lies[upstream_length_lies.size() - 2] = '\xff';  // 65280 bytes promised, none there
  rejects(upstream_length_lies, "a length beyond the input");
  auto issued_after_expiry = header(0);
  issued_after_expiry[19] = '\x09';
  rejects(issued_after_expiry, "issued after it expires");
  auto empty_revision = header(0);
  empty_revision.replace(1, 11, std::string(1, '\0'));
  rejects(empty_revision, "empty revision");
}

}  // namespace
