// The controller toolkit (kube::controller + owned_set + status_writer) against the real
// apiserver, through a second, small controller (greeting_controller.hpp): owned objects are
// created, a field removed from the primary's spec is removed from the owned object, an owned
// object the spec no longer asks for is pruned, a hand edit is reverted, and a restarted
// controller with nothing to change makes no write at all.
#include <prometheus/registry.h>

#include <boost/asio/this_coro.hpp>

#include <set>

#include "async/task_group.hpp"
#include "greeting_controller.hpp"
#include "harness.hpp"

namespace kube {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::harness;
using testing::json;
using testing::scoped_namespace;

api_resource crds() {
  return {"apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false};
}

void install_greeting_crd(harness& h) {
  api a(h.http, crds());
  auto crd = json(R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
    "metadata":{"name":"greetings.toolkit.test.mcp.v2dy.io"},
    "spec":{"group":"toolkit.test.mcp.v2dy.io","scope":"Namespaced",
      "names":{"plural":"greetings","singular":"greeting","kind":"Greeting","listKind":"GreetingList"},
      "versions":[{"name":"v1","served":true,"storage":true,"subresources":{"status":{}},
        "schema":{"openAPIV3Schema":{"type":"object","properties":{
          "spec":{"type":"object","required":["message"],"properties":{
            "message":{"type":"string"},"expose":{"type":"boolean"},
            "extra":{"type":"object","additionalProperties":{"type":"string"}}}},
          "status":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}}}]}})");
  auto r = h.run(a.apply("greetings.toolkit.test.mcp.v2dy.io", crd, "toolkit-test", true));
  ASSERT_TRUE(r) << r.error().describe();
  for (int i = 0; i < 100; ++i) {
    auto got = h.run(a.get("greetings.toolkit.test.mcp.v2dy.io"));
    const boost::json::value* conds = nullptr;
    if (got && got->contains("status") && got->at("status").is_object())
      conds = got->at("status").as_object().if_contains("conditions");
    if (conds != nullptr && conds->is_array()) {
      for (const auto& c : conds->get_array()) {
        if (c.at("type") == "Established" && c.at("status") == "True")
          return;
      }
    }
    h.pump(100ms);
  }
  FAIL() << "the Greeting CRD was not established";
}

// Runs one controller instance until stop().
struct running {
  running(harness& h, const std::string& ns) : ctl(h.http, ns, &registry), tasks(h.io.get_executor()) {
    tasks.spawn("caches", ctl.ctrl().run_caches());
    tasks.spawn("workers", ctl.ctrl().run_workers());
  }
  void stop(harness& h) {
    ctl.ctrl().shut_down();
    tasks.cancel();
    h.run([this]() -> asio::awaitable<int> {
      co_await tasks.wait();
      co_return 0;
    }());
  }
  prometheus::Registry registry;
  greeting::controller ctl;
  async::task_group tasks;
};

template <class F>
bool eventually(harness& h, F ok, std::chrono::milliseconds limit = 5000ms) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ok())
      return true;
    h.pump(100ms);
  }
  return ok();
}

TEST(KubeToolkit, SecondControllerSeesRemovalsPrunesRevertsAndMakesNoWriteOnRestart) {
  harness h;
  install_greeting_crd(h);
  scoped_namespace ns(h, "kube-toolkit");
  api greetings(h.http, greeting::greetings(), ns.name);
  api cms(h.http, resources::config_maps(), ns.name);
  api svcs(h.http, resources::services(), ns.name);
  auto g = json(R"({"apiVersion":"toolkit.test.mcp.v2dy.io/v1","kind":"Greeting","metadata":{"name":"hello"},
                    "spec":{"message":"hi","expose":true,"extra":{"a":"1","b":"2"}}})");
  ASSERT_TRUE(h.run(greetings.create(g)));
  auto cm = [&] { return h.run(cms.get("hello")); };
  auto data_has = [&](const char* k) {
    auto c = cm();
    return c && c->contains("data") && c->at("data").as_object().contains(k);
  };

  auto first = std::make_unique<running>(h, ns.name);
  ASSERT_TRUE(eventually(
      h, [&] { return data_has("a") && data_has("b") && h.run(svcs.get("hello")); }, 20s))
      << "owned ConfigMap and Service not created";
  ASSERT_TRUE(eventually(h, [&] {
    auto got = h.run(greetings.get("hello"));
    return got && got->contains("status") && got->at("status").at("configMap") == "hello";
  })) << "status not written";

  // A key removed from the spec disappears from the ConfigMap; nothing else changes.
  auto drop_b = json(R"({"spec":{"extra":{"b":null}}})");
  ASSERT_TRUE(h.run(greetings.patch("hello", patch_type::merge, drop_b)));
  EXPECT_TRUE(eventually(h, [&] { return !data_has("b") && data_has("a"); })) << "removed key still in the ConfigMap";

  // An owned object the spec no longer asks for is deleted.
  auto no_expose = json(R"({"spec":{"expose":false}})");
  ASSERT_TRUE(h.run(greetings.patch("hello", patch_type::merge, no_expose)));
  EXPECT_TRUE(eventually(h, [&] { return !h.run(svcs.get("hello")); })) << "Service not pruned";

  // A hand edit of an owned field is put back.
  auto edit = json(R"({"data":{"message":"tampered"}})");
  ASSERT_TRUE(h.run(cms.patch("hello", patch_type::merge, edit)));
  EXPECT_TRUE(eventually(h, [&] {
    auto c = cm();
    return c && c->at("data").at("message") == "hi";
  })) << "hand edit not reverted";
  h.pump(1000ms);
  first->stop(h);

  // A new instance (a restarted operator) with nothing to change writes nothing.
  auto versions = [&] {
    return std::string(resource_version_of(*h.run(greetings.get("hello")))) + "/" +
           std::string(resource_version_of(*cm()));
  };
  const std::string before = versions();
  auto second = std::make_unique<running>(h, ns.name);
  ASSERT_TRUE(eventually(
      h, [&] { return second->ctl.ctrl().synced(); }, 20s));
  h.pump(3000ms);
  EXPECT_EQ(second->ctl.writes(), 0) << "a restart with nothing changed wrote";
  EXPECT_EQ(versions(), before);

  // The RBAC it needs follows from what it declared, and nothing more.
  std::set<std::string> perms;
  for (const auto& p : second->ctl.ctrl().permissions())
    perms.insert(p.group + "/" + p.resource + ":" + p.verb);
  const std::set<std::string> expected = {"toolkit.test.mcp.v2dy.io/greetings:list",
                                          "toolkit.test.mcp.v2dy.io/greetings:watch",
                                          "toolkit.test.mcp.v2dy.io/greetings/status:patch",
                                          "/configmaps:list",
                                          "/configmaps:watch",
                                          "/configmaps:get",
                                          "/configmaps:create",
                                          "/configmaps:patch",
                                          "/configmaps:delete",
                                          "/services:list",
                                          "/services:watch",
                                          "/services:get",
                                          "/services:create",
                                          "/services:patch",
                                          "/services:delete"};
  EXPECT_EQ(perms, expected);
  second->stop(h);
}

}  // namespace
}  // namespace kube
