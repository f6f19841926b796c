#include "gateway/pool_session.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <set>
#include <string>
#include <vector>

namespace {
namespace json = boost::json;
using gateway::list_kind;
using kind = gateway::pool_action::kind;
using namespace std::chrono_literals;

mcp::message msg(std::string_view text) {
  auto m = mcp::classify(json::parse(text));
  EXPECT_TRUE(m) << text;
  return m ? std::move(*m) : mcp::message{};
}

json::array arr(std::string_view text) {
  return json::parse(text).as_array();
}

// Three members: github (tools search, get_issue), jira (tool search), docs (a resource, a
// resource template, a prompt), exposed with the default prefixes.
struct PoolSession : ::testing::Test {
  gateway::catalog cat{{{.name = "github"}, {.name = "jira"}, {.name = "docs"}}, gateway::conflict_resolution::prefix};
  gateway::pool_session_options opts{.server_name = "pool-gw", .page_size = 2};
  std::optional<gateway::pool_session> s;

  void SetUp() override {
    cat.set_member_list(0, list_kind::tools, arr(R"([{"name":"search"},{"name":"get_issue"}])"));
    cat.set_member_list(1, list_kind::tools, arr(R"([{"name":"search"}])"));
    cat.set_member_list(2, list_kind::resources, arr(R"([{"uri":"docs://readme","name":"readme"}])"));
    cat.set_member_list(2, list_kind::resource_templates, arr(R"([{"uriTemplate":"docs://page/{id}","name":"p"}])"));
    cat.set_member_list(2, list_kind::prompts, arr(R"([{"name":"summarize"}])"));
    cat.rebuild();
    s.emplace(cat, opts);
  }

  // Every member up with these capabilities; actions drained.
  void all_up() {
    s->member_up(0, json::parse(R"({"capabilities":{"tools":{},"logging":{}}})").as_object());
    s->member_up(1, json::parse(R"({"capabilities":{"tools":{"listChanged":true}}})").as_object());
    s->member_up(
        2,
        json::parse(R"({"capabilities":{"resources":{"subscribe":true},"prompts":{},"completions":{}}})").as_object());
    drain();
  }

  void initialize() {
    s->from_client(msg(R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18",
                           "capabilities":{"sampling":{}},"clientInfo":{"name":"agent"}}})"));
    drain();
  }

  std::vector<gateway::pool_action> drain() {
    std::vector<gateway::pool_action> out;
    gateway::pool_action a;
    while (s->next(a)) {
      out.push_back(std::move(a));
    }
    return out;
  }

  // The one action of the last input, which must be of kind `k`.
  gateway::pool_action only(kind k) {
    auto acts = drain();
    EXPECT_EQ(acts.size(), 1u);
    if (acts.empty()) {
      return {};
    }
    EXPECT_EQ(acts[0].what, k) << mcp::serialize(acts[0].msg);
    return acts[0];
  }

  // A tools/call of `tool` with `id` (JSON text); returns what went to the member.
  gateway::pool_action call(std::string_view tool, std::string_view id, std::string_view extra = "") {
    s->from_client(msg(std::string(R"({"jsonrpc":"2.0","id":)") + std::string(id) +
                       R"(,"method":"tools/call","params":{"name":")" + std::string(tool) + R"(","arguments":{})" +
                       std::string(extra) + "}}"));
    return only(kind::to_member);
  }

  static std::string answer_to(const gateway::pool_action& sent, std::string_view result = R"({"content":[]})") {
    return R"({"jsonrpc":"2.0","id":)" + json::serialize(sent.msg.id()) + R"(,"result":)" + std::string(result) + "}";
  }
};

TEST_F(PoolSession, InitializeIsAnsweredFromTheUnionOfTheMembersUpInTheClientsRevision) {
  all_up();
  s->from_client(msg(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",
                         "capabilities":{"sampling":{}},"clientInfo":{"name":"agent"}}})"));
  const auto a = only(kind::to_client);
  const auto& r = a.msg.body.at("result").as_object();
  EXPECT_EQ(a.msg.id(), json::value(1));
  EXPECT_EQ(r.at("protocolVersion"), "2025-06-18");
  EXPECT_EQ(r.at("serverInfo").at("name"), "pool-gw");
  const auto& caps = r.at("capabilities").as_object();
  EXPECT_EQ(caps.at("tools").at("listChanged"), true);
  EXPECT_EQ(caps.at("prompts").at("listChanged"), true);
  EXPECT_EQ(caps.at("resources").at("listChanged"), true);
  EXPECT_EQ(caps.at("resources").at("subscribe"), true);
  EXPECT_TRUE(caps.contains("logging"));
  EXPECT_TRUE(caps.contains("completions"));
  EXPECT_TRUE(s->client_capabilities().contains("sampling"));
  EXPECT_TRUE(s->initialized());

  // A revision the gateway does not serve in a handshake: its latest handshake revision.
  s->from_client(msg(R"({"jsonrpc":"2.0","id":2,"method":"initialize","params":{"protocolVersion":"1999-01-01"}})"));
  EXPECT_EQ(only(kind::to_client).msg.body.at("result").at("protocolVersion"), "2025-11-25");
}

TEST_F(PoolSession, InitializeWhileAMemberIsComingUpAnnouncesEveryListSoItCanJoinLater) {
  s->member_up(1, json::parse(R"({"capabilities":{"tools":{}}})").as_object());
  drain();
  s->from_client(msg(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}})"));
  const auto caps = only(kind::to_client).msg.body.at("result").at("capabilities").as_object();
  EXPECT_TRUE(caps.contains("tools"));
  EXPECT_TRUE(caps.contains("prompts"));
  EXPECT_TRUE(caps.contains("resources"));
  EXPECT_FALSE(caps.contains("logging"));  // nobody up has it

  // docs comes up: it is to be relisted, for every list it announces.
  s->member_up(2, json::parse(R"({"capabilities":{"resources":{},"prompts":{}}})").as_object());
  std::vector<list_kind> relisted;
  for (const auto& a : drain()) {
    EXPECT_EQ(a.what, kind::relist_member);
    EXPECT_EQ(a.member, 2u);
    EXPECT_FALSE(a.changed);  // it came up: the driver may hold these lists fresh already
    relisted.push_back(a.list);
  }
  EXPECT_EQ(relisted, (std::vector{list_kind::prompts, list_kind::resources, list_kind::resource_templates}));
}

TEST_F(PoolSession, ToolsListPagesThroughTheSharedCatalogAndRefusesABadCursor) {
  all_up();
  initialize();
  s->from_client(msg(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})"));
  auto first = only(kind::to_client).msg.body.at("result").as_object();
  ASSERT_EQ(first.at("tools").as_array().size(), 2u);
  EXPECT_EQ(first.at("tools").at(0).at("name"), "github_search");
  EXPECT_EQ(first.at("tools").at(1).at("name"), "github_get_issue");
  const std::string cursor(first.at("nextCursor").as_string());
  s->from_client(msg(R"({"jsonrpc":"2.0","id":2,"method":"tools/list","params":{"cursor":)" +
                     json::serialize(json::value(cursor)) + "}}"));
  auto second = only(kind::to_client).msg.body.at("result").as_object();
  ASSERT_EQ(second.at("tools").as_array().size(), 1u);
  EXPECT_EQ(second.at("tools").at(0).at("name"), "jira_search");
  EXPECT_FALSE(second.contains("nextCursor"));

  s->from_client(msg(R"({"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"cursor":"garbage"}})"));
  const auto err = only(kind::to_client).msg;
  EXPECT_EQ(err.id(), json::value(3));
  EXPECT_EQ(err.body.at("error").at("code"), -32602);
  EXPECT_EQ(err.body.at("error").at("message").as_string(), make_error_code(gateway::error::invalid_cursor).message());

  s->from_client(msg(R"({"jsonrpc":"2.0","id":4,"method":"resources/templates/list"})"));
  EXPECT_EQ(only(kind::to_client).msg.body.at("result").at("resourceTemplates").at(0).at("uriTemplate"),
            "docs://page/{id}");
}

TEST_F(PoolSession, ToolsCallReachesEachMemberUnderItsOwnNameAndAnswersWithTheClientsId) {
  all_up();
  const auto to_github = call("github_search", "7");
  const auto to_jira = call("jira_search", R"("a")");
  EXPECT_EQ(to_github.member, 0u);
  EXPECT_EQ(to_jira.member, 1u);
  EXPECT_EQ(to_github.msg.body.at("params").at("name"), "search");
  EXPECT_EQ(to_jira.msg.body.at("params").at("name"), "search");
  // Answers in the other order.
  s->from_member(1, msg(answer_to(to_jira, R"({"content":[{"type":"text","text":"jira"}]})")));
  auto a = only(kind::to_client);
  EXPECT_EQ(a.msg.id(), json::value("a"));
  EXPECT_EQ(a.msg.body.at("result").at("content").at(0).at("text"), "jira");
  s->from_member(0, msg(answer_to(to_github)));
  EXPECT_EQ(only(kind::to_client).msg.id(), json::value(7));
  EXPECT_EQ(s->in_flight(), 0u);
}

TEST_F(PoolSession, PromptsResourcesAndCompletionsAreRoutedToTheirMember) {
  all_up();
  s->from_client(msg(R"({"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"docs_summarize"}})"));
  auto a = only(kind::to_member);
  EXPECT_EQ(a.member, 2u);
  EXPECT_EQ(a.msg.body.at("params").at("name"), "summarize");
  s->from_client(msg(R"({"jsonrpc":"2.0","id":2,"method":"resources/read","params":{"uri":"docs://page/42"}})"));
  a = only(kind::to_member);
  EXPECT_EQ(a.member, 2u);
  EXPECT_EQ(a.msg.body.at("params").at("uri"), "docs://page/42");
  s->from_client(msg(R"({"jsonrpc":"2.0","id":3,"method":"completion/complete",
                         "params":{"ref":{"type":"ref/prompt","name":"docs_summarize"},"argument":{"name":"x","value":""}}})"));
  a = only(kind::to_member);
  EXPECT_EQ(a.member, 2u);
  EXPECT_EQ(a.msg.body.at("params").at("ref").at("name"), "summarize");
  s->from_client(msg(R"({"jsonrpc":"2.0","id":4,"method":"resources/read","params":{"uri":"nowhere://x"}})"));
  EXPECT_EQ(only(kind::to_client).msg.body.at("error").at("code"), gateway::code_resource_not_found);
}

TEST_F(PoolSession, ProgressOfACallComesBackWithTheClientsToken) {
  all_up();
  const auto sent = call("jira_search", "1", R"(,"_meta":{"progressToken":"tok"})");
  const auto upstream_token = sent.msg.body.at("params").at("_meta").at("progressToken");
  EXPECT_NE(upstream_token, json::value("tok"));
  s->from_member(1, msg(R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":)" +
                        json::serialize(upstream_token) + R"(,"progress":1,"total":2}})"));
  const auto p = only(kind::to_client).msg;
  EXPECT_EQ(p.method(), "notifications/progress");
  EXPECT_EQ(p.body.at("params").at("progressToken"), "tok");
  EXPECT_EQ(p.body.at("params").at("progress"), 1);
  // Another member naming that token is not believed.
  s->from_member(0, msg(R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":)" +
                        json::serialize(upstream_token) + R"(,"progress":2}})"));
  EXPECT_TRUE(drain().empty());
  EXPECT_EQ(s->dropped_from_member(0), 1u);
}

TEST_F(PoolSession, ACancellationReachesTheMemberHoldingTheRequestAndItsLateAnswerIsDropped) {
  all_up();
  call("github_search", "5");
  const auto sent = call("jira_search", "6");
  s->from_client(
      msg(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":6,"reason":"bored"}})"));
  const auto c = only(kind::to_member);
  EXPECT_EQ(c.member, 1u);
  EXPECT_EQ(c.msg.method(), "notifications/cancelled");
  EXPECT_EQ(c.msg.body.at("params").at("requestId"), sent.msg.id());
  EXPECT_EQ(c.msg.body.at("params").at("reason"), "bored");
  s->from_member(1, msg(answer_to(sent)));
  EXPECT_TRUE(drain().empty());              // the client hears nothing more of it
  EXPECT_EQ(s->dropped_from_member(1), 0u);  // a late answer is no fault
  EXPECT_EQ(s->in_flight(), 1u);
}

TEST_F(PoolSession, AMembersSamplingRequestRoundTripsThroughTheClient) {
  all_up();
  s->from_member(1, msg(R"({"jsonrpc":"2.0","id":1,"method":"sampling/createMessage","params":{"messages":[]}})"));
  const auto to_client_1 = only(kind::to_client).msg;
  s->from_member(0, msg(R"({"jsonrpc":"2.0","id":1,"method":"sampling/createMessage","params":{"messages":[]}})"));
  const auto to_client_0 = only(kind::to_client).msg;
  EXPECT_EQ(to_client_1.method(), "sampling/createMessage");
  EXPECT_NE(to_client_1.id(), to_client_0.id());  // both members chose id 1
  s->from_client(
      msg(R"({"jsonrpc":"2.0","id":)" + json::serialize(to_client_1.id()) + R"(,"result":{"role":"assistant"}})"));
  const auto back = only(kind::to_member);
  EXPECT_EQ(back.member, 1u);
  EXPECT_EQ(back.msg.id(), json::value(1));
  EXPECT_EQ(back.msg.body.at("result").at("role"), "assistant");
  // Answering it twice: the second answer is nobody's.
  s->from_client(msg(R"({"jsonrpc":"2.0","id":)" + json::serialize(to_client_1.id()) + R"(,"result":{}})"));
  EXPECT_TRUE(drain().empty());
  EXPECT_EQ(s->dropped_from_client(), 1u);
  EXPECT_EQ(s->client_requests(), 1u);
}

TEST_F(PoolSession, AnUnknownToolIsRefusedAtOnce) {
  all_up();
  s->from_client(msg(R"({"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"nope"}})"));
  const auto e = only(kind::to_client).msg;
  EXPECT_EQ(e.id(), json::value(9));
  EXPECT_EQ(e.body.at("error").at("code"), -32602);
  EXPECT_EQ(e.body.at("error").at("message"), "unknown tool: nope");
  EXPECT_EQ(s->in_flight(), 0u);
}

TEST_F(PoolSession, AFailedMemberAnswersItsRequestsInFlightAndLeavesTheOthersAlone) {
  all_up();
  call("github_search", "1");
  call("github_get_issue", "2");
  const auto to_jira = call("jira_search", "3");
  s->member_failed(0, "pod gone");
  auto acts = drain();
  ASSERT_EQ(acts.size(), 2u);
  for (const auto& a : acts) {
    EXPECT_EQ(a.what, kind::to_client);
    EXPECT_EQ(a.msg.body.at("error").at("code"), gateway::code_member_gone);
    EXPECT_NE(std::string(a.msg.body.at("error").at("message").as_string()).find("github"), std::string::npos);
  }
  EXPECT_EQ(acts[0].msg.id(), json::value(1));
  EXPECT_EQ(acts[1].msg.id(), json::value(2));
  s->from_member(1, msg(answer_to(to_jira)));
  EXPECT_EQ(only(kind::to_client).msg.id(), json::value(3));
  // Further calls to github fail at once; jira still works.
  s->from_client(msg(R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"github_search"}})"));
  const auto e = only(kind::to_client).msg;
  EXPECT_EQ(e.body.at("error").at("message"), "MCP server github is unavailable: pod gone");
  EXPECT_EQ(call("jira_search", "5").member, 1u);
}

TEST_F(PoolSession, ANameOfAMemberWhoseToolsLeftTheCatalogIsAnsweredWithWhyItIsGone) {
  all_up();
  s->member_failed(0, "MCPServer github has no ready pod");
  drain();
  cat.clear_member(0);  // its probe failed too: its names are no longer listed
  cat.rebuild();
  s->from_client(msg(R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"github_search"}})"));
  const auto e = only(kind::to_client).msg;
  EXPECT_EQ(e.body.at("error").at("code"), gateway::code_member_gone);
  EXPECT_EQ(e.body.at("error").at("message"), "MCP server github is unavailable: MCPServer github has no ready pod");
  // A name no member's prefix claims stays unknown.
  s->from_client(msg(R"({"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"nobody_search"}})"));
  const auto u = only(kind::to_client).msg;
  EXPECT_EQ(u.body.at("error").at("code"), gateway::code_invalid_params);
  EXPECT_EQ(u.body.at("error").at("message"), "unknown tool: nobody_search");
}

TEST_F(PoolSession, ARequestForAMemberComingUpWaitsForIt) {
  s->member_up(1, json::parse(R"({"capabilities":{}})").as_object());
  drain();
  s->from_client(msg(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"github_search"}})"));
  EXPECT_TRUE(drain().empty());
  s->member_up(0, json::parse(R"({"capabilities":{"tools":{}}})").as_object());
  auto acts = drain();
  ASSERT_EQ(acts.size(), 2u);
  EXPECT_EQ(acts[0].what, kind::to_member);
  EXPECT_EQ(acts[0].msg.body.at("params").at("name"), "search");
  EXPECT_EQ(acts[1].what, kind::relist_member);
  EXPECT_EQ(acts[1].list, list_kind::tools);
}

TEST_F(PoolSession, ListChangedReachesTheClientAtMostOncePerKindPerInterval) {
  all_up();
  const auto t0 = gateway::clock_time{} + 1h;
  s->catalog_changed(list_kind::tools, t0);
  EXPECT_TRUE(drain().empty());  // not initialized: the client lists anyway
  initialize();
  s->from_member(1, msg(R"({"jsonrpc":"2.0","method":"notifications/tools/list_changed"})"));
  const auto r = only(kind::relist_member);
  EXPECT_EQ(r.member, 1u);
  EXPECT_EQ(r.list, list_kind::tools);
  EXPECT_TRUE(r.changed);  // the member said so: the driver lists it again

  s->catalog_changed(list_kind::tools, t0);
  EXPECT_EQ(only(kind::to_client).msg.method(), "notifications/tools/list_changed");
  s->catalog_changed(list_kind::tools, t0 + 100ms);
  EXPECT_EQ(only(kind::wake_at).at, t0 + 1s);
  s->catalog_changed(list_kind::tools, t0 + 200ms);
  EXPECT_TRUE(drain().empty());                                   // one wake-up is armed already
  s->catalog_changed(list_kind::resource_templates, t0 + 300ms);  // another kind: at once
  EXPECT_EQ(only(kind::to_client).msg.method(), "notifications/resources/list_changed");
  s->tick(t0 + 1s);
  EXPECT_EQ(only(kind::to_client).msg.method(), "notifications/tools/list_changed");
  s->tick(t0 + 2s);
  EXPECT_TRUE(drain().empty());
}

TEST_F(PoolSession, UpstreamIdsNeverCollideAcrossMembersAndAMemberCannotAnswerAnothersRequest) {
  all_up();
  std::set<std::string> ids;
  std::vector<gateway::pool_action> sent;
  for (int n = 0; n < 20; ++n) {
    sent.push_back(call(n % 2 ? "jira_search" : "github_search", std::to_string(n)));
    ids.insert(json::serialize(sent.back().msg.id()));
  }
  EXPECT_EQ(ids.size(), 20u);
  // jira answers github's request 0: refused, counted; github's own answer still arrives.
  s->from_member(1, msg(answer_to(sent[0])));
  EXPECT_TRUE(drain().empty());
  EXPECT_EQ(s->dropped_from_member(1), 1u);
  s->from_member(0, msg(answer_to(sent[0])));
  EXPECT_EQ(only(kind::to_client).msg.id(), json::value(0));
}

TEST_F(PoolSession, MalformedMemberInputIsDroppedAndCounted) {
  all_up();
  s->from_member(0, msg(R"({"jsonrpc":"2.0","id":12345,"result":{}})"));
  s->from_member(0, msg(R"({"jsonrpc":"2.0","id":"x","result":{}})"));
  s->from_member(0, msg(R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":99}})"));
  s->from_member(0, msg(R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}})"));
  s->from_member(7, msg(R"({"jsonrpc":"2.0","id":1,"result":{}})"));  // no such member
  EXPECT_TRUE(drain().empty());
  EXPECT_EQ(s->dropped_from_member(0), 4u);
  EXPECT_EQ(s->dropped_from_members(), 4u);
  // A member's unknown request is refused to it, not passed on.
  s->from_member(0, msg(R"({"jsonrpc":"2.0","id":1,"method":"tools/call"})"));
  EXPECT_EQ(only(kind::to_member).msg.body.at("error").at("code"), -32601);
}

TEST_F(PoolSession, LoggingSetLevelGoesToEveryMemberWithLoggingAndIsAnsweredOnce) {
  s->member_up(0, json::parse(R"({"capabilities":{"logging":{}}})").as_object());
  s->member_up(1, json::parse(R"({"capabilities":{"logging":{}}})").as_object());
  s->member_up(2, json::parse(R"({"capabilities":{}})").as_object());
  drain();
  s->from_client(msg(R"({"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{"level":"debug"}})"));
  auto acts = drain();
  ASSERT_EQ(acts.size(), 2u);
  s->from_member(1, msg(answer_to(acts[1], "{}")));
  EXPECT_TRUE(drain().empty());
  s->from_member(0, msg(answer_to(acts[0], "{}")));
  const auto a = only(kind::to_client).msg;
  EXPECT_EQ(a.id(), json::value(1));
  EXPECT_TRUE(a.body.contains("result"));
}

TEST_F(PoolSession, RequestsBeyondTheInFlightBoundAreRefused) {
  opts.max_in_flight = 2;
  s.emplace(cat, opts);
  all_up();
  call("github_search", "1");
  call("jira_search", "2");
  s->from_client(msg(R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"jira_search"}})"));
  EXPECT_EQ(only(kind::to_client).msg.body.at("error").at("code"), gateway::code_too_many);
  s->from_client(msg(R"({"jsonrpc":"2.0","id":4,"method":"ping"})"));  // the core's own answers still come
  EXPECT_TRUE(only(kind::to_client).msg.body.contains("result"));
}

TEST_F(PoolSession, AFailedMembersQuestionsToTheClientAreWithdrawnAndTheirNumberIsBounded) {
  opts.max_client_requests = 1;
  s.emplace(cat, opts);
  all_up();
  s->from_member(0, msg(R"({"jsonrpc":"2.0","id":"q","method":"elicitation/create","params":{}})"));
  const auto q = only(kind::to_client).msg;
  s->from_member(1, msg(R"({"jsonrpc":"2.0","id":"r","method":"roots/list"})"));
  const auto refused = only(kind::to_member);
  EXPECT_EQ(refused.member, 1u);
  EXPECT_EQ(refused.msg.body.at("error").at("code"), gateway::code_too_many);
  s->member_failed(0, "gone");
  const auto c = only(kind::to_client).msg;
  EXPECT_EQ(c.method(), "notifications/cancelled");
  EXPECT_EQ(c.body.at("params").at("requestId"), q.id());
  EXPECT_EQ(s->client_requests(), 0u);
}

TEST_F(PoolSession, CancellingARequestStillWaitingForItsMemberNeverReachesIt) {
  s->from_client(msg(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"jira_search"}})"));
  s->from_client(msg(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}})"));
  EXPECT_TRUE(drain().empty());
  s->member_up(1, json::parse(R"({"capabilities":{}})").as_object());
  EXPECT_TRUE(drain().empty());
  EXPECT_EQ(s->in_flight(), 0u);
}

TEST_F(PoolSession, AFanOutIsAnsweredByItsFirstErrorAndOnlyOnce) {
  s->member_up(0, json::parse(R"({"capabilities":{"logging":{}}})").as_object());
  s->member_up(1, json::parse(R"({"capabilities":{"logging":{}}})").as_object());
  drain();
  s->from_client(msg(R"({"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{"level":"bogus"}})"));
  auto acts = drain();
  ASSERT_EQ(acts.size(), 2u);
  s->from_member(0, msg(R"({"jsonrpc":"2.0","id":)" + json::serialize(acts[0].msg.id()) +
                        R"(,"error":{"code":-32602,"message":"bad level"}})"));
  const auto e = only(kind::to_client).msg;
  EXPECT_EQ(e.id(), json::value(1));
  EXPECT_EQ(e.body.at("error").at("message"), "bad level");
  s->from_member(1, msg(answer_to(acts[1], "{}")));
  EXPECT_TRUE(drain().empty());
  EXPECT_EQ(s->dropped_from_member(1), 0u);
}

}  // namespace
