// The operator's MCP verification (the Verified condition) against a real server: mcp-bridge
// in front of the unmodified server-everything, reached over loopback exactly as the
// operator's direct transport reaches a Service. And against nothing: Unreachable, no hang.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>

#include <csignal>
#include <cstdlib>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <thread>

#include "controllers/mcpserver_controller.hpp"
#include "loopback.hpp"

extern char** environ;

namespace {

namespace asio = boost::asio;

using mcp_test::accepts;
using mcp_test::free_port;

controllers::verification probe(unsigned short port) {
  asio::io_context io;
  controllers::probe_transport to_loopback = [port](api::mcpserver s, controllers::probe_request req,
                                                    std::chrono::steady_clock::time_point deadline) {
    return controllers::http_exchange("127.0.0.1", std::to_string(port), s.spec.path, std::move(req), deadline);
  };
  api::mcpserver server;
  server.name = "everything";
  server.namespace_ = "default";
  auto fut = asio::co_spawn(io, controllers::run_probe(to_loopback, server, "test", std::chrono::seconds(10)), asio::use_future);
  io.run();
  return fut.get();
}

struct Bridge {
  pid_t pid = -1;
  unsigned short port = free_port();

  Bridge() {
    const char* bridge = std::getenv("MCP_BRIDGE_BIN");
    const char* peers = std::getenv("MCP_PEERS_DIR");
    if (bridge == nullptr || peers == nullptr) return;
    std::string server = std::string(peers) + "/node_modules/.bin/mcp-server-everything";
    std::string port_arg = std::to_string(port);
    std::vector<std::string> args{bridge, "--port", port_arg, "--warm-pool", "1", "--", server, "stdio"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid, bridge, nullptr, nullptr, argv.data(), environ) != 0) pid = -1;
  }
  ~Bridge() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      int status = 0;
      waitpid(pid, &status, 0);
    }
  }
};

TEST(OperatorVerification, VerifiesServerEverythingBehindTheBridge) {
  Bridge bridge;
  ASSERT_GT(bridge.pid, 0) << "MCP_BRIDGE_BIN and MCP_PEERS_DIR must be set (run through test/mcp/run.sh)";
  for (int i = 0; i < 200 && !accepts(bridge.port); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto v = probe(bridge.port);
  ASSERT_TRUE(v.ok) << v.reason << ": " << v.message;
  EXPECT_EQ(v.reason, "Verified");
  EXPECT_FALSE(v.server_name.empty());
  EXPECT_FALSE(v.protocol_version.empty());
  EXPECT_NE(std::find(v.tools.begin(), v.tools.end(), "echo"), v.tools.end());
  EXPECT_GE(v.tools.size(), 5U);
}

TEST(OperatorVerification, NothingListeningIsUnreachableNotAHang) {
  auto started = std::chrono::steady_clock::now();
  auto v = probe(free_port());
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.reason, "Unreachable");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

}  // namespace
