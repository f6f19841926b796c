#include "pool_view.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <map>
#include <string>
#include <vector>

namespace {

namespace json = boost::json;

json::object obj(std::string_view text) {
  return json::parse(text).as_object();
}

json::object pool(std::string_view spec) {
  return obj(R"({"apiVersion":"mcp.v2dy.io/v1","kind":"MCPPool",
    "metadata":{"name":"tools","namespace":"team","uid":"u1","generation":4},"spec":)" +
             std::string(spec) + "}");
}

json::object server(std::string_view name, std::string_view labels = "{}", std::string_view path = "/mcp") {
  return obj(R"({"apiVersion":"mcp.v2dy.io/v1","kind":"MCPServer","metadata":{"name":")" + std::string(name) +
             R"(","namespace":"team","labels":)" + std::string(labels) + R"(},"spec":{"image":"x","path":")" +
             std::string(path) + R"("}})");
}

// An EndpointSlice of Service `service`: each address with its ready condition.
json::object slice(std::string_view name, std::string_view service, int port,
                   std::vector<std::pair<std::string, std::optional<bool>>> addrs) {
  json::array endpoints;
  for (auto& [a, ready] : addrs) {
    json::object e{{"addresses", json::array{json::string(a)}}};
    if (ready) {
      e["conditions"] = json::object{{"ready", *ready}};
    }
    endpoints.push_back(std::move(e));
  }
  return json::object{
      {"metadata", json::object{{"name", name}, {"labels", json::object{{"kubernetes.io/service-name", service}}}}},
      {"ports", json::array{json::object{{"name", "mcp"}, {"port", port}, {"protocol", "TCP"}}}},
      {"endpoints", std::move(endpoints)}};
}

struct world {
  json::object p;
  std::vector<json::object> servers, slices;
  std::map<std::string, std::string> tokens;

  boost::system::result<gw::pool_view, std::string> resolve() const {
    gw::pool_inputs in;
    in.pool = &p;
    for (const auto& s : servers)
      in.servers.push_back(&s);
    for (const auto& s : slices)
      in.endpoint_slices.push_back(&s);
    bridge::http_upstream_config base;
    base.max_message = 12345;
    return gw::resolve_pool(
        in,
        [this](const std::string& m, std::string& why) -> std::optional<std::string> {
          auto it = tokens.find(m);
          if (it == tokens.end()) {
            why = "no such file";
            return std::nullopt;
          }
          return it->second;
        },
        base);
  }
};

std::vector<std::string> ids(const gw::member_config& m) {
  std::vector<std::string> out;
  for (const auto& e : m.endpoints)
    out.push_back(e.id);
  return out;
}

TEST(PoolView, AServerMemberIsReachedAtEveryPodOfItsServiceAtItsPathNewSessionsOnlyAtReadyOnes) {
  world w;
  w.p = pool(R"({"members":[{"name":"everything"}]})");
  w.servers = {server("everything", "{}", "/rpc")};
  w.slices = {slice("everything-abc", "everything", 3001, {{"10.244.0.7", true}, {"10.244.0.8", false}}),
              slice("everything-def", "everything", 3001, {{"10.244.0.9", std::nullopt}, {"10.244.0.7", true}}),
              slice("other-xyz", "other", 3001, {{"10.244.0.10", true}})};
  auto v = w.resolve();
  ASSERT_TRUE(v) << v.error();
  ASSERT_EQ(v->members.size(), 1u);
  const auto& m = v->members[0];
  EXPECT_EQ(m.spec.name, "everything");
  EXPECT_EQ(m.server, "everything");
  // Every address once (one in two slices), another Service's left out.
  EXPECT_EQ(ids(m), (std::vector<std::string>{"10.244.0.7:3001", "10.244.0.8:3001", "10.244.0.9:3001"}));
  // Not ready: kept for the sessions bound to it, not for new ones; an absent condition is ready.
  EXPECT_TRUE(m.endpoints[0].ready);
  EXPECT_FALSE(m.endpoints[1].ready);
  EXPECT_TRUE(m.endpoints[2].ready);
  EXPECT_EQ(m.endpoints[0].http.target, "/rpc");
  EXPECT_EQ(m.endpoints[0].http.max_message, 12345u);  // the gateway's limits on every member
  EXPECT_TRUE(m.note.empty());
  EXPECT_EQ(v->generation, 4);
}

TEST(PoolView, AMemberWithoutServerOrReadyPodSaysWhy) {
  world w;
  w.p = pool(R"({"members":[{"name":"gone"},{"name":"mem","server":"memory"}]})");
  w.servers = {server("memory")};
  w.slices = {slice("memory-abc", "memory", 3001, {{"10.244.0.8", false}})};
  auto v = w.resolve();
  ASSERT_TRUE(v) << v.error();
  ASSERT_EQ(v->members.size(), 2u);
  EXPECT_TRUE(v->members[0].endpoints.empty());
  EXPECT_EQ(v->members[0].note, "MCPServer gone not found");
  ASSERT_EQ(v->members[1].endpoints.size(), 1u);  // known, not ready: only for sessions bound to it
  EXPECT_FALSE(v->members[1].endpoints[0].ready);
  EXPECT_EQ(v->members[1].note, "MCPServer memory has no ready pod");
  EXPECT_EQ(v->members[1].spec.tool_prefix, "mem_");
}

TEST(PoolView, ARemoteMemberCarriesItsTokenToItsURLOnly) {
  world w;
  w.p = pool(R"({"members":[{"name":"docs","url":"http://10.0.0.5:8000/mcp",
      "bearerTokenSecretRef":{"name":"docs-token","key":"token"}},{"name":"open","url":"http://10.0.0.6:8000/mcp"}]})");
  w.tokens["docs"] = "s3cret";
  auto v = w.resolve();
  ASSERT_TRUE(v) << v.error();
  ASSERT_EQ(v->members.size(), 2u);
  ASSERT_EQ(ids(v->members[0]), std::vector<std::string>{"10.0.0.5:8000"});
  EXPECT_EQ(v->members[0].url, "http://10.0.0.5:8000/mcp");
  const auto& headers = v->members[0].endpoints[0].http.extra_headers;
  ASSERT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers[0].first, "Authorization");
  EXPECT_EQ(headers[0].second, "Bearer s3cret");
  EXPECT_TRUE(v->members[1].endpoints[0].http.extra_headers.empty());
}

TEST(PoolView, ARemoteMemberWhoseTokenCannotBeReadOrWhoseURLCannotBeReachedHasNoEndpoint) {
  world w;
  w.p = pool(R"({"members":[{"name":"docs","url":"http://10.0.0.5:8000/mcp",
      "bearerTokenSecretRef":{"name":"docs-token","key":"token"}},{"name":"tls","url":"https://mcp.example.com/mcp"}]})");
  auto v = w.resolve();
  ASSERT_TRUE(v) << v.error();
  EXPECT_TRUE(v->members[0].endpoints.empty());
  EXPECT_EQ(v->members[0].note, "the bearer token of member docs cannot be read: no such file");
  EXPECT_TRUE(v->members[1].endpoints.empty());
  EXPECT_NE(v->members[1].note.find("http://"), std::string::npos) << v->members[1].note;
}

TEST(PoolView, SelectedServersFollowTheListedOnesInNameOrder) {
  world w;
  w.p = pool(R"({"selector":{"matchLabels":{"pool":"tools"}},"members":[{"name":"zeta"}],
      "conflictResolution":"priority"})");
  w.servers = {server("zeta"), server("beta", R"({"pool":"tools"})"), server("alpha", R"({"pool":"tools"})"),
               server("other", R"({"pool":"else"})")};
  auto v = w.resolve();
  ASSERT_TRUE(v) << v.error();
  ASSERT_EQ(v->members.size(), 3u);
  EXPECT_EQ(v->members[0].spec.name, "zeta");
  EXPECT_EQ(v->members[1].spec.name, "alpha");
  EXPECT_EQ(v->members[2].spec.name, "beta");
  EXPECT_EQ(v->resolution, gateway::conflict_resolution::priority);
}

TEST(PoolView, AMissingOrInvalidPoolIsAnError) {
  gw::pool_inputs in;
  auto v = gw::resolve_pool(in, {}, {});
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error(), "the MCPPool does not exist");
  world w;
  w.p = pool(R"({"members":[{"name":"a","url":"http://10.0.0.5/mcp","server":"a"}]})");
  auto bad = w.resolve();
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("not valid"), std::string::npos) << bad.error();
}

TEST(PoolView, PodsComingAndGoingKeepTheShapeAndASettingChangesIt) {
  world w;
  w.p = pool(R"({"members":[{"name":"everything"}]})");
  w.servers = {server("everything")};
  w.slices = {slice("everything-abc", "everything", 3001, {{"10.244.0.7", true}})};
  auto a = w.resolve();
  w.slices = {slice("everything-abc", "everything", 3001, {{"10.244.0.7", true}, {"10.244.0.8", true}})};
  auto b = w.resolve();
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(gw::same_shape(*a, *b));
  w.p = pool(R"({"members":[{"name":"everything","exclude":["echo"]}]})");
  auto c = w.resolve();
  ASSERT_TRUE(c);
  EXPECT_FALSE(gw::same_shape(*b, *c));
  w.p = pool(R"({"members":[{"name":"everything","toolPrefix":"e-"}]})");
  auto d = w.resolve();
  ASSERT_TRUE(d);
  EXPECT_FALSE(gw::same_shape(*b, *d));
}

}  // namespace
