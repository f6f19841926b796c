// The watcher against a failing apiserver: the cluster's apiserver is stopped while a second
// apiserver on the same etcd takes writes, then restarted; the cache must converge to the
// apiserver's exact state (deletions included) soon after it is back. With an etcd compaction
// during the outage, the resume gets 410 and the watcher relists.
#include <boost/json/parse.hpp>

#include <cstdio>
#include <future>
#include <map>

#include "async/task_group.hpp"
#include "harness.hpp"
#include "kube/runtime/reflector.hpp"

namespace kube {
namespace {

using testing::harness;
using testing::json;
using testing::scoped_namespace;
namespace asio = boost::asio;
using namespace std::chrono_literals;

std::string script(const std::string& cmd) {
  const char* src = std::getenv("MCP_SOURCE_DIR");
  std::string line = std::string(src ? src : ".") + "/test/integration/kube/apiserver.sh " + cmd;
  std::string out;
  FILE* p = ::popen(line.c_str(), "r");
  if (!p) {
    throw std::runtime_error("cannot run " + line);
  }
  char buf[256];
  while (std::fgets(buf, sizeof buf, p)) {
    out += buf;
  }
  if (::pclose(p) != 0) {
    throw std::runtime_error(line + " failed");
  }
  while (!out.empty() && out.back() == '\n') {
    out.pop_back();
  }
  return out;
}

using version_map = std::map<std::string, std::string>;

version_map versions_of(const store& s) {
  version_map m;
  for (const auto& o : s.list()) {
    m[std::string(name_of(*o))] = std::string(resource_version_of(*o));
  }
  return m;
}

version_map versions_on(harness& h, api& a) {
  auto all = h.run(a.list_all());
  if (!all) {
    throw std::runtime_error(all.error().describe());
  }
  version_map m;
  for (const auto& o : all->items) {
    m[std::string(name_of(o))] = std::string(resource_version_of(o));
  }
  return m;
}

object config_map(const std::string& name, const std::string& v) {
  return json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name + R"("},"data":{"v":")" + v +
              "\"}}");
}

// Keeps the cluster usable whatever the test does: the first apiserver runs again and the
// second one is gone when this goes out of scope.
struct outage {
  outage() { second_port = script("start-second"); }
  void stop_first() {
    script("stop-first");
    first_down = true;
  }
  void start_first() {
    script("start-first");
    first_down = false;
  }
  ~outage() {
    try {
      if (first_down) {
        script("start-first");
      }
      script("stop-second");
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
    }
  }
  std::string second_port;
  bool first_down = false;
};

void run_outage(bool compact) {
  harness h;
  scoped_namespace ns(h, compact ? "kube-compact" : "kube-restart");
  api cms(h.http, resources::config_maps(), ns.name);
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(h.run(cms.create(config_map("cm-" + std::to_string(i), "0"))));
  }
  store cache;
  std::map<std::string, int> deleted;
  reflector_stats stats;
  async::task_group tasks(h.io.get_executor());
  tasks.spawn("reflector", reflect(
                               cms, watcher_config{}, cache,
                               [&](const store_change& c) {
                                 if (c.type == change_type::deleted) {
                                   ++deleted[std::string(name_of(*c.obj))];
                                 }
                               },
                               &stats));
  for (int i = 0; i < 100 && versions_of(cache) != versions_on(h, cms); ++i) {
    h.pump(100ms);
  }
  ASSERT_EQ(versions_of(cache), versions_on(h, cms));
  const auto lists_before = stats.lists;

  outage o;
  config second_cfg = h.http->cfg();
  second_cfg.port = o.second_port;
  auto second = client::create(h.io.get_executor(), second_cfg).value();
  api cms2(second, resources::config_maps(), ns.name);

  o.stop_first();
  const auto down_at = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(h.run(cms2.create(config_map("new-" + std::to_string(i), "0"))));
    auto patch = boost::json::parse(R"({"data":{"v":"changed"}})");
    ASSERT_TRUE(h.run(cms2.patch("cm-" + std::to_string(i), patch_type::merge, patch)));
    ASSERT_TRUE(h.run(cms2.remove("cm-" + std::to_string(20 + i))));
  }
  h.pump(3000ms);  // the watcher keeps failing against the stopped apiserver
  if (compact) {
    script("compact");
  }

  // Restart in the background while the watcher keeps retrying against the refused port.
  auto starting = std::async(std::launch::async, [&o] { o.start_first(); });
  while (starting.wait_for(0ms) != std::future_status::ready) {
    h.pump(50ms);
  }
  starting.get();
  const auto back_at = std::chrono::steady_clock::now();
  const auto truth = versions_on(h, cms);
  bool same = false;
  while (!same && std::chrono::steady_clock::now() - back_at < 60s) {
    h.pump(50ms);
    same = versions_of(cache) == truth;
  }
  const double converge_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - back_at).count();
  const double down_s = std::chrono::duration<double>(back_at - down_at).count();
  // No busy loop: the waits double from 0.8 s and stay >= 4 s (capped) while unreachable.
  EXPECT_LE(stats.failures, 4 + static_cast<std::uint64_t>(down_s / 2)) << "retries while down: " << stats.failures;
  std::printf("outage %.1f s, converged %.2f s after the apiserver was back, %llu failed attempts, %llu lists\n",
              down_s, converge_s, static_cast<unsigned long long>(stats.failures),
              static_cast<unsigned long long>(stats.lists));
  ASSERT_TRUE(same) << "cache never converged";
  // Bounded by the pending wait, at most 4 s while the server was unreachable.
  EXPECT_LE(converge_s, 5.0);
  EXPECT_EQ(cache.get({ns.name, "cm-0"})->at("data").at("v").as_string(), "changed");
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(deleted.contains("cm-" + std::to_string(20 + i))) << "deletion during the gap not reported";
  }
  if (compact) {
    EXPECT_GT(stats.lists, lists_before) << "a compaction past our version must force a relist";
  }
  tasks.cancel();
  h.run([&]() -> asio::awaitable<int> {
    co_await tasks.wait();
    co_return 0;
  }());
}

TEST(KubeRestart, WatcherSurvivesApiserverRestartAndConverges) {
  run_outage(false);
}

TEST(KubeRestart, CompactionDuringOutageForcesRelistThatReportsDeletions) {
  run_outage(true);
}

}  // namespace
}  // namespace kube
