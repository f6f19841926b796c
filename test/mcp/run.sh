#!/usr/bin/env bash
# Runs one mcp-tier test with MCP_PEERS_DIR pointing at the peers `hack/deps.sh peers`
# installed (same hash rule, from hack/lib.sh). "python" runs the peers' venv interpreter.
set -euo pipefail
source "$(dirname "$0")/../../hack/lib.sh"
MCP_PEERS_DIR="$(peers_dir)"
export MCP_PEERS_DIR
if [[ ! -f "$MCP_PEERS_DIR/.complete" ]]; then
  echo "MCP peers missing in $MCP_PEERS_DIR: run 'hack/deps.sh peers' (or 'make deps')" >&2
  exit 1
fi
if [[ $1 == python ]]; then
  shift
  exec "$MCP_PEERS_DIR/venv/bin/python" "$@"
fi
exec "$@"
