#include "ops/health.hpp"

#include <gtest/gtest.h>

namespace {

TEST(HealthChecks, AllPassingAnswersOk) {
  ops::health_checks checks;
  checks.add("ping", [] { return ops::check_result::pass(); });
  auto r = checks.run("readyz", false);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.body, "ok");
}

TEST(HealthChecks, NoChecksMeansHealthy) {
  ops::health_checks checks;
  EXPECT_TRUE(checks.run("healthz", false).ok);
}

TEST(HealthChecks, FailingCheckIsNamedWithItsReason) {
  ops::health_checks checks;
  checks.add("ping", [] { return ops::check_result::pass(); });
  checks.add("informer-sync", [] { return ops::check_result::fail("2 of 3 caches not synced"); });
  auto r = checks.run("readyz", false);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.body.find("[+]ping ok\n"), std::string::npos);
  EXPECT_NE(r.body.find("[-]informer-sync failed: 2 of 3 caches not synced\n"), std::string::npos);
  EXPECT_NE(r.body.find("readyz check failed"), std::string::npos);
}

TEST(HealthChecks, VerboseListsPassingChecks) {
  ops::health_checks checks;
  checks.add("ping", [] { return ops::check_result::pass(); });
  auto r = checks.run("healthz", true);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.body, "[+]ping ok\nhealthz check passed\n");
}

}  // namespace
