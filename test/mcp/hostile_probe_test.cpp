// The operator's MCP verification against hostile servers (test/mcp/fixtures/hostile_server.mjs,
// one real Node process per answer), run the way the operator runs it: run_probe over the
// direct transport's http_exchange, the default whole-probe deadline, every probe through one
// probe_limiter with the default slots. Meanwhile another tenant's server (server-everything
// behind the real bridge) must still be Verified, and this process's peak RSS may grow by no
// more than the stated bound over its baseline.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <spawn.h>
#include <sys/wait.h>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "controllers/mcpserver_controller.hpp"
#include "loopback.hpp"

extern char** environ;

namespace {

namespace asio = boost::asio;

// The bound this test asserts on the growth of peak RSS while all probes run (three rounds of
// six hostile answers plus the good server). With the limits, a probe holds at most one
// 1 MiB body and its parse; without them, the first answer alone (huge-sse) needs gigabytes.
constexpr long rss_growth_bound_kib = 16 * 1024;

using mcp_test::accepts;
using mcp_test::free_port;

long status_kib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(field))
      return std::stol(line.substr(std::string_view(field).size()));
  }
  return -1;
}

struct process {
  pid_t pid = -1;
  unsigned short port = free_port();
  // "@PORT@" in `args` becomes `port`.
  explicit process(std::vector<std::string> args) {
    std::vector<char*> argv;
    for (auto& a : args) {
      if (a == "@PORT@")
        a = std::to_string(port);
      argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    if (posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0)
      pid = -1;
  }
  process(const process&) = delete;
  process& operator=(const process&) = delete;
  ~process() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      int status = 0;
      waitpid(pid, &status, 0);
    }
  }
  bool wait_listening() const {
    for (int i = 0; i < 400 && pid > 0; ++i) {
      if (accepts(port))
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
};

struct expectation {
  std::string reason, message_start;
};

const std::map<std::string, expectation> expected = {
    {"huge-sse", {"InitializeFailed", "initialize response larger than 1048576 bytes"}},
    {"sse-events", {"InitializeFailed", "initialize sent more than 256 SSE events in one response"}},
    {"oversize", {"InitializeFailed", "initialize response larger than 1048576 bytes"}},
    {"many-tools", {"Verified", "initialize and tools/list succeeded: 25000 tools"}},
    {"slow-drip", {"Timeout", "the MCP endpoint did not complete initialize and tools/list within 10s"}},
    {"garbage", {"InitializeFailed", "initialize no JSON-RPC response with id 1 in the body"}},
};

TEST(OperatorVerification, HostileAnswersFailBoundedWhileAnotherTenantVerifies) {
  const char* bridge_bin = std::getenv("MCP_BRIDGE_BIN");
  const char* peers = std::getenv("MCP_PEERS_DIR");
  ASSERT_TRUE(bridge_bin != nullptr && peers != nullptr) << "run through test/mcp/run.sh";

  std::map<std::string, std::unique_ptr<process>> servers;
  for (const auto& [mode, _] : expected) {
    servers[mode] =
        std::make_unique<process>(std::vector<std::string>{"node", "fixtures/hostile_server.mjs", mode, "@PORT@"});
  }
  const std::string everything = std::string(peers) + "/node_modules/.bin/mcp-server-everything";
  process good({bridge_bin, "--port", "@PORT@", "--warm-pool", "1", "--", everything, "stdio"});
  for (auto& [mode, p] : servers)
    ASSERT_TRUE(p->wait_listening()) << mode;
  ASSERT_TRUE(good.wait_listening());

  const controllers::controller_settings defaults;
  asio::io_context io(1);
  auto slots = std::make_shared<controllers::probe_limiter>();
  std::map<std::string, std::vector<controllers::verification>> results;
  std::size_t most_in_use = 0;
  auto probe = [&](std::string name, unsigned short port) -> asio::awaitable<void> {
    controllers::probe_transport to_loopback = [port](api::mcpserver s, controllers::probe_request req,
                                                      std::chrono::steady_clock::time_point deadline) {
      return controllers::http_exchange("127.0.0.1", std::to_string(port), s.spec.path, std::move(req), deadline);
    };
    api::mcpserver server;
    server.name = name;
    server.namespace_ = name == "everything" ? "tenant-b" : "tenant-a";
    auto slot = co_await slots->acquire();
    most_in_use = std::max(most_in_use, slots->in_use());
    results[name].push_back(co_await controllers::run_probe(to_loopback, server, "test", defaults.verify_timeout));
  };

  // Baseline after the servers are up and one good probe warmed the allocator and the code.
  asio::co_spawn(io, probe("warmup", good.port), asio::detached);
  io.run();
  io.restart();
  ASSERT_TRUE(results["warmup"].at(0).ok) << results["warmup"].at(0).message;
  { std::ofstream("/proc/self/clear_refs") << "5"; }  // resets VmHWM to the current RSS
  const long baseline = status_kib("VmHWM:");
  ASSERT_GT(baseline, 0);

  const auto started = std::chrono::steady_clock::now();
  for (int round = 0; round < 3; ++round) {
    for (const auto& [mode, p] : servers)
      asio::co_spawn(io, probe(mode, p->port), asio::detached);
    asio::co_spawn(io, probe("everything", good.port), asio::detached);
  }
  io.run();
  const auto took = std::chrono::steady_clock::now() - started;
  const long peak = status_kib("VmHWM:");

  for (const auto& [mode, want] : expected) {
    ASSERT_EQ(results[mode].size(), 3U) << mode;
    for (const auto& v : results[mode]) {
      EXPECT_EQ(v.reason, want.reason) << mode << ": " << v.message;
      EXPECT_TRUE(v.message.starts_with(want.message_start)) << mode << ": " << v.message;
    }
  }
  const auto& tools = results["many-tools"].at(0);
  EXPECT_EQ(tools.tools.size(), controllers::max_status_tools);
  EXPECT_EQ(tools.tool_count, 25000);
  for (const auto& t : tools.tools)
    EXPECT_LE(t.size(), controllers::max_tool_name);
  ASSERT_EQ(results["everything"].size(), 3U);
  for (const auto& v : results["everything"])
    EXPECT_TRUE(v.ok) << v.reason << ": " << v.message;
  EXPECT_EQ(most_in_use, controllers::default_concurrent_probes);
  // Three rounds, each slow-drip probe holding a slot for the whole deadline: the limiter
  // makes the rest wait, never longer than a few deadlines.
  EXPECT_LT(took, 6 * defaults.verify_timeout);

  const long growth = peak - baseline;
  std::printf("probe memory: baseline VmHWM %ld KiB, peak %ld KiB, growth %ld KiB (bound %ld KiB); %lld ms\n", baseline,
              peak, growth, rss_growth_bound_kib,
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
  EXPECT_LT(growth, rss_growth_bound_kib);
}

}  // namespace
