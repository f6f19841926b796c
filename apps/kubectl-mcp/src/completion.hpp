// `kubectl mcp completion bash|zsh`: a completion script for the kubectl-mcp binary that
// completes commands and flags, and MCPServer/MCPPool names by asking the cluster
// (`kubectl-mcp get -o name`, honouring a -n given on the line). Pure.
#pragma once

#include <string>
#include <string_view>

namespace kubectl_mcp {

std::string completion_script(std::string_view shell);

}  // namespace kubectl_mcp
