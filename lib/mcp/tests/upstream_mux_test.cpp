#include "mcp/upstream_mux.hpp"

#include "mcp/protocol.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <vector>

namespace {
namespace json = boost::json;
using kind = mcp::mux_action::kind;

mcp::message msg(std::string_view text) {
  auto m = mcp::classify(json::parse(text));
  EXPECT_TRUE(m) << text;
  return m ? std::move(*m) : mcp::message{};
}

std::vector<mcp::mux_action> drain(mcp::upstream_mux& x) {
  std::vector<mcp::mux_action> out;
  mcp::mux_action a;
  while (x.next(a)) {
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<mcp::mux_action> of(const std::vector<mcp::mux_action>& all, kind k) {
  std::vector<mcp::mux_action> out;
  for (const auto& a : all) {
    if (a.what == k) {
      out.push_back(a);
    }
  }
  return out;
}

// A mux whose upstream answered initialize with `revision`.
void make_ready(mcp::upstream_mux& x, std::string_view revision = "2025-11-25") {
  x.upstream_started();
  auto acts = drain(x);
  EXPECT_EQ(acts.size(), 1u);
  EXPECT_EQ(json::parse(acts.at(0).text).at("method"), "initialize");
  x.from_upstream(msg(std::string(R"({"jsonrpc":"2.0","id":"mcp-bridge-initialize","result":{"protocolVersion":")") +
                      std::string(revision) + R"(","capabilities":{"tools":{}},"serverInfo":{"name":"s"}}})"));
  acts = drain(x);
  ASSERT_EQ(acts.size(), 1u);
  EXPECT_EQ(json::parse(acts[0].text).at("method"), "notifications/initialized");
  EXPECT_TRUE(x.ready());
}

TEST(upstream_mux, two_sessions_with_the_same_id_and_token_get_their_own_answers_and_progress) {
  mcp::upstream_mux x({});
  x.attach(1);
  x.attach(2);
  make_ready(x);
  x.from_session(1, msg(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"_meta":{"progressToken":"p"}}})"));
  x.from_session(2, msg(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"_meta":{"progressToken":"p"}}})"));
  auto up = of(drain(x), kind::to_upstream);
  ASSERT_EQ(up.size(), 2u);
  const auto id1 = json::parse(up[0].text).at("id");
  const auto id2 = json::parse(up[1].text).at("id");
  EXPECT_NE(id1, id2);
  EXPECT_EQ(json::parse(up[1].text).at("params").at("_meta").at("progressToken"), id2);
  // Progress and answers, interleaved and out of order.
  x.from_upstream(msg(R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":)" +
                      json::serialize(id2) + R"(,"progress":1}})"));
  x.from_upstream(msg(R"({"jsonrpc":"2.0","id":)" + json::serialize(id2) + R"(,"result":{"who":2}})"));
  x.from_upstream(msg(R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":)" +
                      json::serialize(id1) + R"(,"progress":1}})"));
  x.from_upstream(msg(R"({"jsonrpc":"2.0","id":)" + json::serialize(id1) + R"(,"result":{"who":1}})"));
  auto to = of(drain(x), kind::to_session);
  ASSERT_EQ(to.size(), 4u);
  EXPECT_EQ(to[0].session, 2u);
  EXPECT_EQ(to[0].msg.body.at("params").at("progressToken"), "p");
  EXPECT_EQ(to[1].session, 2u);
  EXPECT_EQ(to[1].msg.id(), json::value(1));
  EXPECT_EQ(to[2].session, 1u);
  EXPECT_EQ(to[3].session, 1u);
  EXPECT_EQ(to[3].msg.body.at("result").at("who"), 1);
  EXPECT_EQ(x.in_flight(), 0u);
  // A duplicate answer, a wrong id and progress with a stale token go nowhere.
  x.from_upstream(msg(R"({"jsonrpc":"2.0","id":)" + json::serialize(id1) + R"(,"result":{}})"));
  x.from_upstream(msg(R"({"jsonrpc":"2.0","id":"nope","result":{}})"));
  x.from_upstream(msg(R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":)" +
                      json::serialize(id1) + R"(,"progress":2}})"));
  EXPECT_TRUE(drain(x).empty());
}

TEST(upstream_mux, initialize_is_answered_from_the_upstreams_result_at_the_revision_both_speak) {
  mcp::upstream_mux x({});
  x.attach(1);
  make_ready(x, "2025-06-18");
  x.from_session(1, msg(R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-03-26"}})"));
  x.from_session(1, msg(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}})"));
  x.from_session(1, msg(R"({"jsonrpc":"2.0","id":2,"method":"initialize","params":{"protocolVersion":"2026-07-28"}})"));
  x.from_session(1, msg(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"));
  auto acts = drain(x);
  EXPECT_TRUE(of(acts, kind::to_upstream).empty());  // the upstream is initialized once
  auto to = of(acts, kind::to_session);
  ASSERT_EQ(to.size(), 3u);
  EXPECT_EQ(to[0].msg.body.at("result").at("protocolVersion"), "2025-03-26");
  EXPECT_EQ(to[1].msg.body.at("result").at("protocolVersion"), "2025-06-18");  // newer than the upstream
  EXPECT_EQ(to[2].msg.body.at("result").at("protocolVersion"), "2025-06-18");  // stateless is never agreed
  EXPECT_EQ(to[0].msg.body.at("result").at("serverInfo").at("name"), "s");
}

TEST(upstream_mux, requests_wait_for_the_upstream_and_fail_if_it_cannot_start) {
  mcp::upstream_mux x({});
  x.attach(1);
  x.from_session(1, msg(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})"));
  x.from_session(1, msg(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})"));
  auto acts = drain(x);
  ASSERT_EQ(acts.size(), 1u);  // asked once, however many wait
  EXPECT_EQ(acts[0].what, kind::need_upstream);
  EXPECT_EQ(x.waiting(), 2u);
  x.upstream_failed("the MCP server could not be started");
  auto to = of(drain(x), kind::to_session);
  ASSERT_EQ(to.size(), 2u);
  EXPECT_EQ(to[0].msg.kind, mcp::message_kind::error_response);
  EXPECT_EQ(to[0].msg.body.at("error").at("message"), "the MCP server could not be started");
}

TEST(upstream_mux, waiting_requests_go_out_once_the_upstream_is_ready_and_a_cancelled_one_never) {
  mcp::upstream_mux x({.stateless = true});
  x.attach(1);
  x.attach(2);
  x.from_session(1, msg(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})"));
  x.from_session(2, msg(R"({"jsonrpc":"2.0","id":1,"method":"tools/call"})"));
  x.from_session(2, msg(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}})"));
  drain(x);
  EXPECT_EQ(x.waiting(), 1u);
  x.upstream_started();
  drain(x);
  x.from_upstream(msg(R"({"jsonrpc":"2.0","id":"mcp-bridge-initialize","result":{"protocolVersion":"2025-11-25"}})"));
  auto up = of(drain(x), kind::to_upstream);
  ASSERT_EQ(up.size(), 2u);  // initialized, then session 1's request; session 2's never
  EXPECT_EQ(json::parse(up[1].text).at("method"), "tools/list");
  EXPECT_EQ(x.waiting(), 0u);
  EXPECT_EQ(x.in_flight(), 1u);
}

TEST(upstream_mux, server_discover_is_answered_from_the_initialize_result) {
  mcp::upstream_mux x({.stateless = true});
  x.attach(1);
  make_ready(x);
  x.from_session(1, msg(R"({"jsonrpc":"2.0","id":"d","method":"server/discover","params":{}})"));
  auto to = of(drain(x), kind::to_session);
  ASSERT_EQ(to.size(), 1u);
  const auto& r = to[0].msg.body.at("result");
  EXPECT_EQ(r.at("serverInfo").at("name"), "s");
  EXPECT_EQ(r.at("resultType"), "complete");
  EXPECT_EQ(r.at("supportedVersions").as_array().size(), mcp::all_revisions.size());
}

TEST(upstream_mux, the_upstreams_requests_are_refused_except_ping) {
  mcp::upstream_mux x({});
  x.attach(1);
  make_ready(x);
  x.from_upstream(msg(R"({"jsonrpc":"2.0","id":9,"method":"ping"})"));
  x.from_upstream(msg(R"({"jsonrpc":"2.0","id":10,"method":"sampling/createMessage","params":{}})"));
  auto acts = drain(x);
  ASSERT_EQ(acts.size(), 2u);
  EXPECT_TRUE(json::parse(acts[0].text).as_object().contains("result"));
  EXPECT_EQ(json::parse(acts[1].text).at("error").at("code"), -32601);
}

TEST(upstream_mux, notifications_go_to_every_shared_session_and_to_no_stateless_one) {
  mcp::upstream_mux shared({});
  shared.attach(1);
  shared.attach(2);
  make_ready(shared);
  shared.from_upstream(msg(R"({"jsonrpc":"2.0","method":"notifications/tools/list_changed"})"));
  EXPECT_EQ(of(drain(shared), kind::to_session).size(), 2u);
  mcp::upstream_mux stateless({.stateless = true});
  stateless.attach(1);
  make_ready(stateless);
  stateless.from_upstream(msg(R"({"jsonrpc":"2.0","method":"notifications/tools/list_changed"})"));
  EXPECT_TRUE(drain(stateless).empty());
}

TEST(upstream_mux, a_session_that_ends_has_its_requests_cancelled_upstream) {
  mcp::upstream_mux x({});
  x.attach(1);
  make_ready(x);
  x.from_session(1, msg(R"({"jsonrpc":"2.0","id":"a","method":"tools/call"})"));
  const auto upstream_id = json::parse(drain(x).at(0).text).at("id");
  x.detach(1);
  auto acts = drain(x);
  ASSERT_EQ(acts.size(), 1u);
  const auto cancel = json::parse(acts[0].text);
  EXPECT_EQ(cancel.at("method"), "notifications/cancelled");
  EXPECT_EQ(cancel.at("params").at("requestId"), upstream_id);
  // Its late answer is dropped; messages from a detached session too.
  x.from_upstream(msg(R"({"jsonrpc":"2.0","id":)" + json::serialize(upstream_id) + R"(,"result":{}})"));
  x.from_session(1, msg(R"({"jsonrpc":"2.0","id":"b","method":"tools/call"})"));
  EXPECT_TRUE(drain(x).empty());
}

TEST(upstream_mux, a_cancel_from_a_session_is_remapped_and_only_for_its_own_requests) {
  mcp::upstream_mux x({});
  x.attach(1);
  x.attach(2);
  make_ready(x);
  x.from_session(1, msg(R"({"jsonrpc":"2.0","id":7,"method":"tools/call"})"));
  const auto upstream_id = json::parse(drain(x).at(0).text).at("id");
  x.from_session(2, msg(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}})"));
  EXPECT_TRUE(drain(x).empty());  // session 2 cannot cancel session 1's request
  x.from_session(1, msg(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}})"));
  auto acts = drain(x);
  ASSERT_EQ(acts.size(), 1u);
  EXPECT_EQ(json::parse(acts[0].text).at("params").at("requestId"), upstream_id);
  EXPECT_EQ(x.in_flight(), 0u);
}

TEST(upstream_mux, when_the_upstream_exits_shared_sessions_end_and_stateless_waiting_requests_stay) {
  mcp::upstream_mux shared({});
  shared.attach(1);
  shared.attach(2);
  make_ready(shared);
  shared.upstream_exited("MCP server process exited");
  auto ends = of(drain(shared), kind::end_session);
  ASSERT_EQ(ends.size(), 2u);
  EXPECT_EQ(ends[0].text, "MCP server process exited");
  EXPECT_EQ(shared.sessions(), 0u);

  mcp::upstream_mux stateless({.stateless = true});
  stateless.attach(1);
  stateless.attach(2);
  make_ready(stateless);
  stateless.from_session(1, msg(R"({"jsonrpc":"2.0","id":1,"method":"tools/call"})"));
  drain(stateless);
  stateless.upstream_exited("MCP server process exited");
  stateless.from_session(2, msg(R"({"jsonrpc":"2.0","id":1,"method":"tools/call"})"));
  auto acts = drain(stateless);
  ASSERT_EQ(of(acts, kind::end_session).size(), 1u);
  EXPECT_EQ(of(acts, kind::end_session)[0].session, 1u);
  EXPECT_EQ(of(acts, kind::need_upstream).size(), 1u);
  EXPECT_TRUE(stateless.attached(2));
}

TEST(upstream_mux, the_wait_queue_is_bounded) {
  mcp::upstream_mux x({.max_waiting = 2});
  x.attach(1);
  for (int i = 0; i < 3; ++i) {
    x.from_session(1, msg(R"({"jsonrpc":"2.0","id":)" + std::to_string(i) + R"(,"method":"x"})"));
  }
  auto to = of(drain(x), kind::to_session);
  ASSERT_EQ(to.size(), 1u);
  EXPECT_EQ(to[0].msg.id(), json::value(2));
  EXPECT_EQ(x.waiting(), 2u);
}

}  // namespace
