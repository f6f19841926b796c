#include "gateway/catalog.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <string>
#include <vector>

namespace {
namespace json = boost::json;
using gateway::list_kind;

json::array arr(std::string_view text) {
  return json::parse(text).as_array();
}

// A tools array of bare tools with these names.
json::array tools(std::initializer_list<std::string_view> names) {
  json::array out;
  for (auto n : names) {
    out.push_back(json::object{{"name", n}, {"inputSchema", json::object{{"type", "object"}}}});
  }
  return out;
}

// The exposed entries' `key` fields, in order, from one page holding them all.
std::vector<std::string> names(const gateway::catalog& c, list_kind k = list_kind::tools,
                               std::string_view key = "name") {
  std::vector<std::string> out;
  auto p = c.page(k, std::nullopt, 1000);
  EXPECT_TRUE(p);
  for (const auto& item : p->items) {
    out.emplace_back(item.at(key).as_string());
  }
  return out;
}

gateway::member_spec member(std::string name) {
  return {.name = std::move(name)};
}

using strings = std::vector<std::string>;

TEST(Catalog, ToolsAreExposedAsMemberPrefixPlusNameAndRouteBackToTheirMember) {
  gateway::catalog c({member("github"), member("jira")}, gateway::conflict_resolution::prefix);
  c.set_member_list(0, list_kind::tools, tools({"search", "get_issue"}));
  c.set_member_list(1, list_kind::tools, tools({"search"}));
  c.rebuild();
  EXPECT_EQ(names(c), (strings{"github_search", "github_get_issue", "jira_search"}));
  const auto r = c.route_tool("jira_search");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->member, 1u);
  EXPECT_EQ(r->name, "search");
  EXPECT_EQ(c.route_tool("github_get_issue")->name, "get_issue");
  EXPECT_FALSE(c.route_tool("search"));  // the unprefixed name is not exposed
  EXPECT_TRUE(c.conflicts().empty());
  EXPECT_EQ(c.members()[0].exposed[0], 2u);
  EXPECT_EQ(c.members()[1].exposed[0], 1u);
}

TEST(Catalog, PromptsArePrefixedLikeTools) {
  gateway::catalog c({member("a")}, gateway::conflict_resolution::prefix);
  c.set_member_list(0, list_kind::prompts, arr(R"([{"name":"greet","arguments":[{"name":"who"}]}])"));
  c.rebuild();
  EXPECT_EQ(names(c, list_kind::prompts), (strings{"a_greet"}));
  EXPECT_EQ(c.route_prompt("a_greet")->name, "greet");
}

TEST(Catalog, RoutesByLookupSoACustomPrefixMayBeAnything) {
  // The exposed name cannot be split back at "_": the prefix has none, the member name has one.
  auto a = member("a");
  a.tool_prefix = "x.";
  auto b = member("b");
  b.tool_prefix = "";
  gateway::catalog c({a, b}, gateway::conflict_resolution::prefix);
  c.set_member_list(0, list_kind::tools, tools({"do_it"}));
  c.set_member_list(1, list_kind::tools, tools({"a_do_it"}));
  c.rebuild();
  EXPECT_EQ(names(c), (strings{"x.do_it", "a_do_it"}));
  EXPECT_EQ(c.route_tool("x.do_it")->member, 0u);
  EXPECT_EQ(c.route_tool("a_do_it")->member, 1u);
  EXPECT_EQ(c.route_tool("a_do_it")->name, "a_do_it");
}

TEST(Catalog, IncludeAndExcludeGlobsChooseWhichToolsAreExposed) {
  auto m = member("fs");
  m.include = {"read_*", "list?"};
  m.exclude = {"*_secret"};
  gateway::catalog c({m}, gateway::conflict_resolution::prefix);
  c.set_member_list(0, list_kind::tools, tools({"read_file", "read_secret", "write_file", "lists", "list", "listed"}));
  c.rebuild();
  EXPECT_EQ(names(c), (strings{"fs_read_file", "fs_lists"}));
  EXPECT_EQ(c.members()[0].tools_filtered, 4u);
  EXPECT_EQ(c.members()[0].listed[0], 6u);
  EXPECT_FALSE(c.route_tool("fs_write_file"));
}

TEST(Catalog, ExcludeAloneKeepsEveryOtherTool) {
  auto m = member("fs");
  m.exclude = {"delete_*"};
  gateway::catalog c({m}, gateway::conflict_resolution::prefix);
  c.set_member_list(0, list_kind::tools, tools({"read", "delete_all"}));
  c.rebuild();
  EXPECT_EQ(names(c), (strings{"fs_read"}));
}

TEST(Catalog, GlobsMatchStarAndQuestionMarkOverTheWholeName) {
  using gateway::glob_match;
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("*", "anything"));
  EXPECT_TRUE(glob_match("a*b*c", "aXbYbZc"));
  EXPECT_TRUE(glob_match("?ead", "read"));
  EXPECT_TRUE(glob_match("exact", "exact"));
  EXPECT_FALSE(glob_match("exact", "exactly"));
  EXPECT_FALSE(glob_match("read", "rea"));
  EXPECT_FALSE(glob_match("?", ""));
  EXPECT_FALSE(glob_match("a*b", "a_b_c"));
  EXPECT_TRUE(glob_match("**x", "x"));
}

TEST(Catalog, ADisabledMemberContributesNothing) {
  auto off = member("off");
  off.enabled = false;
  gateway::catalog c({off, member("on")}, gateway::conflict_resolution::priority);
  c.set_member_list(0, list_kind::tools, tools({"t"}));
  c.set_member_list(0, list_kind::resources, arr(R"([{"uri":"file:///x","name":"x"}])"));
  c.set_member_list(1, list_kind::tools, tools({"t", "u"}));
  c.rebuild();
  EXPECT_EQ(names(c), (strings{"t", "u"}));
  EXPECT_EQ(c.route_tool("t")->member, 1u);
  EXPECT_FALSE(c.route_resource("file:///x"));
  EXPECT_TRUE(c.conflicts().empty());
  EXPECT_FALSE(c.members()[0].enabled);
  EXPECT_EQ(c.members()[0].exposed[0], 0u);
}

TEST(Catalog, PriorityExposesNamesUnprefixedAndTheFirstMemberWinsAConflict) {
  gateway::catalog c({member("a"), member("b"), member("c")}, gateway::conflict_resolution::priority);
  c.set_member_list(0, list_kind::tools, tools({"search"}));
  c.set_member_list(1, list_kind::tools, tools({"search", "fetch"}));
  c.set_member_list(2, list_kind::tools, tools({"fetch", "search"}));
  c.rebuild();
  EXPECT_EQ(names(c), (strings{"search", "fetch"}));
  EXPECT_EQ(c.route_tool("search")->member, 0u);
  EXPECT_EQ(c.route_tool("fetch")->member, 1u);
  ASSERT_EQ(c.conflicts().size(), 2u);
  const auto& search = c.conflicts()[0];
  EXPECT_EQ(search.kind, list_kind::tools);
  EXPECT_EQ(search.name, "search");
  EXPECT_EQ(search.winner, 0u);
  EXPECT_EQ(search.losers, (std::vector<std::size_t>{1, 2}));
  const auto& fetch = c.conflicts()[1];
  EXPECT_EQ(fetch.name, "fetch");
  EXPECT_EQ(fetch.winner, 1u);
  EXPECT_EQ(fetch.losers, (std::vector<std::size_t>{2}));
  EXPECT_EQ(c.members()[2].conflicts_lost, 2u);
  EXPECT_EQ(c.members()[2].exposed[0], 0u);
}

TEST(Catalog, CustomPrefixesThatStillCollideDropTheLaterMembersToolAndReportIt) {
  auto a = member("a");
  a.tool_prefix = "x_";
  auto b = member("b");
  b.tool_prefix = "x_y";
  gateway::catalog c({a, b}, gateway::conflict_resolution::prefix);
  c.set_member_list(0, list_kind::tools, tools({"y_go", "other"}));
  c.set_member_list(1, list_kind::tools, tools({"_go", "more"}));
  c.rebuild();
  EXPECT_EQ(names(c), (strings{"x_y_go", "x_other", "x_ymore"}));
  EXPECT_EQ(c.route_tool("x_y_go")->member, 0u);
  EXPECT_EQ(c.route_tool("x_y_go")->name, "y_go");
  ASSERT_EQ(c.conflicts().size(), 1u);
  EXPECT_EQ(c.conflicts()[0].name, "x_y_go");
  EXPECT_EQ(c.conflicts()[0].winner, 0u);
  EXPECT_EQ(c.conflicts()[0].losers, (std::vector<std::size_t>{1}));
}

TEST(Catalog, ResourcesKeepTheirUriAndTheFirstMemberServingAUriWins) {
  gateway::catalog c({member("a"), member("b")}, gateway::conflict_resolution::prefix);
  c.set_member_list(0, list_kind::resources, arr(R"([{"uri":"file:///readme","name":"readme"}])"));
  c.set_member_list(1, list_kind::resources,
                    arr(R"([{"uri":"file:///readme","name":"theirs"},{"uri":"db://t/1","name":"row"}])"));
  c.rebuild();
  EXPECT_EQ(names(c, list_kind::resources, "uri"), (strings{"file:///readme", "db://t/1"}));
  EXPECT_EQ(names(c, list_kind::resources), (strings{"readme", "row"}));  // names are not prefixed
  EXPECT_EQ(c.route_resource("file:///readme")->member, 0u);
  EXPECT_EQ(c.route_resource("db://t/1")->member, 1u);
  EXPECT_EQ(c.route_resource("db://t/1")->name, "db://t/1");
  ASSERT_EQ(c.conflicts().size(), 1u);
  EXPECT_EQ(c.conflicts()[0].kind, list_kind::resources);
  EXPECT_EQ(c.conflicts()[0].name, "file:///readme");
}

TEST(Catalog, AnUnlistedUriGoesToTheMemberWhoseTemplateHasTheLongestLiteralPrefix) {
  gateway::catalog c({member("wide"), member("narrow"), member("exact")}, gateway::conflict_resolution::prefix);
  c.set_member_list(0, list_kind::resource_templates, arr(R"([{"uriTemplate":"repo://{owner}/{name}","name":"r"}])"));
  c.set_member_list(1, list_kind::resource_templates,
                    arr(R"([{"uriTemplate":"repo://acme/{name}","name":"acme"},
                             {"uriTemplate":"repo://{x}","name":"dup"}])"));
  c.set_member_list(2, list_kind::resource_templates, arr(R"([{"uriTemplate":"repo://acme/fixed","name":"f"}])"));
  c.set_member_list(2, list_kind::resources, arr(R"([{"uri":"repo://acme/listed","name":"l"}])"));
  c.rebuild();
  EXPECT_EQ(names(c, list_kind::resource_templates, "uriTemplate"),
            (strings{"repo://{owner}/{name}", "repo://acme/{name}", "repo://{x}", "repo://acme/fixed"}));
  EXPECT_EQ(c.route_resource("repo://other/x")->member, 0u);  // "repo://" ties: the first template
  EXPECT_EQ(c.route_resource("repo://acme/x")->member, 1u);
  EXPECT_EQ(c.route_resource("repo://acme/fixed")->member, 2u);  // a template without `{` is itself
  EXPECT_EQ(c.route_resource("repo://acme/fixedX")->member, 1u);
  EXPECT_EQ(c.route_resource("repo://acme/listed")->member, 2u);  // a listed URI before any template
  EXPECT_FALSE(c.route_resource("file:///nothing"));
  EXPECT_EQ(c.route_template("repo://acme/{name}")->member, 1u);
  EXPECT_EQ(gateway::literal_prefix("repo://{a}/{b}"), "repo://");
}

TEST(Catalog, InvalidEntriesAreDroppedAndReportedForTheirMember) {
  gateway::catalog c({member("bad"), member("good")}, gateway::conflict_resolution::prefix);
  const std::string long_name(129, 'n');
  const std::string max_name(128, 'm');
  json::array list = arr(R"([42, {"description":"no name"}, {"name":7}, {"name":""}, {"name":"ok"}, {"name":"ok"}])");
  list.push_back(json::object{{"name", long_name}});
  list.push_back(json::object{{"name", max_name}});  // fits, but not with "bad_" before it
  c.set_member_list(0, list_kind::tools, std::move(list));
  c.set_member_list(0, list_kind::resources, arr(R"([{"name":"no uri"},{"uri":"u://1"},{"uri":"u://1"}])"));
  c.set_member_list(1, list_kind::tools, tools({"fine"}));
  c.rebuild();
  EXPECT_EQ(names(c), (strings{"bad_ok", "good_fine"}));
  EXPECT_EQ(names(c, list_kind::resources, "uri"), (strings{"u://1"}));
  const auto& bad = c.members()[0];
  EXPECT_EQ(bad.listed[0], 8u);
  EXPECT_EQ(bad.exposed[0], 1u);
  EXPECT_EQ(bad.invalid_count, 9u);
  ASSERT_EQ(bad.invalid.size(), 9u);
  using why = gateway::invalid_reason;
  const std::vector<why> reasons{why::not_an_object, why::missing_name, why::missing_name,
                                 why::missing_name,  why::duplicate,    why::name_too_long,
                                 why::exposed_name_too_long, why::missing_name, why::duplicate};
  for (std::size_t i = 0; i < reasons.size(); ++i) {
    EXPECT_EQ(bad.invalid[i].reason, reasons[i]) << i;
  }
  EXPECT_EQ(bad.invalid[4].position, 5u);
  EXPECT_EQ(bad.invalid[4].name, "ok");
  EXPECT_EQ(bad.invalid[5].name.size(), 128u);  // reported names are bounded
  EXPECT_EQ(bad.invalid[8].kind, list_kind::resources);
  EXPECT_EQ(c.members()[1].invalid_count, 0u);
}

TEST(Catalog, AFloodOfInvalidEntriesIsCountedButOnlyTheFirstAreKept) {
  gateway::catalog c({member("m")}, gateway::conflict_resolution::prefix);
  json::array list(1000, json::value(nullptr));
  c.set_member_list(0, list_kind::tools, std::move(list));
  c.rebuild();
  EXPECT_EQ(c.members()[0].invalid_count, 1000u);
  EXPECT_EQ(c.members()[0].invalid.size(), gateway::max_reported_invalid);
  EXPECT_EQ(c.size(list_kind::tools), 0u);
}

TEST(Catalog, EveryFieldButTheNameReachesTheClientUnchanged) {
  const auto tool = json::parse(R"({"title":"Search","name":"search","description":"Find things",
    "inputSchema":{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]},
    "outputSchema":{"type":"object"},"annotations":{"readOnlyHint":true},"_meta":{"x":[1,2]},"icons":[]})");
  gateway::catalog c({member("gh")}, gateway::conflict_resolution::prefix);
  c.set_member_list(0, list_kind::tools, json::array{tool});
  c.set_member_list(0, list_kind::resource_templates,
                    arr(R"([{"uriTemplate":"gh://{repo}","name":"repo","mimeType":"text/plain"}])"));
  c.rebuild();
  auto p = c.page(list_kind::tools, std::nullopt, 10);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->items.size(), 1u);
  auto expected = tool.as_object();
  expected["name"] = "gh_search";
  EXPECT_EQ(json::serialize(p->items[0]), json::serialize(expected));  // same fields, same order
  auto t = c.page(list_kind::resource_templates, std::nullopt, 10);
  EXPECT_EQ(json::serialize(t->items), R"([{"uriTemplate":"gh://{repo}","name":"repo","mimeType":"text/plain"}])");
}

TEST(Catalog, PagesCoverTheWholeListInOrderAndEndWithoutACursor) {
  gateway::catalog c({member("a"), member("b")}, gateway::conflict_resolution::priority);
  c.set_member_list(0, list_kind::tools, tools({"t1", "t2", "t3"}));
  c.set_member_list(1, list_kind::tools, tools({"t4", "t5"}));
  c.rebuild();
  strings seen;
  std::optional<std::string> cursor;
  int pages = 0;
  do {
    auto p = c.page(list_kind::tools, cursor, 2);
    ASSERT_TRUE(p) << p.error().message();
    EXPECT_LE(p->items.size(), 2u);
    for (const auto& item : p->items) {
      seen.emplace_back(item.at("name").as_string());
    }
    cursor = p->next_cursor;
    ++pages;
  } while (cursor);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (strings{"t1", "t2", "t3", "t4", "t5"}));
  // Exactly one page: no cursor.
  EXPECT_FALSE(c.page(list_kind::tools, std::nullopt, 5)->next_cursor);
  // An empty list is one empty page.
  auto empty = c.page(list_kind::prompts, std::nullopt, 5);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->items.empty());
  EXPECT_FALSE(empty->next_cursor);
}

TEST(Catalog, ACursorFromBeforeTheListChangedIsRefusedAsInvalidParams) {
  gateway::catalog c({member("a"), member("b")}, gateway::conflict_resolution::priority);
  c.set_member_list(0, list_kind::tools, tools({"t1", "t2", "t3"}));
  c.set_member_list(1, list_kind::prompts, arr(R"([{"name":"p"}])"));
  c.rebuild();
  const auto first = c.page(list_kind::tools, std::nullopt, 2);
  ASSERT_TRUE(first && first->next_cursor);
  const auto generation = c.generation();

  // Another kind changes: this list's pages are the same, so its cursor still holds.
  c.set_member_list(1, list_kind::prompts, arr(R"([{"name":"q"}])"));
  c.rebuild();
  EXPECT_GT(c.generation(), generation);
  EXPECT_TRUE(c.page(list_kind::tools, *first->next_cursor, 2));

  // A tool is inserted before the cursor: the next page would repeat t2.
  c.set_member_list(0, list_kind::tools, tools({"t0", "t1", "t2", "t3"}));
  c.rebuild();
  const auto stale = c.page(list_kind::tools, *first->next_cursor, 2);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error(), gateway::error::stale_cursor);
  EXPECT_EQ(gateway::jsonrpc_code(gateway::error::stale_cursor), -32602);
}

TEST(Catalog, ACursorThatIsGarbageOrForAnotherListIsRefused) {
  gateway::catalog c({member("a")}, gateway::conflict_resolution::priority);
  c.set_member_list(0, list_kind::tools, tools({"t1", "t2", "t3"}));
  c.set_member_list(0, list_kind::prompts, arr(R"([{"name":"p1"},{"name":"p2"},{"name":"p3"}])"));
  c.rebuild();
  const auto tools_cursor = *c.page(list_kind::tools, std::nullopt, 1)->next_cursor;
  for (const std::string_view bad :
       {"", "garbage", "c0", "c9", "c00000000000000000", "c0zzzzzzzzzzzzzzzz1",
        "c0000000000000000000000000000000000"}) {
    const auto p = c.page(list_kind::tools, bad, 1);
    ASSERT_FALSE(p) << bad;
    EXPECT_EQ(p.error(), gateway::error::invalid_cursor) << bad;
  }
  const auto other = c.page(list_kind::prompts, tools_cursor, 1);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error(), gateway::error::invalid_cursor);
  // The right list's cursor, but an offset past its end.
  auto past_end = tools_cursor;
  past_end.back() = 'f';
  EXPECT_EQ(c.page(list_kind::tools, past_end, 1).error(), gateway::error::invalid_cursor);
  EXPECT_EQ(gateway::jsonrpc_code(gateway::error::invalid_cursor), -32602);
}

TEST(Catalog, RebuildingAfterOneMemberChangesKeepsTheOthersLists) {
  gateway::catalog c({member("a"), member("b")}, gateway::conflict_resolution::prefix);
  c.set_member_list(0, list_kind::tools, tools({"x"}));
  c.set_member_list(1, list_kind::tools, tools({"y"}));
  c.set_member_list(1, list_kind::resources, arr(R"([{"uri":"b://1"}])"));
  c.rebuild();
  c.set_member_list(0, list_kind::tools, tools({"x", "z"}));  // a's notifications/tools/list_changed
  c.rebuild();
  EXPECT_EQ(names(c), (strings{"a_x", "a_z", "b_y"}));
  EXPECT_EQ(c.route_resource("b://1")->member, 1u);
  EXPECT_EQ(c.generation(), 2u);
  // A member that goes away leaves the others in place.
  c.clear_member(0);
  c.rebuild();
  EXPECT_EQ(names(c), (strings{"b_y"}));
  EXPECT_FALSE(c.route_tool("a_x"));
  EXPECT_FALSE(c.set_member_list(2, list_kind::tools, tools({"q"})));
  EXPECT_EQ(c.member_index("b"), 1u);
  EXPECT_FALSE(c.member_index("c"));
}

TEST(Catalog, StatusGetsABoundedListOfToolNames) {
  gateway::catalog c({member("a")}, gateway::conflict_resolution::prefix);
  c.set_member_list(0, list_kind::tools, tools({"t1", "t2", "t3"}));
  c.rebuild();
  EXPECT_EQ(c.tools_for_status(2), (strings{"a_t1", "a_t2"}));
  EXPECT_EQ(c.tools_for_status(10), (strings{"a_t1", "a_t2", "a_t3"}));
  EXPECT_EQ(c.size(list_kind::tools), 3u);
}

}  // namespace
