#include <gtest/gtest.h>

#include "cli.hpp"
#include "exit_codes.hpp"

namespace kubectl_mcp {
namespace {

parse_result parse(std::initializer_list<std::string> args) {
  return parse_command_line(std::vector<std::string>(args));
}

TEST(KubectlMcpCommandLine, KubectlFlagsGoBeforeOrAfterTheCommand) {
  auto a = parse({"get", "-n", "team-a", "--context", "prod", "-o", "wide"});
  ASSERT_TRUE(a.inv) << a.text;
  EXPECT_EQ(a.inv->cmd, command::get);
  EXPECT_EQ(a.inv->flags.ns, "team-a");
  EXPECT_EQ(a.inv->flags.context, "prod");
  EXPECT_EQ(a.inv->flags.output, output_format::wide);
  auto b = parse({"--kubeconfig", "/tmp/kc", "-n", "x", "describe", "echo"});
  ASSERT_TRUE(b.inv) << b.text;
  EXPECT_EQ(b.inv->cmd, command::describe);
  EXPECT_EQ(b.inv->flags.kubeconfig, "/tmp/kc");
  EXPECT_EQ(b.inv->name, "echo");
}

TEST(KubectlMcpCommandLine, CallTakesArgsInOrderOrOneJsonObject) {
  auto a = parse({"call", "echo", "echo", "--arg", "message=hi=there", "--arg", "n=5"});
  ASSERT_TRUE(a.inv) << a.text;
  EXPECT_EQ(a.inv->tool, "echo");
  ASSERT_EQ(a.inv->args.size(), 2u);
  EXPECT_EQ(a.inv->args[0], (std::pair<std::string, std::string>{"message", "hi=there"}));
  EXPECT_EQ(a.inv->args[1], (std::pair<std::string, std::string>{"n", "5"}));
  auto b = parse({"call", "echo", "add", "--json", R"({"a":1})"});
  ASSERT_TRUE(b.inv) << b.text;
  EXPECT_EQ(b.inv->json_args, R"({"a":1})");
}

TEST(KubectlMcpCommandLine, RefusesWhatKubectlUsersWouldMistypeWithOneLine) {
  auto no_eq = parse({"call", "echo", "echo", "--arg", "message"});
  EXPECT_FALSE(no_eq.inv);
  EXPECT_EQ(no_eq.exit_code, exit_code::usage);
  EXPECT_NE(no_eq.text.find("--arg 'message' is not KEY=VALUE"), std::string::npos) << no_eq.text;
  auto both = parse({"call", "echo", "echo", "--arg", "a=b", "--json", "{}"});
  EXPECT_EQ(both.exit_code, exit_code::usage);
  auto fmt = parse({"get", "-o", "table"});
  EXPECT_NE(fmt.text.find("output format 'table'"), std::string::npos) << fmt.text;
  auto all = parse({"tools", "echo", "-A"});
  EXPECT_NE(all.text.find("-A/--all-namespaces is only for get"), std::string::npos) << all.text;
  auto missing = parse({"call", "echo"});
  EXPECT_EQ(missing.exit_code, exit_code::usage);
  EXPECT_NE(missing.text.find("kubectl mcp call --help"), std::string::npos) << missing.text;
  auto none = parse({});
  EXPECT_EQ(none.exit_code, exit_code::usage);
  auto timeout = parse({"get", "--request-timeout", "5x"});
  EXPECT_EQ(timeout.exit_code, exit_code::usage);
}

TEST(KubectlMcpCommandLine, HelpPerCommandIsPrintedWithStatusZero) {
  auto h = parse({"call", "--help"});
  EXPECT_FALSE(h.inv);
  EXPECT_EQ(h.exit_code, exit_code::ok);
  EXPECT_NE(h.text.find("--arg"), std::string::npos) << h.text;
  EXPECT_NE(h.text.find("services/proxy"), std::string::npos) << h.text;
  auto top = parse({"--help"});
  EXPECT_NE(top.text.find("describe"), std::string::npos) << top.text;
}

TEST(KubectlMcpCommandLine, LogsAndCompletionAndTimeouts) {
  auto l = parse({"logs", "echo", "-f", "-c", "bridge", "--tail", "20", "--request-timeout", "2m"});
  ASSERT_TRUE(l.inv) << l.text;
  EXPECT_TRUE(l.inv->follow);
  EXPECT_EQ(l.inv->container, "bridge");
  EXPECT_EQ(l.inv->tail, 20);
  EXPECT_EQ(l.inv->flags.request_timeout, std::chrono::seconds(120));
  auto c = parse({"completion", "zsh"});
  ASSERT_TRUE(c.inv) << c.text;
  EXPECT_EQ(c.inv->shell, "zsh");
  EXPECT_EQ(parse({"completion", "fish"}).exit_code, exit_code::usage);
  auto all = parse({"get", "-A", "-o", "json"});
  ASSERT_TRUE(all.inv) << all.text;
  EXPECT_TRUE(all.inv->flags.all_namespaces);
  EXPECT_EQ(all.inv->flags.output, output_format::json);
}

}  // namespace
}  // namespace kubectl_mcp
