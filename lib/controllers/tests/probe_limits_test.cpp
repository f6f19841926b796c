// The hostile-tenant limits: what a server's answers can make the operator hold (the probe's
// caps), what they can make it write (bounded status strings), and how many probes run at
// once (probe_limiter).
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "controllers/mcp_probe.hpp"
#include "controllers/mcpserver_status.hpp"
#include "controllers/probe_limiter.hpp"

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using controllers::mcp_probe;
using controllers::probe_limits;
using controllers::probe_response;

probe_response json_ok(std::string body) {
  return {200, "application/json", "", std::move(body)};
}

probe_response sse_ok(std::string body) {
  return {200, "text/event-stream", "", std::move(body)};
}

const std::string init_ok = R"({"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-06-18"}})";

// A probe that has passed initialize and notifications/initialized.
mcp_probe at_tools_list() {
  mcp_probe p("v", "t");
  p.on_response(json_ok(init_ok));
  p.on_response({202, "", "", ""});
  return p;
}

TEST(ProbeLimits, ABodyOverTheCapFailsNamingTheCap) {
  mcp_probe p("v", "t");
  probe_response r{200, "text/event-stream", "", ""};
  r.too_large = true;
  p.on_response(r);
  EXPECT_TRUE(p.done());
  EXPECT_EQ(p.result().reason, "InitializeFailed");
  EXPECT_EQ(p.result().message, "initialize response larger than 1048576 bytes");

  auto q = at_tools_list();
  q.on_response(r);
  EXPECT_EQ(q.result().reason, "ToolsListFailed");
  EXPECT_EQ(q.result().message, "tools/list response larger than 1048576 bytes");

  // A transport that read it all anyway gets the same answer.
  mcp_probe whole("v", "t");
  whole.on_response(json_ok(std::string(probe_limits::max_body + 1, ' ') + init_ok));
  EXPECT_EQ(whole.result().message, "initialize response larger than 1048576 bytes");
}

TEST(ProbeLimits, AHugeSseIdIsIgnoredAndTheAnswerAfterItStillCounts) {
  mcp_probe p("v", "t");
  std::string body = "id: " + std::string(512U << 10U, 'i') + "\n";
  for (int i = 0; i < 200; ++i)
    body += "data: {}\n\n";
  body += "data: " + init_ok + "\n\n";
  p.on_response(sse_ok(body));
  ASSERT_FALSE(p.done()) << p.result().message;
  EXPECT_EQ(p.result().protocol_version, "2025-06-18");
}

TEST(ProbeLimits, MoreSseEventsThanTheCapFailTheCheck) {
  mcp_probe p("v", "t");
  std::string body = "id: " + std::string(512U << 10U, 'i') + "\n";
  for (std::size_t i = 0; i < probe_limits::max_sse_events + 1; ++i)
    body += "data: x\n\n";
  body += "data: " + init_ok + "\n\n";
  p.on_response(sse_ok(body));
  EXPECT_TRUE(p.done());
  EXPECT_EQ(p.result().reason, "InitializeFailed");
  EXPECT_EQ(p.result().message, "initialize sent more than 256 SSE events in one response");
}

TEST(ProbeLimits, TenPagesOfLongToolNamesKeepTheFirstNamesCutAndCountAll) {
  auto p = at_tools_list();
  const std::string long_name(4000, 'n');
  for (int page = 0; page < probe_limits::max_tool_pages; ++page) {
    json::array tools;
    for (int i = 0; i < 200; ++i)
      tools.push_back(json::object{{"name", long_name}});
    json::object res{{"tools", std::move(tools)}, {"nextCursor", "more"}};
    p.on_response(json_ok(json::serialize(json::object{{"jsonrpc", "2.0"}, {"id", page + 2}, {"result", res}})));
  }
  ASSERT_TRUE(p.done());
  const auto& v = p.result();
  ASSERT_TRUE(v.ok) << v.message;
  EXPECT_EQ(v.tools.size(), probe_limits::max_tool_names);
  for (const auto& t : v.tools)
    EXPECT_LE(t.size(), controllers::max_tool_name);
  EXPECT_EQ(v.tool_count, 2000);
  EXPECT_EQ(v.message, "initialize and tools/list succeeded: 2000 tools");
}

TEST(ProbeLimits, ServerTextInTheResultAndMessagesIsBounded) {
  mcp_probe p("v", "t");
  const std::string big(100000, 'x');
  p.on_response(json_ok(json::serialize(
      json::object{{"jsonrpc", "2.0"},
                   {"id", 1},
                   {"result", json::object{{"protocolVersion", "2025-06-18"},
                                           {"serverInfo", json::object{{"name", big}, {"version", big}}}}}})));
  EXPECT_LE(p.result().server_name.size(), probe_limits::max_text);
  EXPECT_LE(p.result().server_version.size(), probe_limits::max_text);
  p.on_response({202, "", "", ""});
  p.on_response(json_ok(json::serialize(
      json::object{{"jsonrpc", "2.0"}, {"id", 2}, {"error", json::object{{"code", big}, {"message", big}}}})));
  EXPECT_EQ(p.result().reason, "ToolsListFailed");
  EXPECT_LT(p.result().message.size(), 2 * probe_limits::max_text);
  EXPECT_TRUE(p.result().message.starts_with("tools/list JSON-RPC error null: xxx"));
}

TEST(ProbeLimits, AnOverlongSessionIdOrCursorFailsTheCheck) {
  mcp_probe p("v", "t");
  p.on_response({200, "application/json", std::string(9000, 's'), init_ok});
  EXPECT_EQ(p.result().reason, "InvalidResponse");
  EXPECT_EQ(p.result().message, "initialize answered an Mcp-Session-Id longer than 8192 bytes");
  EXPECT_TRUE(p.done());
  // An MCPPool gateway's sealed id (a few KiB) is an id like any other.
  mcp_probe sealed("v", "t");
  sealed.on_response({200, "application/json", "g1." + std::string(5000, 'A'), init_ok});
  EXPECT_FALSE(sealed.done());

  auto q = at_tools_list();
  q.on_response(json_ok(json::serialize(
      json::object{{"jsonrpc", "2.0"},
                   {"id", 2},
                   {"result", json::object{{"tools", json::array{}}, {"nextCursor", std::string(300, 'c')}}}})));
  EXPECT_EQ(q.result().reason, "ToolsListFailed");
  EXPECT_EQ(q.result().message, "tools/list answered a nextCursor longer than 256 bytes");
}

TEST(ProbeLimits, TheDeadlineEndsTheProbeWithReasonTimeout) {
  auto p = at_tools_list();
  p.on_deadline("the MCP endpoint did not complete initialize and tools/list within 10s");
  EXPECT_TRUE(p.done());
  EXPECT_FALSE(p.result().ok);
  EXPECT_EQ(p.result().reason, "Timeout");
}

TEST(StatusBounds, BoundedCutsAtACharacterBoundaryAndMarksTheCut) {
  EXPECT_EQ(controllers::bounded("short", 16), "short");
  EXPECT_EQ(controllers::bounded("0123456789", 8), "01234...");
  // "é" is two bytes: a cut inside it backs up to before it.
  EXPECT_EQ(controllers::bounded("abcd\xC3\xA9zzzz", 8), "abcd...");
  EXPECT_EQ(controllers::bounded("abc\xC3\xA9zzzz", 8), "abc\xC3\xA9...");  // it fits whole
  EXPECT_LE(controllers::bounded(std::string(5000, 'x'), 1024).size(), 1024U);
}

TEST(StatusBounds, AHostileServersVerificationYieldsASmallStatus) {
  json::object o{{"metadata", json::object{{"name", "demo"}, {"namespace", "ns"}, {"uid", "u"}, {"generation", 1}}},
                 {"spec", json::object{{"image", "x"}}}};
  auto server = *api::parse_mcpserver(o);
  const std::string big(1U << 20U, 'z');
  controllers::verification v;
  v.ok = true;
  v.reason = "Verified";
  v.message = big;
  v.server_name = big;
  v.server_version = big;
  v.protocol_version = big;
  v.tools.assign(5000, std::string(4000, 't'));
  v.time = "2026-01-01T00:00:00Z";
  controllers::observed obs;
  obs.verified = v;
  auto st = controllers::compute_status(server, {}, obs, {}, "t");
  EXPECT_LT(json::serialize(st).size(), 16U << 10U);
  EXPECT_EQ(st.at("tools").as_array().size(), controllers::max_status_tools);
  EXPECT_EQ(st.at("toolCount"), 5000);
  for (const auto& t : st.at("tools").as_array())
    EXPECT_LE(t.as_string().size(), controllers::max_tool_name);
  EXPECT_LE(st.at("serverInfo").at("name").as_string().size(), controllers::max_server_info_field);
  for (const auto& c : st.at("conditions").as_array())
    EXPECT_LE(c.at("message").as_string().size(), controllers::max_condition_message);

  // A failing check's message (an error text) is bounded the same way.
  v.ok = false;
  v.reason = "InitializeFailed";
  obs.verified = v;
  st = controllers::compute_status(server, {}, obs, {}, "t");
  EXPECT_LT(json::serialize(st).size(), 8U << 10U);
}

TEST(ProbeLimiter, NoMoreThanTheSlotsRunAtOnceAndEveryWaiterGetsItsTurn) {
  asio::io_context io;
  controllers::probe_limiter limiter(2);
  int running = 0, most = 0, finished = 0;
  std::vector<int> order;
  for (int i = 0; i < 9; ++i) {
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          auto slot = co_await limiter.acquire();
          most = std::max(most, ++running);
          order.push_back(i);
          asio::steady_timer t(io, std::chrono::milliseconds(2));
          co_await t.async_wait(asio::use_awaitable);
          --running;
          ++finished;
        },
        asio::detached);
  }
  io.run();
  EXPECT_EQ(finished, 9);
  EXPECT_EQ(most, 2);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8})) << "in arrival order";
  EXPECT_EQ(limiter.in_use(), 0U);
  EXPECT_EQ(limiter.waiting(), 0U);
}

TEST(ProbeLimiter, ProbesDestroyedWhileHoldingOrWaitingGiveTheirSlotsBack) {
  controllers::probe_limiter limiter(1);
  {
    asio::io_context io;
    auto hold = [&]() -> asio::awaitable<void> {
      auto slot = co_await limiter.acquire();
      asio::steady_timer t(io, std::chrono::hours(1));
      co_await t.async_wait(asio::use_awaitable);
    };
    asio::co_spawn(io, hold(), asio::detached);
    asio::co_spawn(io, hold(), asio::detached);
    asio::co_spawn(io, hold(), asio::detached);
    io.run_for(std::chrono::milliseconds(20));
    EXPECT_EQ(limiter.in_use(), 1U);
    EXPECT_EQ(limiter.waiting(), 2U);
  }  // shutdown: the io_context destroys the three coroutines
  EXPECT_EQ(limiter.in_use(), 0U);
  asio::io_context io;
  bool got = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto slot = co_await limiter.acquire();
        got = true;
      },
      asio::detached);
  io.run();
  EXPECT_TRUE(got);
}

}  // namespace
