"""The Python SDK client (mcp, pinned in test/peers/requirements.txt) against an MCPPool's
gateway, from the host: lists the tools (one page: the pool has fewer than 100) and calls `<tool>` with a message.
Prints the tool names, one per line, then "called <tool>: <text>". Exits non-zero on any
failure; every request has a deadline.

    python python_client.py <url> <tool>
"""

import asyncio
import sys

from mcp import Client


async def main(url: str, tool: str) -> None:
    async with Client(url, mode="legacy", read_timeout_seconds=30) as client:
        page = await client.list_tools()
        if getattr(page, "next_cursor", None) or getattr(page, "nextCursor", None):
            raise RuntimeError("the pool's tools fit one page (100) here; got a cursor")
        names = [t.name for t in page.tools]
        for n in names:
            print(n)
        result = await client.call_tool(tool, {"message": "from python"})
        text = "".join(c.text for c in result.content if getattr(c, "type", "") == "text")
        if getattr(result, "is_error", None) or getattr(result, "isError", None) or text != "Echo: from python":
            raise RuntimeError(f"{tool} answered {result!r}")
        print(f"called {tool}: {text}")


if __name__ == "__main__":
    try:
        asyncio.run(asyncio.wait_for(main(sys.argv[1], sys.argv[2]), 60))
    except Exception as e:  # noqa: BLE001 - any failure is the test's failure
        print(f"FAIL: {e!r}", file=sys.stderr)
        sys.exit(1)
