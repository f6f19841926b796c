// The watch side against the real apiserver: a reflector's cache converges to the
// apiserver's state, and a controller reconciles primaries and the objects they own.
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <boost/asio/this_coro.hpp>
#include <boost/json/serialize.hpp>

#include <map>
#include <set>

#include "async/task_group.hpp"
#include "harness.hpp"
#include "kube/runtime/controller.hpp"
#include "kube/runtime/event_recorder.hpp"
#include "kube/runtime/reflector.hpp"

namespace kube {
namespace {

using testing::harness;
using testing::json;
using testing::scoped_namespace;
namespace asio = boost::asio;
using namespace std::chrono_literals;

object config_map(const std::string& name, const std::string& value, const std::string& labels = "{}") {
  return json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name + R"(","labels":)" + labels +
              R"(},"data":{"v":")" + value + "\"}}");
}

using version_map = std::map<std::string, std::string>;

version_map versions_of(const store& s) {
  version_map m;
  for (const auto& o : s.list()) {
    m[std::string(name_of(*o))] = std::string(resource_version_of(*o));
  }
  return m;
}

version_map versions_on_server(harness& h, api& a) {
  auto all = h.run(a.list_all({}));
  if (!all) {
    throw std::runtime_error(all.error().describe());
  }
  version_map m;
  for (const auto& o : all->items) {
    m[std::string(name_of(o))] = std::string(resource_version_of(o));
  }
  return m;
}

// Pumps the io_context until the cache equals the server, or `limit` passes.
bool converges(harness& h, api& a, const store& s, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    h.pump(100ms);
    if (s.ready() && versions_of(s) == versions_on_server(h, a)) {
      return true;
    }
  }
  return false;
}

TEST(KubeWatch, ReflectorCacheConvergesToTheApiserverIncludingDeletions) {
  harness h;
  scoped_namespace ns(h, "kube-reflector");
  api cms(h.http, resources::config_maps(), ns.name);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(h.run(cms.create(config_map("cm-" + std::to_string(i), "0"))));
  }
  store cache;
  std::map<std::string, int> deletes;
  async::task_group tasks(h.io.get_executor());
  watcher_config cfg;
  cfg.page_size = 7;  // several pages
  tasks.spawn("reflector", reflect(cms, cfg, cache, [&](const store_change& c) {
                if (c.type == change_type::deleted) {
                  ++deletes[std::string(name_of(*c.obj))];
                }
              }));
  ASSERT_TRUE(converges(h, cms, cache, 10s));
  EXPECT_EQ(cache.size(), 21u);  // 20 + kube-root-ca.crt

  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(h.run(cms.create(config_map("new-" + std::to_string(i), "0"))));
    ASSERT_TRUE(
        h.run(cms.patch("cm-" + std::to_string(i), patch_type::merge, boost::json::parse(R"({"data":{"v":"1"}})"))));
    ASSERT_TRUE(h.run(cms.remove("cm-" + std::to_string(10 + i))));
  }
  ASSERT_TRUE(converges(h, cms, cache, 10s));
  EXPECT_EQ(cache.get({ns.name, "cm-0"})->at("data").at("v").as_string(), "1");
  EXPECT_EQ(deletes.size(), 5u);
  EXPECT_TRUE(deletes.contains("cm-10"));
  tasks.cancel();
  h.run([&]() -> asio::awaitable<int> {
    co_await tasks.wait();
    co_return 0;
  }());
  EXPECT_EQ(tasks.running(), 0u);
}

TEST(KubeWatch, ControllerReconcilesPrimariesAndRecreatesOwnedObjects) {
  harness h;
  scoped_namespace ns(h, "kube-controller");
  prometheus::Registry registry;
  std::set<std::string> in_flight;
  int overlaps = 0;
  std::map<std::string, int> reconciles;

  auto reconcile = [&](object_ptr cm, reconcile_context& ctx) -> asio::awaitable<reconcile_result> {
    const auto key = ctx.key.str();
    if (!in_flight.insert(key).second) {
      ++overlaps;
    }
    ++reconciles[key];
    EXPECT_EQ(ctx.reconcile_id.size(), 36u);
    if (!cm) {
      in_flight.erase(key);
      co_return action::await_change();  // deleted: owned Secrets are garbage-collected
    }
    api secrets(ctx.http, resources::secrets(), ctx.key.ns);
    auto owned = json(R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":")" + ctx.key.name +
                      R"(-copy","ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":")" + ctx.key.name +
                      R"(","uid":")" + std::string(uid_of(*cm)) + R"(","controller":true}]},"stringData":{"v":")" +
                      std::string(cm->at("data").at("v").as_string()) + "\"}}");
    const std::string name = ctx.key.name + "-copy";
    const std::string manager = "kube-integration-test";
    auto r = co_await secrets.apply(name, owned, manager, true);
    in_flight.erase(key);
    if (!r) {
      co_return reconcile_error::retry(r.error().describe());
    }
    co_return action::requeue(std::chrono::minutes(10));
  };

  controller_options opts;
  opts.name = "configmap-copier";
  opts.namespaces = {ns.name};
  opts.label_selector = "app=copier";
  opts.concurrency = 4;
  controller ctl(h.http, resources::config_maps(), opts, reconcile, {}, &registry);
  ctl.owns(resources::secrets());

  api cms(h.http, resources::config_maps(), ns.name);
  api secrets(h.http, resources::secrets(), ns.name);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(
        h.run(cms.create(config_map("p-" + std::to_string(i), "v" + std::to_string(i), R"({"app":"copier"})"))));
  }
  async::task_group tasks(h.io.get_executor());
  tasks.spawn("caches", ctl.run_caches());
  tasks.spawn("workers", ctl.run_workers());

  auto secret_count = [&] {
    list_params p;
    auto l = h.run(secrets.list(p));
    int n = 0;
    for (const auto& s : l->items) {
      n += name_of(s).ends_with("-copy") ? 1 : 0;
    }
    return n;
  };
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (secret_count() < 10 && std::chrono::steady_clock::now() < deadline) {
    h.pump(200ms);
  }
  ASSERT_EQ(secret_count(), 10);
  EXPECT_TRUE(ctl.synced());

  // Deleting an owned object wakes its owner's reconcile, which recreates it.
  ASSERT_TRUE(h.run(secrets.remove("p-3-copy")));
  bool back = false;
  for (int i = 0; i < 100 && !back; ++i) {
    h.pump(100ms);
    back = static_cast<bool>(h.run(secrets.get("p-3-copy")));
  }
  EXPECT_TRUE(back) << "owned Secret not recreated";
  EXPECT_GE(reconciles[ns.name + "/p-3"], 2);
  EXPECT_EQ(overlaps, 0) << "a key was reconciled twice at once";

  auto text = prometheus::TextSerializer().Serialize(registry.Collect());
  EXPECT_NE(text.find(R"(controller_runtime_reconcile_total{controller="configmap-copier",result="requeue_after"})"),
            std::string::npos);
  EXPECT_NE(text.find("controller_runtime_reconcile_time_seconds_bucket"), std::string::npos);
  EXPECT_NE(text.find(R"(workqueue_adds_total{controller="configmap-copier")"), std::string::npos);

  // Graceful stop: no new work, workers drain and end; then the caches stop.
  ctl.shut_down();
  tasks.cancel();
  h.run([&]() -> asio::awaitable<int> {
    co_await tasks.wait();
    co_return 0;
  }());
  EXPECT_EQ(tasks.running(), 0u);
}

}  // namespace
}  // namespace kube

namespace kube {
namespace {

TEST(KubeEvents, RepeatedEventIsAggregatedIntoOneSeries) {
  testing::harness h;
  testing::scoped_namespace ns(h, "kube-events");
  api cms(h.http, resources::config_maps(), ns.name);
  auto cm = h.run(cms.create(testing::json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"subject"}})")));
  ASSERT_TRUE(cm);
  event_recorder rec(h.http, "kube-test/recorder", "test-instance");
  event_spec e{object_reference::to(*cm), "Warning", "ProbeFailed", "Probe", "readiness probe failed"};
  for (int i = 0; i < 3; ++i) {
    auto r = h.run(rec.record(e));
    ASSERT_TRUE(r) << r.error().describe();
  }
  api events(h.http, resources::events(), ns.name);
  auto list = h.run(events.list());
  ASSERT_TRUE(list);
  int matching = 0;
  for (const auto& ev : list->items) {
    if (ev.at("reason").as_string() != "ProbeFailed") {
      continue;
    }
    ++matching;
    EXPECT_EQ(ev.at("regarding").at("name").as_string(), "subject");
    EXPECT_EQ(ev.at("series").at("count").as_int64(), 3);
    EXPECT_EQ(ev.at("reportingController").as_string(), "kube-test/recorder");
  }
  EXPECT_EQ(matching, 1) << "repeats must not create more Event objects";
}

}  // namespace
}  // namespace kube
