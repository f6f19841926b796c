// REST verbs against the real apiserver: CRUD, paging, selectors, server-side apply, the
// status and scale subresources of a custom resource, and Forbidden for a restricted
// ServiceAccount.
#include <boost/asio/this_coro.hpp>
#include <boost/json/serialize.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdio>
#include <fstream>
#include <memory>
#include <set>

#include "async/task_group.hpp"
#include "harness.hpp"

namespace kube {
namespace {

using testing::harness;
using testing::json;
using testing::scoped_namespace;
namespace asio = boost::asio;

object config_map(const std::string& name, const std::string& labels = "{}", const std::string& data = "{}") {
  return json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name + R"(","labels":)" + labels +
              R"(},"data":)" + data + "}");
}

TEST(KubeRest, CreateGetReplacePatchDeleteRoundTrip) {
  harness h;
  scoped_namespace ns(h, "kube-crud");
  api cms(h.http, resources::config_maps(), ns.name);

  auto created = h.run(cms.create(config_map("cfg", "{}", R"({"a":"1"})")));
  ASSERT_TRUE(created) << created.error().describe();
  EXPECT_FALSE(uid_of(*created).empty());

  auto again = h.run(cms.create(config_map("cfg")));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, error_kind::already_exists);

  auto got = h.run(cms.get("cfg"));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->at("data").at("a").as_string(), "1");

  auto changed = *got;
  changed["data"].as_object()["a"] = "2";
  auto replaced = h.run(cms.replace("cfg", changed));
  ASSERT_TRUE(replaced) << replaced.error().describe();
  EXPECT_EQ(replaced->at("data").at("a").as_string(), "2");

  // Replacing with the stale resourceVersion is a Conflict.
  auto stale = h.run(cms.replace("cfg", changed));
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().kind, error_kind::conflict);

  auto merged = h.run(cms.patch("cfg", patch_type::merge, boost::json::parse(R"({"data":{"b":"3"}})")));
  ASSERT_TRUE(merged) << merged.error().describe();
  EXPECT_EQ(merged->at("data").at("b").as_string(), "3");

  auto jp = h.run(cms.patch("cfg", patch_type::json, boost::json::parse(R"([{"op":"remove","path":"/data/a"}])")));
  ASSERT_TRUE(jp) << jp.error().describe();
  EXPECT_FALSE(jp->at("data").as_object().contains("a"));

  auto bad_pre = h.run(cms.remove("cfg", {.propagation_policy = "Background",
                                          .grace_period_seconds = std::nullopt,
                                          .precondition_uid = "not-the-uid",
                                          .precondition_resource_version = "",
                                          .dry_run = false}));
  ASSERT_FALSE(bad_pre);
  EXPECT_EQ(bad_pre.error().kind, error_kind::conflict);

  auto removed = h.run(cms.remove("cfg", {.propagation_policy = "Background",
                                          .grace_period_seconds = std::nullopt,
                                          .precondition_uid = std::string(uid_of(*created)),
                                          .precondition_resource_version = "",
                                          .dry_run = false}));
  ASSERT_TRUE(removed) << removed.error().describe();
  auto gone = h.run(cms.get("cfg"));
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().kind, error_kind::not_found);
  ASSERT_TRUE(gone.error().status);
  EXPECT_EQ(gone.error().status->reason, "NotFound");
}

// Creates `n` ConfigMaps with `parallel` requests in flight (sharing the keep-alive pool);
// returns how many failed.
asio::awaitable<int> create_many(api cms, int n, int parallel) {
  auto next = std::make_shared<int>(0);
  auto failures = std::make_shared<int>(0);
  async::task_group group(co_await asio::this_coro::executor);
  for (int w = 0; w < parallel; ++w) {
    group.spawn(
        "create", [](api a, int total, std::shared_ptr<int> nx, std::shared_ptr<int> fails) -> asio::awaitable<void> {
          while (*nx < total) {
            int i = (*nx)++;
            // Named, not temporary: GCC 12 may destroy temporaries in a co_await expression twice.
            const auto cm =
                config_map("cm-" + std::to_string(i), R"({"bench":"paging","mod3":")" + std::to_string(i % 3) + "\"}");
            auto r = co_await a.create(cm);
            if (!r) {
              ++*fails;
            }
          }
        }(cms, n, next, failures));
  }
  co_await group.wait();
  co_return *failures;
}

TEST(KubeRest, PagedListOfTwelveHundredConfigMapsReturnsAllAndSelectorsFilter) {
  harness h;
  scoped_namespace ns(h, "kube-paging");
  api cms(h.http, resources::config_maps(), ns.name);
  ASSERT_EQ(h.run(create_many(cms, 1200, 8)), 0);
  EXPECT_LE(h.http->connections_opened(), 12u) << "requests must reuse keep-alive connections";

  list_params p;
  p.label_selector = "bench=paging";
  p.limit = 500;
  auto first = h.run(cms.list(p));
  ASSERT_TRUE(first) << first.error().describe();
  EXPECT_EQ(first->items.size(), 500u);
  EXPECT_FALSE(first->continue_token.empty());
  EXPECT_EQ(first->items.front().at("kind").as_string(), "ConfigMap");

  auto all = h.run(cms.list_all(p));
  ASSERT_TRUE(all) << all.error().describe();
  std::set<std::string> names;
  for (const auto& o : all->items) {
    names.insert(std::string(name_of(o)));
  }
  EXPECT_EQ(names.size(), 1200u);

  p.label_selector = "bench=paging,mod3 in (0,2)";
  auto some = h.run(cms.list_all(p));
  ASSERT_TRUE(some);
  EXPECT_EQ(some->items.size(), 800u);

  list_params f;
  f.field_selector = "metadata.name=cm-7";
  auto one = h.run(cms.list(f));
  ASSERT_TRUE(one);
  ASSERT_EQ(one->items.size(), 1u);
  EXPECT_EQ(name_of(one->items[0]), "cm-7");

  list_params bad;
  bad.label_selector = "a in (";
  auto invalid = h.run(cms.list(bad));
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().kind, error_kind::bad_request);
}

TEST(KubeRest, ServerSideApplyConflictNamesTheOtherManagerAndForceTakesOwnership) {
  harness h;
  scoped_namespace ns(h, "kube-ssa");
  api cms(h.http, resources::config_maps(), ns.name);
  auto first = h.run(cms.apply("shared", config_map("shared", "{}", R"({"k":"from-a"})"), "manager-a"));
  ASSERT_TRUE(first) << first.error().describe();

  auto conflict = h.run(cms.apply("shared", config_map("shared", "{}", R"({"k":"from-b"})"), "manager-b"));
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().kind, error_kind::conflict);
  ASSERT_TRUE(conflict.error().status);
  ASSERT_FALSE(conflict.error().status->causes.empty());
  EXPECT_NE(conflict.error().status->causes[0].message.find("manager-a"), std::string::npos)
      << conflict.error().describe();
  EXPECT_EQ(conflict.error().status->causes[0].field, ".data.k");

  auto forced = h.run(cms.apply("shared", config_map("shared", "{}", R"({"k":"from-b"})"), "manager-b", true));
  ASSERT_TRUE(forced) << forced.error().describe();
  EXPECT_EQ(forced->at("data").at("k").as_string(), "from-b");
  // manager-a lost the field: its next apply without force now conflicts in turn.
  auto back = h.run(cms.apply("shared", config_map("shared", "{}", R"({"k":"from-a"})"), "manager-a"));
  ASSERT_FALSE(back);
  EXPECT_EQ(back.error().kind, error_kind::conflict);
}

constexpr const char* widget_crd = R"({
  "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
  "metadata": {"name": "widgets.kube-test.mcp.io"},
  "spec": {
    "group": "kube-test.mcp.io", "scope": "Namespaced",
    "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
    "versions": [{
      "name": "v1", "served": true, "storage": true,
      "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas",
                                               "statusReplicasPath": ".status.replicas"}},
      "schema": {"openAPIV3Schema": {"type": "object", "properties": {
        "spec": {"type": "object", "properties": {"replicas": {"type": "integer"}, "size": {"type": "string"}}},
        "status": {"type": "object", "properties": {"replicas": {"type": "integer"}, "phase": {"type": "string"}}}
      }}}
    }]
  }})";

api_resource widgets() {
  return {"kube-test.mcp.io", "v1", "widgets", "Widget", true};
}

asio::awaitable<result<object>> install_widget_crd(std::shared_ptr<client> http) {
  api crds(http, {"apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false});
  const auto crd = json(widget_crd);
  const std::string manager = "kube-integration-test";
  auto r = co_await crds.apply("widgets.kube-test.mcp.io", crd, manager, true);
  if (!r) {
    co_return r;
  }
  // Served once Established; poll a bounded number of times.
  api w(http, widgets(), "default");
  asio::steady_timer t(co_await asio::this_coro::executor);
  for (int i = 0; i < 100; ++i) {
    auto l = co_await w.list();
    if (l) {
      co_return r;
    }
    t.expires_after(std::chrono::milliseconds(100));
    co_await t.async_wait(asio::use_awaitable);
  }
  co_return make_error(error_kind::timeout, "CRD not served after 10 s");
}

TEST(KubeRest, StatusAndScaleSubresourcesOfACustomResource) {
  harness h;
  auto crd = h.run(install_widget_crd(h.http));
  ASSERT_TRUE(crd) << crd.error().describe();
  scoped_namespace ns(h, "kube-subres");
  api w(h.http, widgets(), ns.name);
  auto created = h.run(w.create(json(
      R"({"apiVersion":"kube-test.mcp.io/v1","kind":"Widget","metadata":{"name":"w1"},"spec":{"replicas":1},
          "status":{"phase":"ignored"}})")));
  ASSERT_TRUE(created) << created.error().describe();
  EXPECT_FALSE(created->contains("status")) << "status is dropped on create when it is a subresource";

  auto st = h.run(
      w.patch_status("w1", patch_type::merge, boost::json::parse(R"({"status":{"phase":"Ready","replicas":1}})")));
  ASSERT_TRUE(st) << st.error().describe();
  EXPECT_EQ(st->at("status").at("phase").as_string(), "Ready");

  // A spec change through the status endpoint is ignored.
  auto ignored = h.run(w.patch_status("w1", patch_type::merge, boost::json::parse(R"({"spec":{"size":"big"}})")));
  ASSERT_TRUE(ignored);
  EXPECT_FALSE(ignored->at("spec").as_object().contains("size"));

  auto applied =
      h.run(w.apply_status("w1", json(R"({"apiVersion":"kube-test.mcp.io/v1","kind":"Widget","metadata":{"name":"w1"},
                     "status":{"phase":"Applied"}})"),
                           "status-writer", true));
  ASSERT_TRUE(applied) << applied.error().describe();
  auto got_status = h.run(w.get_status("w1"));
  ASSERT_TRUE(got_status);
  EXPECT_EQ(got_status->at("status").at("phase").as_string(), "Applied");

  auto scale = h.run(w.get_scale("w1"));
  ASSERT_TRUE(scale) << scale.error().describe();
  EXPECT_EQ(scale->at("kind").as_string(), "Scale");
  EXPECT_EQ(scale->at("spec").at("replicas").as_int64(), 1);
  auto scaled = h.run(w.set_replicas("w1", 4));
  ASSERT_TRUE(scaled) << scaled.error().describe();
  auto after = h.run(w.get("w1"));
  ASSERT_TRUE(after);
  EXPECT_EQ(after->at("spec").at("replicas").as_int64(), 4);
}

TEST(KubeRest, RestrictedServiceAccountGetsClassifiedForbidden) {
  harness h;
  scoped_namespace ns(h, "kube-forbidden");
  api sas(h.http, resources::service_accounts(), ns.name);
  ASSERT_TRUE(h.run(sas.create(json(R"({"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"robot"}})"))));
  // TokenRequest: a short-lived token bound to the ServiceAccount, as a pod would get.
  http_request token_req = sas.requests().create(
      R"({"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"expirationSeconds":600}})");
  token_req.target = sas.requests().object_path("robot", "token");
  auto token = h.run(h.http->send(token_req));
  ASSERT_TRUE(token) << token.error().describe();
  auto tok = boost::json::parse(*token).at("status").at("token").as_string();

  config restricted = h.http->cfg();
  restricted.client_cert_pem.clear();
  restricted.client_key_pem.clear();
  restricted.token = std::string(tok);
  auto robot = client::create(h.io.get_executor(), restricted).value();
  api secrets(robot, resources::secrets(), ns.name);
  auto r = h.run(secrets.list({}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::forbidden);
  EXPECT_EQ(r.error().http_status, 403);
  EXPECT_NE(r.error().describe().find("system:serviceaccount:" + ns.name + ":robot"), std::string::npos)
      << r.error().describe();

  config anonymous = restricted;
  anonymous.token = "not-a-token";
  auto nobody = client::create(h.io.get_executor(), anonymous).value();
  auto u = h.run(api(nobody, resources::secrets(), ns.name).list({}));
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().kind, error_kind::unauthorized);
}

std::string service_account_token(harness& h, api& sas, const std::string& name) {
  auto created =
      h.run(sas.create(json(R"({"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":")" + name + "\"}}")));
  if (!created) {
    throw std::runtime_error(created.error().describe());
  }
  http_request req = sas.requests().create(
      R"({"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"expirationSeconds":600}})");
  req.target = sas.requests().object_path(name, "token");
  auto token = h.run(h.http->send(req));
  if (!token) {
    throw std::runtime_error(token.error().describe());
  }
  return std::string(boost::json::parse(*token).at("status").at("token").as_string());
}

TEST(KubeRest, TokenFileIsReReadSoRotatedTokensTakeEffect) {
  harness h;
  scoped_namespace ns(h, "kube-token");
  api sas(h.http, resources::service_accounts(), ns.name);
  const auto first = service_account_token(h, sas, "first");
  const auto second = service_account_token(h, sas, "second");
  const std::string file = std::string(std::getenv("MCP_BINARY_DIR") ? std::getenv("MCP_BINARY_DIR") : "/tmp") +
                           "/kube-token-test-" + std::to_string(::getpid());
  std::ofstream(file) << first << "\n";
  config cfg = h.http->cfg();
  cfg.client_cert_pem.clear();
  cfg.client_key_pem.clear();
  cfg.token_file = file;
  client_options opts;
  opts.token_reload_interval = std::chrono::seconds(0);  // the default is 60 s
  auto robot = client::create(h.io.get_executor(), cfg, opts).value();
  api secrets(robot, resources::secrets(), ns.name);
  auto r1 = h.run(secrets.list());
  std::ofstream(file) << second << "\n";
  auto r2 = h.run(secrets.list());
  std::remove(file.c_str());
  ASSERT_FALSE(r1);
  ASSERT_FALSE(r2);
  EXPECT_NE(r1.error().describe().find(":first\""), std::string::npos) << r1.error().describe();
  EXPECT_NE(r2.error().describe().find(":second\""), std::string::npos) << r2.error().describe();
}

}  // namespace
}  // namespace kube
