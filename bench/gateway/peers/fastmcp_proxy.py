"""FastMCP's proxy/mount composition for the gateway benchmark (bench/gateway/run.sh).

One FastMCP server that mounts a proxy of each member under the member's name as namespace
(tools `<member>_<tool>`), served over Streamable HTTP on 127.0.0.1:<port>/mcp:

    python fastmcp_proxy.py --port 8000 --member ev1=http://127.0.0.1:3001/mcp --member ev2=...

By default each proxy is `create_proxy(url)`, FastMCP's documented way, which opens a fresh
upstream session for every request it forwards (session isolation). With --shared-session each
proxy is built on one connected Client instead, so every request of every client reuses one
upstream session per member (FastMCP warns that this mixes request contexts; it is the fastest
way it offers).
"""
import argparse
import asyncio
import contextlib
import logging

from fastmcp import Client, FastMCP
from fastmcp.server import create_proxy


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--member", action="append", required=True, help="NAME=URL (loopback)")
    ap.add_argument("--shared-session", action="store_true")
    args = ap.parse_args()
    logging.getLogger("fastmcp").setLevel(logging.WARNING)

    gateway = FastMCP("bench-fastmcp")
    async with contextlib.AsyncExitStack() as stack:
        for spec in args.member:
            name, url = spec.split("=", 1)
            if args.shared_session:
                client = await stack.enter_async_context(Client(url))
                proxy = create_proxy(client, name=name)
            else:
                proxy = create_proxy(url, name=name)
            gateway.mount(proxy, namespace=name)
        await gateway.run_http_async(transport="http", host="127.0.0.1", port=args.port, path="/mcp",
                                     log_level="warning", show_banner=False)


if __name__ == "__main__":
    asyncio.run(main())
