"""The Python SDK client (mcp, pinned in test/peers/requirements.txt) through mcp-bridge to
server-everything: the same feature walk as the TypeScript clients with the handshake
(mode="legacy"); and the stateless walk with mode="auto" (which must find 2026-07-28 through
`server/discover`) and pinned to 2026-07-28, where every request stands alone and is served
from the bridge's own initialized child. Sampling is only in the handshake walk: 2026-07-28
has no server-to-client requests."""

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import mcp_types as types
from mcp import Client

BRIDGE = os.environ["MCP_BRIDGE_BIN"]
PEERS = os.environ["MCP_PEERS_DIR"]
EVERYTHING = [os.path.join(PEERS, "node_modules/.bin/mcp-server-everything"), "stdio"]


# MCP_UPSTREAM_MODE=http: server-everything serves Streamable HTTP itself and the bridge
# fronts it (--upstream) instead of running it as a child.
HTTP_UPSTREAM = os.environ.get("MCP_UPSTREAM_MODE") == "http"


def start_http_everything():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    node = os.path.join(PEERS, "node_modules/.bin/node")
    proc = subprocess.Popen(
        [node, os.path.join(PEERS, "node_modules/.bin/mcp-server-everything"), "streamableHttp"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, "PORT": str(port)})
    deadline = time.monotonic() + 20
    while b"listening on port" not in proc.stderr.readline():
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise RuntimeError("server-everything (HTTP) did not start")
    threading.Thread(target=lambda: proc.stderr.read(), daemon=True).start()
    return proc, f"http://127.0.0.1:{port}/mcp"


def start_bridge():
    upstream = None
    if HTTP_UPSTREAM:
        upstream, url = start_http_everything()
        argv = [BRIDGE, "--port", "0", "--upstream", url]
    else:
        argv = [BRIDGE, "--port", "0", "--", *EVERYTHING]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.upstream = upstream
    deadline = time.monotonic() + 10
    port = None
    while port is None:
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("bridge did not start")
        line = proc.stderr.readline().decode()
        m = re.search(r"msg=listening .*port=(\d+)", line)
        if m:
            port = int(m.group(1))
    # Keep draining the bridge's log, or a full pipe would block it.
    threading.Thread(target=lambda: proc.stderr.read(), daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("bridge never became ready")
        time.sleep(0.1)
    return proc, base


def stop_bridge(proc):
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=15)
    out = proc.stdout.read()
    if proc.upstream is not None:
        proc.upstream.terminate()
        proc.upstream.wait(timeout=10)
    assert code == 0, f"bridge exit code {code}"
    assert out == b"", f"bridge wrote to stdout: {out!r}"


async def walk_stateless(url, mode):
    """A 2026-07-28 client (pinned, or "auto" finding 2026-07-28 through `server/discover`):
    no handshake, every request stands alone."""
    progress = []

    async def on_progress(p, total, message):
        progress.append(p)

    async with Client(url, mode=mode, read_timeout_seconds=30) as client:
        assert client.protocol_version == "2026-07-28", client.protocol_version
        names = [t.name for t in (await client.list_tools()).tools]
        assert "echo" in names and "get-sum" in names, names
        echo = await client.call_tool("echo", {"message": "stateless"})
        assert echo.content[0].text == "Echo: stateless", echo
        total = await client.call_tool("get-sum", {"a": 2, "b": 3})
        assert "5" in str(total.content), total
        resources = (await client.list_resources()).resources
        read = await client.read_resource(resources[0].uri)
        assert read.contents, read
        prompt = await client.get_prompt("simple-prompt")
        assert prompt.messages, prompt
        await client.call_tool(
            "trigger-long-running-operation", {"duration": 1, "steps": 4}, progress_callback=on_progress
        )
        assert len(progress) >= 3, f"progress notifications: {progress}"
        # Concurrent stateless calls share one child: each must get its own answer.
        results = await asyncio.gather(*(client.call_tool("echo", {"message": f"c{i}"}) for i in range(20)))
        assert [r.content[0].text for r in results] == [f"Echo: c{i}" for i in range(20)], results


async def walk(url, mode):
    sampled = []

    async def on_sampling(context, params):
        sampled.append(params)
        return types.CreateMessageResult(
            role="assistant", model="test-model", content=types.TextContent(type="text", text="sampled by python")
        )

    progress = []

    async def on_progress(p, total, message):
        progress.append(p)

    async with Client(url, mode=mode, sampling_callback=on_sampling, read_timeout_seconds=30) as client:
        names = [t.name for t in (await client.list_tools()).tools]
        for n in ("echo", "get-sum", "trigger-long-running-operation", "trigger-sampling-request"):
            assert n in names, f"tools/list lacks {n}: {names}"
        echo = await client.call_tool("echo", {"message": "from python"})
        assert echo.content[0].text == "Echo: from python", echo
        total = await client.call_tool("get-sum", {"a": 40, "b": 2})
        assert "42" in str(total.content), total
        resources = (await client.list_resources()).resources
        assert resources, "resources/list is empty"
        read = await client.read_resource(resources[0].uri)
        assert read.contents and str(read.contents[0].uri) == str(resources[0].uri), read
        prompt = await client.get_prompt("simple-prompt")
        assert prompt.messages, prompt
        await client.call_tool(
            "trigger-long-running-operation", {"duration": 1, "steps": 4}, progress_callback=on_progress
        )
        assert len(progress) >= 3, f"progress notifications: {progress}"
        result = await client.call_tool("trigger-sampling-request", {"prompt": "hi", "maxTokens": 5})
        assert len(sampled) == 1, "the server asked the client to sample once"
        assert "sampled by python" in str(result.content), result


def main():
    failed = False
    for mode in ("legacy", "auto", "2026-07-28"):
        proc, base = start_bridge()
        try:
            body = walk(base + "/mcp", mode) if mode == "legacy" else walk_stateless(base + "/mcp", mode)
            asyncio.run(asyncio.wait_for(body, 90))
            print(f"PASS python client (mode={mode}) completes the feature walk")
        except Exception as e:  # report and continue with the other mode
            failed = True
            print(f"FAIL python client (mode={mode}): {e!r}", file=sys.stderr)
        finally:
            stop_bridge(proc)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
