#include "completion.hpp"

namespace kubectl_mcp {

namespace {

constexpr std::string_view commands = "get tools call describe logs completion version";
constexpr std::string_view global_flags =
    "-n --namespace -A --all-namespaces --context --kubeconfig -o --output --request-timeout --help";

// Shared by both shells (zsh runs it through bashcompinit).
std::string bash_body() {
  // clang-format off
  std::string s = R"SH(# kubectl-mcp completion (kubectl mcp completion bash)
_kubectl_mcp_names() {
  local ns_args=() i
  for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
    case "${COMP_WORDS[i]}" in
      -n|--namespace) ns_args+=(-n "${COMP_WORDS[i+1]}") ;;
      --context|--kubeconfig) ns_args+=("${COMP_WORDS[i]}" "${COMP_WORDS[i+1]}") ;;
    esac
  done
  kubectl-mcp get -o name "${ns_args[@]}" 2>/dev/null | sed 's|.*/||'
}

_kubectl_mcp() {
  local cur prev cmd i
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev="${COMP_WORDS[COMP_CWORD-1]}"
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "${COMP_WORDS[i]}" in
      -n|--namespace|--context|--kubeconfig|-o|--output|--request-timeout|-c|--container|--tail|--arg|--json) ((i++)) ;;
      -*) ;;
      *) cmd="${COMP_WORDS[i]}"; break ;;
    esac
  done
  case "$prev" in
    -o|--output) COMPREPLY=($(compgen -W "json yaml wide name" -- "$cur")); return ;;
    -c|--container) COMPREPLY=($(compgen -W "bridge server" -- "$cur")); return ;;
    -n|--namespace) COMPREPLY=($(compgen -W "$(kubectl get namespaces -o name 2>/dev/null | sed 's|.*/||')" -- "$cur")); return ;;
    --context|--kubeconfig|--request-timeout|--tail|--arg|--json) return ;;
  esac
  if [[ -z "$cmd" ]]; then
    COMPREPLY=($(compgen -W "@COMMANDS@ @FLAGS@" -- "$cur"))
    return
  fi
  case "$cmd" in
    completion) COMPREPLY=($(compgen -W "bash zsh" -- "$cur")) ;;
    call) COMPREPLY=($(compgen -W "$(_kubectl_mcp_names) --arg --json @FLAGS@" -- "$cur")) ;;
    logs) COMPREPLY=($(compgen -W "$(_kubectl_mcp_names) -f --follow -c --container --tail @FLAGS@" -- "$cur")) ;;
    get|tools|describe) COMPREPLY=($(compgen -W "$(_kubectl_mcp_names) @FLAGS@" -- "$cur")) ;;
  esac
}
complete -F _kubectl_mcp kubectl-mcp
)SH";
  // clang-format on
  auto replace_all = [&](std::string_view what, std::string_view with) {
    for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + with.size()))
      s.replace(at, what.size(), with);
  };
  replace_all("@COMMANDS@", commands);
  replace_all("@FLAGS@", global_flags);
  return s;
}

}  // namespace

std::string completion_script(std::string_view shell) {
  if (shell == "zsh")
    return "#compdef kubectl-mcp\nautoload -U +X bashcompinit && bashcompinit\n" + bash_body();
  return bash_body();
}

}  // namespace kubectl_mcp
