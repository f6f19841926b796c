#include "cli.hpp"

#include <CLI/CLI.hpp>

#include "exit_codes.hpp"

namespace kubectl_mcp {

namespace {

std::optional<output_format> output_of(const std::string& s) {
  if (s.empty())
    return output_format::table;
  if (s == "wide")
    return output_format::wide;
  if (s == "json")
    return output_format::json;
  if (s == "yaml")
    return output_format::yaml;
  if (s == "name")
    return output_format::name;
  return std::nullopt;
}

// kubectl's --request-timeout: "0" (none), "30", "30s", "2m", "1h".
std::optional<std::chrono::seconds> duration_of(const std::string& s) {
  if (s.empty())
    return std::nullopt;
  std::size_t used = 0;
  long long n = 0;
  try {
    n = std::stoll(s, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (n < 0)
    return std::nullopt;
  std::string unit = s.substr(used);
  if (unit.empty() || unit == "s")
    return std::chrono::seconds(n);
  if (unit == "m")
    return std::chrono::seconds(n * 60);
  if (unit == "h")
    return std::chrono::seconds(n * 3600);
  return std::nullopt;
}

parse_result usage_error(const std::string& what, const std::string& cmd) {
  std::string hint = cmd.empty() ? "kubectl mcp --help" : "kubectl mcp " + cmd + " --help";
  return {std::nullopt, "error: " + what + "\nSee '" + hint + "' for usage.\n", exit_code::usage};
}

// CLI11 prints "[Option Group: ...]" and similar; kubectl users read one line per error.
std::string first_line(std::string s) {
  if (auto nl = s.find('\n'); nl != std::string::npos)
    s.resize(nl);
  return s;
}

}  // namespace

parse_result parse_command_line(const std::vector<std::string>& args) {
  invocation inv;
  std::string output;
  std::string timeout = "60s";
  CLI::App app{"kubectl mcp: see, call and follow MCP servers (MCPServer, MCPPool) the way you use kubectl.",
               "kubectl mcp"};
  app.fallthrough();  // kubectl's flags go anywhere: `kubectl mcp get -n ns` and `kubectl mcp -n ns get`
  app.require_subcommand(1);
  app.set_version_flag("--version", "kubectl-mcp");
  app.add_option("-n,--namespace", inv.flags.ns, "The namespace (default: the context's)");
  app.add_flag("-A,--all-namespaces", inv.flags.all_namespaces, "List across all namespaces (get)");
  app.add_option("--context", inv.flags.context, "The kubeconfig context to use");
  app.add_option("--kubeconfig", inv.flags.kubeconfig, "Path to the kubeconfig file (default: $KUBECONFIG)");
  app.add_option("-o,--output", output, "Output format: json|yaml|wide|name");
  app.add_option("--request-timeout", timeout, "How long one request may take (e.g. 30s, 2m; 0: no limit)");

  auto* get = app.add_subcommand("get", "List MCPServers and MCPPools: phase, ready, tools, verified, url");
  get->add_option("NAME", inv.name, "Only the MCPServer or MCPPool of this name");
  auto* tools = app.add_subcommand("tools", "List a server's (or pool's) tools, fetched live through the apiserver");
  tools->add_option("NAME", inv.name, "The MCPServer or MCPPool")->required();
  auto* call = app.add_subcommand("call", "Call a tool through the apiserver's service proxy (RBAC: services/proxy)");
  call->add_option("NAME", inv.name, "The MCPServer or MCPPool")->required();
  call->add_option("TOOL", inv.tool, "The tool to call")->required();
  std::vector<std::string> raw_args;
  auto* arg_opt = call->add_option("--arg", raw_args, "An argument KEY=VALUE (repeatable); typed by the tool's schema");
  std::string json_args;
  auto* json_opt = call->add_option("--json", json_args, "All arguments as one JSON object");
  arg_opt->excludes(json_opt);
  auto* describe = app.add_subcommand("describe", "Show spec, conditions, members, verification, pods and events");
  describe->add_option("NAME", inv.name, "The MCPServer or MCPPool")->required();
  auto* logs = app.add_subcommand("logs", "Print the logs of the server's pods (every replica, prefixed)");
  logs->add_option("NAME", inv.name, "The MCPServer or MCPPool")->required();
  logs->add_flag("-f,--follow", inv.follow, "Keep streaming new lines");
  logs->add_option("-c,--container", inv.container, "bridge, server, or a container name (default: all)");
  std::int64_t tail = -1;
  logs->add_option("--tail", tail, "Lines of recent log to show per container (default: all)");
  auto* completion = app.add_subcommand("completion", "Print a shell completion script (bash or zsh)");
  completion->add_option("SHELL", inv.shell, "bash or zsh")->required()->check(CLI::IsMember({"bash", "zsh"}));
  auto* version = app.add_subcommand("version", "Print the plugin's version");

  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 parses a reversed vector
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    return {std::nullopt, app.help(), exit_code::ok};
  } catch (const CLI::CallForVersion&) {
    inv.cmd = command::version;
    return {inv, {}, exit_code::ok};
  } catch (const CLI::ParseError& e) {
    std::string cmd;
    for (const auto* sub : app.get_subcommands())
      cmd = sub->get_name();
    return usage_error(first_line(e.what()), cmd);
  }
  const auto* chosen = app.get_subcommands().front();
  const std::string cmd = chosen->get_name();
  inv.cmd = chosen == get        ? command::get
            : chosen == tools    ? command::tools
            : chosen == call     ? command::call
            : chosen == describe ? command::describe
            : chosen == logs     ? command::logs
            : chosen == version  ? command::version
                                 : command::completion;
  auto fmt = output_of(output);
  if (!fmt)
    return usage_error("output format '" + output + "' is not one of json, yaml, wide, name", cmd);
  inv.flags.output = *fmt;
  if (*fmt == output_format::name && inv.cmd != command::get)
    return usage_error("-o name is only for get", cmd);
  auto t = duration_of(timeout);
  if (!t)
    return usage_error("--request-timeout '" + timeout + "' is not a duration like 30s, 2m or 0", cmd);
  inv.flags.request_timeout = *t;
  if (inv.flags.all_namespaces && inv.cmd != command::get)
    return usage_error("-A/--all-namespaces is only for get; name the namespace with -n", cmd);
  if (inv.flags.all_namespaces && !inv.name.empty())
    return usage_error("a name cannot be given with -A/--all-namespaces", cmd);
  for (const auto& a : raw_args) {
    auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0)
      return usage_error("--arg '" + a + "' is not KEY=VALUE", cmd);
    inv.args.emplace_back(a.substr(0, eq), a.substr(eq + 1));
  }
  if (*json_opt)
    inv.json_args = json_args;
  if (tail >= 0)
    inv.tail = tail;
  return {inv, {}, exit_code::ok};
}

}  // namespace kubectl_mcp
