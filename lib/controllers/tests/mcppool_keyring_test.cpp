#include "controllers/mcppool_keyring.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "gateway/keyring.hpp"
#include "kube/client/config.hpp"

namespace {

namespace json = boost::json;
using controllers::keyring_decision;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using std::chrono::system_clock;
using step = keyring_decision::step;

const system_clock::time_point t0 = *controllers::parse_rfc3339("2026-12-02T10:00:00Z");
const std::string key_a(32, 'a'), key_b(32, 'b'), key_c(32, 'c'), key_d(32, 'd');
const controllers::keyring_policy daily{hours(24), minutes(5)};

json::object meta() {
  return json::object{{"name", "tools-keyring"}, {"namespace", "team-a"}, {"labels", json::object{{"x", "y"}}}};
}

// The Secret as the apiserver would return it after the decision was written.
json::object written(const keyring_decision& d) {
  auto s = controllers::keyring_secret(meta(), d);
  s["metadata"].as_object()["resourceVersion"] = "7";
  return s;
}

// The ring the gateway would load from `secret`.
gateway::keyring ring_of(const json::object& secret) {
  std::map<std::string, std::string> data;
  for (const auto& [k, v] : secret.at("data").as_object())
    data[std::string(k)] = *kube::base64_decode(v.as_string());
  auto r = gateway::keyring::from_secret_data(data);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message());
  return *r;
}

TEST(PoolKeyring, MissingSecretIsCreatedWithOneCurrentKeyTheGatewayReads) {
  auto d = controllers::plan_keyring(nullptr, t0, daily, key_a);
  EXPECT_EQ(d.what, step::create);
  ASSERT_EQ(d.next, std::optional<seconds>(hours(24)));
  auto s = written(d);
  EXPECT_EQ(s.at("type").as_string(), "Opaque");
  EXPECT_EQ(s.at("metadata").at("labels").at("x").as_string(), "y");
  EXPECT_EQ(s.at("metadata").at("annotations").at("mcp.v2dy.io/keyring-rotated-at").as_string(),
            "2026-12-02T10:00:00Z");
  auto ring = ring_of(s);
  EXPECT_EQ(ring.size(), 1U);
  EXPECT_EQ(ring.current().id, 1U);
  EXPECT_EQ(std::string(ring.current().bytes.begin(), ring.current().bytes.end()), key_a);
  EXPECT_EQ(d.note.find(key_a), std::string::npos) << "the note never holds key material";
}

TEST(PoolKeyring, RotationStagesThenPromotesKeepingTwoKeys) {
  auto created = written(controllers::plan_keyring(nullptr, t0, daily, key_a));
  // Before the period: nothing, and the wait is what is left of it.
  auto early = controllers::plan_keyring(&created, t0 + hours(23), daily, key_b);
  EXPECT_EQ(early.what, step::keep);
  EXPECT_EQ(early.next, std::optional<seconds>(hours(1)));

  // Due: k2 is staged; k1 still seals.
  auto staged = controllers::plan_keyring(&created, t0 + hours(24), daily, key_b);
  ASSERT_EQ(staged.what, step::stage);
  EXPECT_EQ(staged.next, std::optional<seconds>(minutes(5)));
  EXPECT_EQ(staged.note, "staged k2 (current stays k1)");
  auto s2 = written(staged);
  EXPECT_EQ(ring_of(s2).current().id, 1U);
  EXPECT_NE(ring_of(s2).find(2), nullptr);

  // Within the staging delay: wait for the rest of it.
  auto waiting = controllers::plan_keyring(&s2, t0 + hours(24) + minutes(2), daily, key_c);
  EXPECT_EQ(waiting.what, step::keep);
  EXPECT_EQ(waiting.next, std::optional<seconds>(minutes(3)));

  // After it: k2 seals, k1 stays to open the sessions it sealed.
  auto promoted = controllers::plan_keyring(&s2, t0 + hours(24) + minutes(5), daily, key_c);
  ASSERT_EQ(promoted.what, step::promote);
  EXPECT_EQ(promoted.next, std::optional<seconds>(hours(24)));
  auto s3 = written(promoted);
  EXPECT_EQ(ring_of(s3).current().id, 2U);
  EXPECT_EQ(ring_of(s3).size(), 2U);
  EXPECT_FALSE(s3.at("metadata").at("annotations").as_object().contains("mcp.v2dy.io/keyring-staged-at"));

  // The next rotation drops k1: never more than the current key and the one before it.
  auto t1 = t0 + hours(48) + minutes(5);
  auto s4 = written(controllers::plan_keyring(&s3, t1, daily, key_d));
  auto s5 = written(controllers::plan_keyring(&s4, t1 + minutes(5), daily, key_a));
  auto ring = ring_of(s5);
  EXPECT_EQ(ring.current().id, 3U);
  EXPECT_EQ(ring.size(), 2U);
  EXPECT_NE(ring.find(2), nullptr);
  EXPECT_EQ(ring.find(1), nullptr);
}

TEST(PoolKeyring, ZeroPeriodNeverRotates) {
  const controllers::keyring_policy never{seconds(0), minutes(5)};
  auto d = controllers::plan_keyring(nullptr, t0, never, key_a);
  EXPECT_FALSE(d.next.has_value());
  auto s = written(d);
  auto later = controllers::plan_keyring(&s, t0 + hours(24 * 365), never, key_b);
  EXPECT_EQ(later.what, step::keep);
  EXPECT_FALSE(later.next.has_value());
}

TEST(PoolKeyring, InvalidRingIsReplacedWithAnIdAboveEveryIdItHeld) {
  auto s = written(controllers::plan_keyring(nullptr, t0, daily, key_a));
  s["data"].as_object()["k7"] = "c2hvcnQ=";  // "short": not 32 bytes
  auto d = controllers::plan_keyring(&s, t0 + minutes(1), daily, key_b);
  ASSERT_EQ(d.what, step::replace);
  EXPECT_NE(d.note.find("current k8"), std::string::npos) << d.note;
  auto patch = controllers::keyring_patch(s, meta(), d);
  EXPECT_TRUE(patch.at("data").at("k1").is_null()) << "entries the ring no longer holds are removed";
  EXPECT_TRUE(patch.at("data").at("k7").is_null());
  EXPECT_EQ(patch.at("metadata").at("resourceVersion").as_string(), "7") << "a concurrent change fails the patch";
  s["data"].as_object().erase("k7");
  s["data"].as_object().erase("k1");
  for (const auto& [k, v] : patch.at("data").as_object()) {
    if (!v.is_null())
      s["data"].as_object()[k] = v;
  }
  EXPECT_EQ(ring_of(s).current().id, 8U);
}

TEST(PoolKeyring, StagedKeyWithoutItsTimeWaitsAFullDelay) {
  auto s = written(controllers::plan_keyring(nullptr, t0, daily, key_a));
  s["data"].as_object()["k2"] = written(controllers::plan_keyring(nullptr, t0, daily, key_b)).at("data").at("k1");
  auto d = controllers::plan_keyring(&s, t0 + hours(30), daily, key_c);
  EXPECT_EQ(d.what, step::stage);
  EXPECT_EQ(d.next, std::optional<seconds>(minutes(5)));
  EXPECT_EQ(d.data.at("current"), "k1") << "not promoted before every replica may have it";
}

TEST(PoolKeyring, TimesRoundTripAndGarbageIsRefused) {
  EXPECT_EQ(controllers::rfc3339(t0), "2026-12-02T10:00:00Z");
  EXPECT_FALSE(controllers::parse_rfc3339("yesterday").has_value());
  EXPECT_FALSE(controllers::parse_rfc3339("2026-12-02T10:00:00Zjunk").has_value());
}

}  // namespace
