#!/usr/bin/env bash
# Shared helpers for the benchmark scripts (sourced). Builds nothing the tests need.
source "$(dirname "${BASH_SOURCE[0]}")/../hack/lib.sh"
BENCH_DIR="$REPO_ROOT/bench"

# bench_python: prints the path of a Python with bench/requirements.txt installed, creating a
# venv cached in $MCP_CACHE keyed by the requirements' hash (PyPI through pip only).
bench_python() {
  local key; key=$(sha256sum < "$BENCH_DIR/requirements.txt" | cut -c1-16)
  local venv="$MCP_CACHE/bench-venv-$key"
  if [[ ! -f "$venv/.complete" ]]; then
    log "creating the benchmark venv in $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$BENCH_DIR/requirements.txt" >&2
    touch "$venv/.complete"
  fi
  echo "$venv/bin/python"
}
