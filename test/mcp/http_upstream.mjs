// The bridge's HTTP upstream mode (--upstream): server-everything serving Streamable HTTP
// itself, the bridge in front of it, and the clients of every revision the bridge serves:
// the TypeScript SDK over Streamable HTTP and over 2024-11-05 HTTP+SSE (which the server
// does not speak), a 2026-07-28 stateless request (which it does not speak either), in
// per-session and shared mode; then the upstream going away and coming back. (The Python
// client, the Inspector CLI and the conformance suite run in this mode too: the same test
// files with MCP_UPSTREAM_MODE=http, see CMakeLists.txt.)
import { activeSessions, assert, bridgeBin, childPids, run, sdk, sleep, startBridge, startHttpEverything, withTimeout } from './lib/harness.mjs';
import { exercise, makeClient } from './lib/exercise.mjs';

const { StreamableHTTPClientTransport } = await sdk('client/streamableHttp.js');
const { SSEClientTransport } = await sdk('client/sse.js');

async function waitFor(cond, ms, what) {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${what}`);
    await sleep(50);
  }
}

async function echoWalk(client) {
  const tools = await withTimeout(client.listTools(), 10000, 'tools/list');
  assert(tools.tools.some((t) => t.name === 'echo'), 'tools/list has echo');
  const echoes = await Promise.all(
    [0, 1, 2].map((i) => client.callTool({ name: 'echo', arguments: { message: `shared ${i}` } })),
  );
  echoes.forEach((e, i) => assert(e.content[0].text === `Echo: shared ${i}`, `echo ${i}: ${JSON.stringify(e)}`));
}

async function statelessEcho(bridge, text) {
  const r = await fetch(bridge.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': 'echo',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 'st-1',
      method: 'tools/call',
      params: {
        name: 'echo',
        arguments: { message: text },
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    }),
  });
  return { status: r.status, body: await r.text() };
}

for (const mode of ['per-session', 'shared']) {
  await run(`${mode}: every client revision reaches an HTTP-only server through the bridge`, async () => {
    const up = await startHttpEverything();
    const bridge = await startBridge(['--session-mode', mode, '--upstream', up.url], []);
    try {
      // Streamable HTTP (2025-11-25), with sampling and progress: the bridge's own session id.
      const client = await makeClient(`http-up-${mode}`);
      const transport = new StreamableHTTPClientTransport(bridge.url);
      await withTimeout(client.connect(transport), 15000, 'connect');
      assert(/^[0-9a-f]{32}$/.test(transport.sessionId), 'the bridge issued its own session id');
      // Shared mode initializes the one upstream session itself, without the client's sampling
      // capability (and refuses server-to-client requests): the feature walk is per-session's.
      const walk = mode === 'shared' ? echoWalk : exercise;
      await walk(client);
      // A 2024-11-05 client, which this server cannot serve itself.
      const legacy = await makeClient(`http-up-sse-${mode}`);
      const sse = new SSEClientTransport(new URL(`${bridge.base}/sse`));
      await withTimeout(legacy.connect(sse), 15000, 'legacy connect');
      await walk(legacy);
      // A 2026-07-28 stateless request, which it cannot serve either.
      const st = await statelessEcho(bridge, 'stateless over http');
      assert(st.status === 200 && st.body.includes('Echo: stateless over http'), `stateless: ${st.status} ${st.body}`);
      assert(childPids(bridge.pid).length === 0, 'the bridge runs no child in HTTP upstream mode');
      await transport.terminateSession();
      await client.close();
      await legacy.close();
      await waitFor(async () => (await activeSessions(bridge)) === 0, 5000, 'sessions ended');
    } finally {
      await bridge.stop();
      await up.stop();
    }
  });
}

await run('an upstream that goes away fails requests with the cause and /readyz; it recovers', async () => {
  let up = await startHttpEverything();
  const port = up.port;
  const bridge = await startBridge(['--upstream', up.url, '--request-timeout', '10'], []);
  try {
    const client = await makeClient('http-up-gone');
    const transport = new StreamableHTTPClientTransport(bridge.url);
    await withTimeout(client.connect(transport), 15000, 'connect');
    const ok = await client.callTool({ name: 'echo', arguments: { message: 'before' } });
    assert(ok.content[0].text === 'Echo: before', 'echo before the upstream goes');
    await up.stop();
    // The session's upstream session is gone with the server: the request fails at once, naming
    // the cause, not after the request timeout.
    const t0 = Date.now();
    let err = null;
    try {
      await client.callTool({ name: 'echo', arguments: { message: 'after' } });
    } catch (e) {
      err = e;
    }
    assert(err && /upstream MCP server/.test(String(err.message)), `error names the upstream: ${err}`);
    assert(Date.now() - t0 < 5000, `failed within 5 s (${Date.now() - t0} ms)`);
    await waitFor(async () => (await fetch(`${bridge.base}/readyz`)).status === 503, 8000, '/readyz turns 503');
    // The same port again: ready again, and a new session works.
    up = await startHttpEverything(port);
    await waitFor(async () => (await fetch(`${bridge.base}/readyz`)).status === 200, 8000, '/readyz back to 200');
    const again = await makeClient('http-up-back');
    const t2 = new StreamableHTTPClientTransport(bridge.url);
    await withTimeout(again.connect(t2), 15000, 'connect again');
    const echo = await again.callTool({ name: 'echo', arguments: { message: 'back' } });
    assert(echo.content[0].text === 'Echo: back', 'echo after the upstream came back');
    await again.close();
    await client.close().catch(() => {});
  } finally {
    await bridge.stop();
    await up.stop();
  }
});

await run('a bad --upstream is a usage error', async () => {
  const { spawnSync } = await import('node:child_process');
  for (const [url, says] of [
    ['https://127.0.0.1:1/mcp', 'http://'],
    ['http://example.invalid/mcp', 'IP address'],
    ['not a url', 'absolute URL'],
  ]) {
    const r = spawnSync(bridgeBin, ['--port', '0', '--upstream', url], { encoding: 'utf8', timeout: 5000 });
    assert(r.status === 2, `${url}: exit ${r.status}`);
    assert(r.stderr.includes(says), `${url}: ${r.stderr}`);
  }
  const both = spawnSync(bridgeBin, ['--port', '0', '--upstream', 'http://127.0.0.1:1/mcp', '--', 'cat'], {
    encoding: 'utf8',
    timeout: 5000,
  });
  assert(both.status !== 0, 'a command and --upstream together are refused');
});
