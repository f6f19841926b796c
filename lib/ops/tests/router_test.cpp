#include "ops/router.hpp"

#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

namespace {

struct RouterTest : ::testing::Test {
  ops::health_checks live;
  ops::health_checks ready;
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  bool synced = false;

  RouterTest() {
    ready.add("cache-sync",
              [this] { return synced ? ops::check_result::pass() : ops::check_result::fail("caches not synced"); });
  }
};

TEST_F(RouterTest, HealthzIsOkWhileAlive) {
  ops::router r(&live, &ready, registry);
  auto rep = r.handle("GET", "/healthz");
  EXPECT_EQ(rep.status, 200U);
  EXPECT_EQ(rep.body, "ok");
}

TEST_F(RouterTest, ReadyzFailsUntilReadyThenPasses) {
  ops::router r(&live, &ready, registry);
  auto before = r.handle("GET", "/readyz");
  EXPECT_EQ(before.status, 500U);
  EXPECT_NE(before.body.find("caches not synced"), std::string::npos);
  synced = true;
  EXPECT_EQ(r.handle("GET", "/readyz").status, 200U);
  EXPECT_NE(r.handle("GET", "/readyz?verbose").body.find("[+]cache-sync ok"), std::string::npos);
}

TEST_F(RouterTest, MetricsServesPrometheusText) {
  auto& family = prometheus::BuildCounter().Name("workqueue_adds_total").Help("Adds").Register(*registry);
  family.Add({{"name", "mcpserver"}}).Increment(3);
  ops::router r(&live, &ready, registry);
  auto rep = r.handle("GET", "/metrics");
  EXPECT_EQ(rep.status, 200U);
  EXPECT_EQ(rep.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(rep.body.find("# TYPE workqueue_adds_total counter"), std::string::npos);
  EXPECT_NE(rep.body.find("workqueue_adds_total{name=\"mcpserver\"} 3"), std::string::npos);
}

TEST_F(RouterTest, UnknownPathsAndMethodsAreRefused) {
  ops::router r(&live, nullptr, nullptr);
  EXPECT_EQ(r.handle("GET", "/nope").status, 404U);
  EXPECT_EQ(r.handle("GET", "/readyz").status, 404U);   // not configured
  EXPECT_EQ(r.handle("GET", "/metrics").status, 404U);  // not configured
  EXPECT_EQ(r.handle("POST", "/healthz").status, 405U);
  EXPECT_EQ(r.handle("GET", "not a target").status, 400U);
}

}  // namespace
