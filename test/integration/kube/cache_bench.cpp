// Measures the cache: `kube_cache_bench fill <ns> <n>` creates n ConfigMaps (256 bytes of data
// each); `kube_cache_bench cache <ns> <n>` lists+watches them into a store and prints the list
// throughput, the watch throughput while 2,000 of them are patched, and the process's
// resident memory (VmRSS/VmHWM from /proc/self/status). Figures go to stdout, logs to stderr.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>

#include "async/task_group.hpp"
#include "kube/runtime/reflector.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

long status_kb(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      return std::stol(line.substr(field.size() + 1));
    }
  }
  return -1;
}

asio::awaitable<void> write_all(kube::api a, int n, bool patch, std::shared_ptr<int> failures) {
  auto next = std::make_shared<int>(0);
  async::task_group group(co_await asio::this_coro::executor);
  for (int w = 0; w < 16; ++w) {
    group.spawn("writer",
                [](kube::api api, int total, bool p, std::shared_ptr<int> nx,
                   std::shared_ptr<int> fails) -> asio::awaitable<void> {
                  const std::string payload(256, 'x');
                  // A fresh value per run: a patch that changes nothing produces no watch event.
                  const auto stamp = std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
                  while (*nx < total) {
                    const int i = (*nx)++;
                    const std::string name = "bench-" + std::to_string(i);
                    kube::result<kube::object> r = kube::make_error(kube::error_kind::unknown_status, "");
                    if (p) {
                      const auto body = boost::json::parse(R"({"data":{"v":")" + stamp + "\"}}");
                      r = co_await api.patch(name, kube::patch_type::merge, body);
                    } else {
                      const auto obj =
                          boost::json::parse(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name +
                                             R"("},"data":{"payload":")" + payload + "\"}}")
                              .as_object();
                      r = co_await api.create(obj);
                    }
                    if (!r && !r.error().is(kube::error_kind::already_exists)) {
                      ++*fails;
                    }
                  }
                }(a, n, patch, next, failures));
  }
  co_await group.wait();
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_default_logger(spdlog::stderr_color_mt("kube-cache-bench"));
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s fill|cache <namespace> <count>\n", argv[0]);
    return 2;
  }
  const std::string mode = argv[1];
  const std::string ns = argv[2];
  const int n = std::stoi(argv[3]);
  asio::io_context io;
  auto cfg = kube::default_config();
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().describe().c_str());
    return 1;
  }
  cfg->qps = 0;  // measuring the server and the client, not the client-side limiter
  auto http = kube::client::create(io.get_executor(), *cfg).value();
  kube::api cms(http, kube::resources::config_maps(), ns);
  auto failures = std::make_shared<int>(0);

  if (mode == "fill") {
    kube::api nss(http, kube::resources::namespaces());
    const auto nso =
        boost::json::parse(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":")" + ns + "\"}}").as_object();
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          (void)co_await nss.create(nso);
          co_await write_all(cms, n, false, failures);
        },
        asio::detached);
    const auto t0 = std::chrono::steady_clock::now();
    io.run_for(600s);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("created=%d seconds=%.2f creates_per_second=%.0f failures=%d\n", n, s, n / s, *failures);
    return *failures == 0 ? 0 : 1;
  }

  kube::store cache;
  kube::reflector_stats stats;
  async::task_group tasks(io.get_executor());
  const long rss_before = status_kb("VmRSS");
  const auto t0 = std::chrono::steady_clock::now();
  tasks.spawn("reflector", kube::reflect(cms, kube::watcher_config{}, cache, nullptr, &stats));
  while (!cache.ready() && std::chrono::steady_clock::now() - t0 < 300s) {
    io.run_for(10ms);
  }
  const double list_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const long rss_cached = status_kb("VmRSS");

  // Watch throughput: patch 2,000 objects and wait until the cache has seen every change.
  const int patched = std::min(n, 2000);
  const auto events_before = stats.events;
  const auto t1 = std::chrono::steady_clock::now();
  asio::co_spawn(io, write_all(cms, patched, true, failures), asio::detached);
  while (stats.events < events_before + static_cast<std::uint64_t>(patched) &&
         std::chrono::steady_clock::now() - t1 < 300s) {
    io.run_for(10ms);
  }
  const double watch_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  std::printf(
      "objects=%zu list_seconds=%.2f list_objects_per_second=%.0f watch_events=%llu watch_seconds=%.2f "
      "watch_events_per_second=%.0f rss_before_kb=%ld rss_cached_kb=%ld rss_end_kb=%ld hwm_kb=%ld failures=%d\n",
      cache.size(), list_s, static_cast<double>(cache.size()) / list_s,
      static_cast<unsigned long long>(stats.events - events_before), watch_s, patched / watch_s, rss_before, rss_cached,
      status_kb("VmRSS"), status_kb("VmHWM"), *failures);
  return cache.size() >= static_cast<std::size_t>(n) && *failures == 0 ? 0 : 1;
}
