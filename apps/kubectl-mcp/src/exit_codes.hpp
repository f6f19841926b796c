// kubectl-mcp's exit statuses, documented in docs/kubectl-mcp.md: scripts branch on them, so
// a value never changes meaning.
#pragma once

namespace kubectl_mcp::exit_code {

inline constexpr int ok = 0;
inline constexpr int tool_error = 1;      // the tool ran and answered isError: true
inline constexpr int usage = 2;           // the command line was refused
inline constexpr int not_found = 3;       // no such MCPServer/MCPPool (or tool)
inline constexpr int not_ready = 4;       // the server has no ready replica to call
inline constexpr int forbidden = 5;       // the apiserver refused (RBAC) or did not authenticate
inline constexpr int transport = 6;       // the apiserver or the server could not be reached, or answered nonsense
inline constexpr int protocol_error = 7;  // the MCP server answered a JSON-RPC error (bad arguments, unknown tool)

}  // namespace kubectl_mcp::exit_code
