// The command line of kubectl-mcp, parsed without touching the cluster: which command, its
// arguments, and the flags kubectl users expect (-n, -A, --context, --kubeconfig, -o). Parsing
// is pure so every accepted and refused command line is unit-tested; help and usage errors
// come back as text and an exit status for main() to print.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kubectl_mcp {

enum class command { get, tools, call, describe, logs, completion, version };
enum class output_format { table, wide, json, yaml, name };

struct global_flags {
  std::string kubeconfig;  // --kubeconfig; empty: $KUBECONFIG, ~/.kube/config, in-cluster
  std::string context;     // --context; empty: the kubeconfig's current context
  std::string ns;          // -n; empty: the context's namespace
  bool all_namespaces = false;
  output_format output = output_format::table;
  std::chrono::seconds request_timeout{60};
};

struct invocation {
  command cmd = command::get;
  global_flags flags;
  std::string name;                                       // the MCPServer or MCPPool (get: optional)
  std::string tool;                                       // call
  std::vector<std::pair<std::string, std::string>> args;  // call --arg k=v, in order
  std::optional<std::string> json_args;                   // call --json '{...}'
  bool follow = false;                                    // logs -f
  std::string container;                                  // logs -c (bridge, server or a container name)
  std::optional<std::int64_t> tail;                       // logs --tail
  std::string shell;                                      // completion bash|zsh
};

// What parsing decided: run `inv`, or print `text` (help: stdout, exit 0; usage error:
// stderr, exit_code 2).
struct parse_result {
  std::optional<invocation> inv;
  std::string text;
  int exit_code = 0;
};

// argv without the program name.
parse_result parse_command_line(const std::vector<std::string>& args);

}  // namespace kubectl_mcp
