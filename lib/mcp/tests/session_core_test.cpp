#include "mcp/session_core.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <string>
#include <vector>

namespace {
namespace json = boost::json;
using namespace std::chrono_literals;
using kind = mcp::action::kind;

const mcp::clock_time t0{};

mcp::message msg(std::string_view text) {
  auto m = mcp::classify(json::parse(text));
  EXPECT_TRUE(m) << text;
  return m ? std::move(*m) : mcp::message{};
}

std::vector<mcp::message> one(std::string_view text) {
  std::vector<mcp::message> v;
  v.push_back(msg(text));
  return v;
}

std::vector<mcp::action> drain(mcp::session_core& c) {
  std::vector<mcp::action> out;
  mcp::action a;
  while (c.next(a)) {
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<mcp::action> of(const std::vector<mcp::action>& all, kind k) {
  std::vector<mcp::action> out;
  for (const auto& a : all) {
    if (a.what == k) {
      out.push_back(a);
    }
  }
  return out;
}

json::value parsed(const mcp::action& a) {
  return json::parse(a.text);
}

mcp::session_options opts(std::size_t max_pending = 16, std::size_t max_bytes = 1 << 16) {
  mcp::session_options o;
  o.request_timeout = 10s;
  o.max_pending = max_pending;
  o.max_stream_bytes = max_bytes;
  return o;
}

TEST(session_core, two_concurrent_requests_answered_out_of_order_reach_their_own_streams) {
  mcp::session_core c(opts(), t0);
  const auto a = c.open_stream(false, t0);
  const auto b = c.open_stream(false, t0);
  c.from_client(one(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}})"), a, t0);
  c.from_client(one(R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"y"}})"), b, t0 + 1s);
  auto acts = drain(c);
  ASSERT_EQ(of(acts, kind::send_upstream).size(), 2u);
  EXPECT_EQ(of(acts, kind::send_upstream)[0].msg.id(), json::value(1));
  ASSERT_FALSE(of(acts, kind::arm_timer).empty());
  EXPECT_EQ(of(acts, kind::arm_timer).front().at, t0 + 10s);  // the earliest deadline

  c.from_upstream(msg(R"({"jsonrpc":"2.0","id":2,"result":{"v":"b"}})"), t0 + 2s);
  acts = drain(c);
  auto d = of(acts, kind::deliver);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].stream, b);
  EXPECT_EQ(parsed(d[0]).at("result").at("v"), "b");
  ASSERT_EQ(of(acts, kind::finish_stream).size(), 1u);
  EXPECT_EQ(of(acts, kind::finish_stream)[0].stream, b);
  ASSERT_EQ(of(acts, kind::request_done).size(), 1u);
  EXPECT_EQ(of(acts, kind::request_done)[0].elapsed, 1s);

  c.from_upstream(msg(R"({"jsonrpc":"2.0","id":1,"result":{"v":"a"}})"), t0 + 3s);
  acts = drain(c);
  d = of(acts, kind::deliver);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].stream, a);
  // Nothing waits any more: the timer stays armed (lazily), and its wake-up finds nothing due.
  EXPECT_TRUE(of(acts, kind::cancel_timer).empty());
  EXPECT_EQ(c.pending(), 0u);
  c.expire(t0 + 10s);
  EXPECT_TRUE(drain(c).empty());
  EXPECT_FALSE(c.deadline().has_value());
}

TEST(session_core, calls_made_one_after_another_arm_the_timer_once) {
  mcp::session_core c(opts(), t0);
  std::size_t arms = 0;
  for (int i = 1; i <= 100; ++i) {
    const auto at = t0 + std::chrono::milliseconds(i);
    const auto s = c.open_stream(false, at);
    c.from_client(one(R"({"jsonrpc":"2.0","id":)" + std::to_string(i) + R"(,"method":"tools/call","params":{"name":"echo"}})"), s, at);
    c.from_upstream(msg(R"({"jsonrpc":"2.0","id":)" + std::to_string(i) + R"(,"result":{}})"), at);
    auto acts = drain(c);
    ASSERT_EQ(of(acts, kind::deliver).size(), 1u);
    arms += of(acts, kind::arm_timer).size();
    EXPECT_TRUE(of(acts, kind::cancel_timer).empty());
  }
  EXPECT_EQ(arms, 1u);
  // A request still waiting when the early wake-up comes is armed for again, and times out then.
  const auto s = c.open_stream(false, t0 + 5s);
  c.from_client(one(R"({"jsonrpc":"2.0","id":"late","method":"tools/call"})"), s, t0 + 5s);
  EXPECT_TRUE(of(drain(c), kind::arm_timer).empty());  // the wake-up at t0 + 1ms + 10s comes first
  c.expire(t0 + 10s + std::chrono::milliseconds(1));
  auto acts = drain(c);
  EXPECT_TRUE(of(acts, kind::deliver).empty());
  ASSERT_EQ(of(acts, kind::arm_timer).size(), 1u);
  EXPECT_EQ(of(acts, kind::arm_timer)[0].at, t0 + 15s);  // it times out then, as a timed-out request does
}

TEST(session_core, closing_with_the_timer_armed_cancels_it) {
  mcp::session_core c(opts(), t0);
  const auto s = c.open_stream(false, t0);
  c.from_client(one(R"({"jsonrpc":"2.0","id":1,"method":"tools/call"})"), s, t0);
  drain(c);
  c.close("bye", t0 + 1s);
  auto acts = drain(c);
  EXPECT_EQ(of(acts, kind::cancel_timer).size(), 1u);
  EXPECT_EQ(of(acts, kind::end_session).size(), 1u);
  EXPECT_FALSE(c.deadline().has_value());
  // Closing releases the driver's timer only when one is armed.
  mcp::session_core idle(opts(), t0);
  idle.close("bye", t0);
  EXPECT_TRUE(of(drain(idle), kind::cancel_timer).empty());
}

TEST(session_core, an_answered_tool_call_names_its_tool_and_outcome) {
  mcp::session_core c(opts(), t0);
  const auto s = c.open_stream(false, t0);
  c.from_client(one(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}})"), s, t0);
  c.from_client(one(R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"fails"}})"), s, t0);
  c.from_client(one(R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"gone"}})"), s, t0);
  c.from_client(one(R"({"jsonrpc":"2.0","id":4,"method":"tools/list"})"), s, t0);
  c.from_client(one(R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"slow"}})"), s, t0);
  drain(c);
  c.from_upstream(msg(R"({"jsonrpc":"2.0","id":1,"result":{"content":[]}})"), t0 + 1s);
  c.from_upstream(msg(R"({"jsonrpc":"2.0","id":2,"result":{"content":[],"isError":true}})"), t0 + 1s);
  c.from_upstream(msg(R"({"jsonrpc":"2.0","id":3,"error":{"code":-32602,"message":"no such tool"}})"), t0 + 1s);
  c.from_upstream(msg(R"({"jsonrpc":"2.0","id":4,"result":{"tools":[]}})"), t0 + 1s);
  c.expire(t0 + 10s);
  auto done = of(drain(c), kind::request_done);
  ASSERT_EQ(done.size(), 5u);
  EXPECT_EQ(done[0].tool, "echo");
  EXPECT_EQ(done[0].outcome, "ok");
  EXPECT_EQ(done[1].tool, "fails");
  EXPECT_EQ(done[1].outcome, "error");
  EXPECT_EQ(done[2].tool, "gone");
  EXPECT_EQ(done[2].outcome, "error");
  EXPECT_EQ(done[3].text, "tools/list");
  EXPECT_EQ(done[3].tool, "");  // only tools/call names a tool
  EXPECT_EQ(done[4].tool, "slow");
  EXPECT_EQ(done[4].outcome, "timeout");
  EXPECT_EQ(done[4].elapsed, 10s);
}

TEST(session_core, a_tool_name_in_an_action_is_bounded) {
  mcp::session_core c(opts(), t0);
  const auto s = c.open_stream(false, t0);
  const std::string name(10000, 'n');
  c.from_client(one(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":")" + name + R"("}})"), s, t0);
  c.close("bye", t0 + 1s);
  auto done = of(drain(c), kind::request_done);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].tool.size(), mcp::max_tool_label);
  EXPECT_EQ(done[0].outcome, "closed");
}

TEST(session_core, progress_follows_the_request_whose_token_it_carries) {
  mcp::session_core c(opts(), t0);
  const auto a = c.open_stream(false, t0);
  const auto b = c.open_stream(false, t0);
  c.from_client(one(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"_meta":{"progressToken":"ta"}}})"), a,
                t0);
  c.from_client(one(R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"_meta":{"progressToken":7}}})"), b, t0);
  drain(c);
  // Interleaved: b's progress, a's progress, then a progress naming an unknown token.
  c.from_upstream(
      msg(R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":7,"progress":1}})"), t0);
  c.from_upstream(
      msg(R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"ta","progress":1}})"), t0);
  c.from_upstream(
      msg(R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"7","progress":1}})"), t0);
  auto d = of(drain(c), kind::deliver);
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].stream, b);
  EXPECT_EQ(d[1].stream, a);
  // "7" is not 7: no request owns it, so it goes where other server messages go (the newest).
  EXPECT_EQ(d[2].stream, b);
}

TEST(session_core, server_requests_go_to_the_newest_sse_request_else_the_standalone_stream) {
  mcp::session_core c(opts(), t0);
  const auto sse = c.open_stream(false, t0);
  const auto js = c.open_stream(true, t0);
  c.from_client(one(R"({"jsonrpc":"2.0","id":1,"method":"tools/call"})"), sse, t0);
  c.from_client(one(R"({"jsonrpc":"2.0","id":2,"method":"tools/call"})"), js, t0);
  drain(c);
  c.from_upstream(msg(R"({"jsonrpc":"2.0","id":"s1","method":"sampling/createMessage","params":{}})"), t0);
  auto d = of(drain(c), kind::deliver);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].stream, sse);  // a JSON-mode POST cannot carry it
  c.from_upstream(msg(R"({"jsonrpc":"2.0","id":1,"result":{}})"), t0);
  drain(c);
  c.from_upstream(msg(R"({"jsonrpc":"2.0","method":"notifications/message","params":{}})"), t0);
  d = of(drain(c), kind::deliver);
  ASSERT_EQ(d.size(), 1u);
  ASSERT_TRUE(c.standalone());
  EXPECT_EQ(d[0].stream, *c.standalone());
  // The client's answer to the server's request goes upstream untouched.
  c.from_client(one(R"({"jsonrpc":"2.0","id":"s1","result":{}})"), 0, t0);
  auto up = of(drain(c), kind::send_upstream);
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0].msg.id(), json::value("s1"));
}

TEST(session_core, a_timed_out_request_is_cancelled_upstream_and_answered_with_an_error) {
  mcp::session_core c(opts(), t0);
  const auto a = c.open_stream(false, t0);
  c.from_client(one(R"({"jsonrpc":"2.0","id":"r","method":"tools/call"})"), a, t0);
  drain(c);
  c.expire(t0 + 9s);  // early (a stale wake-up): nothing times out, the timer is armed again
  auto acts = drain(c);
  EXPECT_TRUE(of(acts, kind::deliver).empty());
  ASSERT_EQ(of(acts, kind::arm_timer).size(), 1u);
  EXPECT_EQ(of(acts, kind::arm_timer)[0].at, t0 + 10s);
  c.expire(t0 + 10s);
  acts = drain(c);
  auto up = of(acts, kind::send_upstream);
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0].msg.method(), "notifications/cancelled");
  EXPECT_EQ(up[0].msg.body.at("params").at("requestId"), "r");
  auto d = of(acts, kind::deliver);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(parsed(d[0]).at("error").at("code"), mcp::code_request_timeout);
  EXPECT_EQ(of(acts, kind::finish_stream).size(), 1u);
  // The answer that comes too late is dropped, and counted.
  c.from_upstream(msg(R"({"jsonrpc":"2.0","id":"r","result":{}})"), t0 + 11s);
  EXPECT_TRUE(drain(c).empty());
  EXPECT_EQ(c.unmatched_responses(), 1u);
}

TEST(session_core, the_client_cancelling_a_request_ends_its_stream_and_forwards_the_cancel) {
  mcp::session_core c(opts(), t0);
  const auto a = c.open_stream(false, t0);
  c.from_client(one(R"({"jsonrpc":"2.0","id":5,"method":"tools/call"})"), a, t0);
  drain(c);
  c.from_client(one(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":5}})"), 0, t0);
  auto acts = drain(c);
  EXPECT_EQ(of(acts, kind::finish_stream).size(), 1u);
  EXPECT_EQ(of(acts, kind::send_upstream).size(), 1u);
  EXPECT_EQ(c.pending(), 0u);
}

TEST(session_core, a_stateless_client_closing_its_stream_cancels_the_request_in_flight) {
  auto o = opts();
  o.flavor = mcp::session_flavor::stateless;
  mcp::session_core c(o, t0);
  const auto a = c.open_stream(false, t0);
  c.from_client(one(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"_meta":{"progressToken":1}}})"), a, t0);
  drain(c);
  // Only progress reaches a stateless stream; logging has nowhere to go.
  c.from_upstream(msg(R"({"jsonrpc":"2.0","method":"notifications/message","params":{}})"), t0);
  EXPECT_TRUE(of(drain(c), kind::deliver).empty());
  c.detach(a, t0 + 1s);
  auto acts = drain(c);
  auto up = of(acts, kind::send_upstream);
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0].msg.method(), "notifications/cancelled");
  EXPECT_EQ(up[0].msg.body.at("params").at("reason"), "client closed the stream");
  EXPECT_EQ(c.pending(), 0u);
  EXPECT_EQ(c.streams(), 0u);
  EXPECT_TRUE(of(acts, kind::cancel_timer).empty());  // lazily armed: the wake-up finds nothing
}

TEST(session_core, a_stateless_answer_gets_the_result_shape_of_2026_07_28) {
  auto o = opts();
  o.flavor = mcp::session_flavor::stateless;
  mcp::session_core c(o, t0);
  const auto a = c.open_stream(true, t0);
  c.from_client(one(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})"), a, t0);
  drain(c);
  c.from_upstream(msg(R"({"jsonrpc":"2.0","id":1,"result":{"tools":[]}})"), t0);
  auto d = of(drain(c), kind::deliver);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(parsed(d[0]).at("result").at("resultType"), "complete");
  EXPECT_EQ(parsed(d[0]).at("result").at("cacheScope"), "private");
}

TEST(session_core, a_streamable_client_disconnecting_keeps_its_request_for_resumption) {
  mcp::session_core c(opts(), t0);
  const auto a = c.open_stream(false, t0);
  c.from_client(one(R"({"jsonrpc":"2.0","id":1,"method":"tools/call"})"), a, t0);
  drain(c);
  c.detach(a, t0);
  EXPECT_TRUE(of(drain(c), kind::send_upstream).empty());
  EXPECT_EQ(c.pending(), 1u);
  EXPECT_EQ(c.resume(a, t0), mcp::session_core::resume_result::attached);
  c.from_upstream(msg(R"({"jsonrpc":"2.0","id":1,"result":{}})"), t0);
  auto acts = drain(c);
  ASSERT_EQ(of(acts, kind::deliver).size(), 1u);
  EXPECT_EQ(of(acts, kind::deliver)[0].stream, a);
  c.detach(a, t0);
  EXPECT_FALSE(c.knows_stream(a));
  EXPECT_EQ(c.resume(a, t0), mcp::session_core::resume_result::replay_only);
}

TEST(session_core, closing_the_session_answers_every_pending_request_and_ends_every_stream) {
  mcp::session_core c(opts(), t0);
  const auto a = c.open_stream(false, t0);
  const auto b = c.open_stream(true, t0);
  ASSERT_TRUE(c.attach_standalone(t0));
  c.from_client(one(R"({"jsonrpc":"2.0","id":1,"method":"x"})"), a, t0);
  c.from_client(one(R"({"jsonrpc":"2.0","id":2,"method":"y"})"), b, t0);
  drain(c);
  c.close("MCP server process exited", t0 + 1s);
  auto acts = drain(c);
  auto d = of(acts, kind::deliver);
  ASSERT_EQ(d.size(), 2u);
  for (const auto& x : d) {
    EXPECT_EQ(parsed(x).at("error").at("code"), mcp::code_upstream_gone);
    EXPECT_EQ(parsed(x).at("error").at("message"), "MCP server process exited");
  }
  EXPECT_EQ(of(acts, kind::finish_stream).size(), 3u);
  EXPECT_EQ(of(acts, kind::end_session).size(), 1u);
  EXPECT_EQ(acts.back().what, kind::end_session);
  // A closed session emits nothing more.
  c.from_upstream(msg(R"({"jsonrpc":"2.0","method":"notifications/message","params":{}})"), t0);
  c.from_client(one(R"({"jsonrpc":"2.0","id":3,"method":"x"})"), a, t0);
  c.close("again", t0);
  EXPECT_TRUE(drain(c).empty());
}

TEST(session_core, a_legacy_session_answers_on_its_sse_stream_and_ends_with_it) {
  auto o = opts();
  o.flavor = mcp::session_flavor::legacy_sse;
  mcp::session_core c(o, t0);
  const auto s = c.attach_standalone(t0);
  ASSERT_TRUE(s);
  EXPECT_FALSE(c.attach_standalone(t0));  // one connection at a time
  c.from_client(one(R"({"jsonrpc":"2.0","id":1,"method":"x"})"), *s, t0);
  c.from_upstream(msg(R"({"jsonrpc":"2.0","id":1,"result":{}})"), t0);
  auto acts = drain(c);
  EXPECT_EQ(of(acts, kind::deliver).size(), 1u);
  EXPECT_TRUE(of(acts, kind::finish_stream).empty());  // the stream outlives its answers
  c.detach(*s, t0);
  acts = drain(c);
  EXPECT_TRUE(c.closed());
  EXPECT_EQ(of(acts, kind::end_session).size(), 1u);
}

TEST(session_core, a_duplicate_id_is_refused_and_a_post_owing_nothing_ends) {
  mcp::session_core c(opts(), t0);
  const auto a = c.open_stream(false, t0);
  c.from_client(one(R"({"jsonrpc":"2.0","id":1,"method":"x"})"), a, t0);
  drain(c);
  const auto b = c.open_stream(true, t0);
  c.from_client(one(R"({"jsonrpc":"2.0","id":1,"method":"x"})"), b, t0);
  auto acts = drain(c);
  EXPECT_TRUE(of(acts, kind::send_upstream).empty());
  ASSERT_EQ(of(acts, kind::deliver).size(), 1u);
  EXPECT_EQ(parsed(of(acts, kind::deliver)[0]).at("error").at("code"), mcp::code_duplicate_id);
  ASSERT_EQ(of(acts, kind::finish_stream).size(), 1u);
  EXPECT_EQ(of(acts, kind::finish_stream)[0].stream, b);
}

TEST(session_core, requests_beyond_max_pending_are_answered_and_never_forwarded) {
  mcp::session_core c(opts(2), t0);
  const auto a = c.open_stream(true, t0);
  std::vector<mcp::message> batch;
  for (int i = 1; i <= 3; ++i) {
    batch.push_back(msg(R"({"jsonrpc":"2.0","id":)" + std::to_string(i) + R"(,"method":"x"})"));
  }
  c.from_client(std::move(batch), a, t0);
  auto acts = drain(c);
  EXPECT_EQ(of(acts, kind::send_upstream).size(), 2u);
  auto d = of(acts, kind::deliver);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(parsed(d[0]).at("id"), 3);
  EXPECT_EQ(parsed(d[0]).at("error").at("code"), mcp::code_too_many_pending);
  EXPECT_TRUE(of(acts, kind::finish_stream).empty());  // two answers still owed
  EXPECT_EQ(c.pending(), 2u);
}

TEST(session_core, a_hostile_upstream_gets_nothing_through_but_real_answers) {
  mcp::session_core c(opts(), t0);
  const auto a = c.open_stream(false, t0);
  c.from_client(one(R"({"jsonrpc":"2.0","id":1,"method":"x"})"), a, t0);
  drain(c);
  c.from_upstream(msg(R"({"jsonrpc":"2.0","id":"1","result":{}})"), t0);  // wrong type of id
  c.from_upstream(msg(R"({"jsonrpc":"2.0","id":99,"result":{}})"), t0);   // never issued
  EXPECT_TRUE(of(drain(c), kind::deliver).empty());
  c.from_upstream(msg(R"({"jsonrpc":"2.0","id":1,"result":{}})"), t0);
  c.from_upstream(msg(R"({"jsonrpc":"2.0","id":1,"result":{"again":true}})"), t0);  // duplicate
  auto d = of(drain(c), kind::deliver);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_FALSE(parsed(d[0]).at("result").as_object().contains("again"));
  EXPECT_EQ(c.unmatched_responses(), 3u);
}

TEST(session_core, a_stream_over_its_byte_limit_overflows_until_drained) {
  mcp::session_core c(opts(16, 1000), t0);
  const auto g = c.attach_standalone(t0);
  ASSERT_TRUE(g);
  const std::string big(2000, 'x');
  c.from_upstream(msg(R"({"jsonrpc":"2.0","method":"notifications/message","params":{"data":")" + big + "\"}}"), t0);
  auto acts = drain(c);
  ASSERT_EQ(of(acts, kind::overflow).size(), 1u);
  EXPECT_EQ(of(acts, kind::overflow)[0].stream, *g);
  EXPECT_GT(c.queued_bytes(*g), 1000u);
  // Attached: one overflow is enough (the driver drops the connection).
  c.from_upstream(msg(R"({"jsonrpc":"2.0","method":"notifications/message","params":{}})"), t0);
  EXPECT_TRUE(of(drain(c), kind::overflow).empty());
  c.detach(*g, t0);
  c.drained(*g, c.queued_bytes(*g));
  EXPECT_EQ(c.queued_bytes(*g), 0u);
  // Detached: every delivery over the limit asks the driver to trim again.
  c.from_upstream(msg(R"({"jsonrpc":"2.0","method":"notifications/message","params":{"data":")" + big + "\"}}"), t0);
  c.from_upstream(msg(R"({"jsonrpc":"2.0","method":"notifications/message","params":{"data":")" + big + "\"}}"), t0);
  EXPECT_EQ(of(drain(c), kind::overflow).size(), 2u);
}

TEST(session_core, the_negotiated_revision_comes_from_the_initialize_answer) {
  mcp::session_core c(opts(), t0);
  const auto a = c.open_stream(false, t0);
  c.from_client(one(R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25"}})"), a,
                t0);
  EXPECT_FALSE(c.negotiated());
  c.from_upstream(msg(R"({"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-06-18"}})"), t0);
  EXPECT_EQ(c.negotiated(), mcp::revision::v2025_06_18);
}

TEST(session_core, busy_while_requests_wait_or_a_post_is_written_not_for_a_held_get) {
  mcp::session_core c(opts(), t0);
  ASSERT_TRUE(c.attach_standalone(t0));
  EXPECT_FALSE(c.busy());
  const auto a = c.open_stream(false, t0 + 5s);
  EXPECT_TRUE(c.busy());
  EXPECT_EQ(c.last_activity(), t0 + 5s);
  c.from_client(one(R"({"jsonrpc":"2.0","id":1,"method":"x"})"), a, t0);
  c.from_upstream(msg(R"({"jsonrpc":"2.0","id":1,"result":{}})"), t0);
  c.detach(a, t0);
  EXPECT_FALSE(c.busy());
}

TEST(session_core, a_timeout_is_not_activity_for_the_idle_sweep) {
  mcp::session_core c(opts(), t0);
  const auto a = c.open_stream(false, t0);
  c.from_client(one(R"({"jsonrpc":"2.0","id":1,"method":"x"})"), a, t0 + 1s);
  c.expire(t0 + 11s);
  EXPECT_EQ(c.pending(), 0u);
  EXPECT_EQ(c.last_activity(), t0 + 1s);
  c.from_upstream(msg(R"({"jsonrpc":"2.0","method":"notifications/message","params":{}})"), t0 + 20s);
  EXPECT_EQ(c.last_activity(), t0 + 20s);
}

TEST(session_core, a_held_standalone_stream_cannot_be_resumed_twice) {
  mcp::session_core c(opts(), t0);
  const auto g = c.attach_standalone(t0);
  ASSERT_TRUE(g);
  EXPECT_EQ(c.resume(*g, t0), mcp::session_core::resume_result::refused);
  c.detach(*g, t0);
  EXPECT_EQ(c.resume(*g, t0), mcp::session_core::resume_result::attached);
  EXPECT_TRUE(c.attached(*g));
}

TEST(session_core, a_request_without_a_stream_is_forwarded_untracked_and_its_answer_dropped) {
  mcp::session_core c(opts(), t0);
  c.from_client(one(R"({"jsonrpc":"2.0","id":1,"method":"x"})"), 0, t0);
  c.from_client(one(R"({"jsonrpc":"2.0","id":2,"method":"x"})"), 42, t0);  // a stream it never opened
  auto acts = drain(c);
  EXPECT_EQ(of(acts, kind::send_upstream).size(), 2u);
  EXPECT_TRUE(of(acts, kind::arm_timer).empty());
  EXPECT_EQ(c.pending(), 0u);
  c.from_upstream(msg(R"({"jsonrpc":"2.0","id":1,"result":{}})"), t0);
  EXPECT_TRUE(drain(c).empty());
}

}  // namespace
