// The TypeScript SDK's Streamable HTTP client, through mcp-bridge, to server-everything.
import { assert, childPids, expectSessionsGone, httpUpstream, run, sdk, startBridge, withTimeout } from './lib/harness.mjs';
import { exercise, makeClient } from './lib/exercise.mjs';

const { StreamableHTTPClientTransport } = await sdk('client/streamableHttp.js');

await run('typescript streamable HTTP client completes the feature walk', async () => {
  const bridge = await startBridge(['--warm-pool', '1']);
  try {
    const client = await makeClient('ts-streamable');
    const transport = new StreamableHTTPClientTransport(bridge.url);
    await withTimeout(client.connect(transport), 15000, 'connect');
    assert(transport.sessionId && /^[0-9a-f]{32}$/.test(transport.sessionId), 'bridge issued a session id');
    const pidsDuring = childPids(bridge.proc.pid);
    await exercise(client);
    await transport.terminateSession();
    await client.close();
    // DELETE ended the session: its child goes, only the warm-pool child stays (HTTP upstream
    // mode: its upstream session is deleted too).
    await expectSessionsGone(bridge, 1, 1);
    const during = httpUpstream ? 0 : 2;
    assert(pidsDuring.length === during, `a session child plus a warm child while connected, got ${pidsDuring.length}`);
  } finally {
    await bridge.stop();
  }
});

await run('a deleted session answers 404 so the client re-initializes', async () => {
  const bridge = await startBridge();
  try {
    const client = await makeClient('ts-404');
    const transport = new StreamableHTTPClientTransport(bridge.url);
    await withTimeout(client.connect(transport), 15000, 'connect');
    const sid = transport.sessionId;
    await transport.terminateSession();
    const r = await fetch(bridge.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sid,
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/list' }),
    });
    assert(r.status === 404, `POST on a deleted session got ${r.status}`);
    await client.close();
  } finally {
    await bridge.stop();
  }
});
