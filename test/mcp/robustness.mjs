// The bridge's robustness and security promises (issue 6), each against the real binary:
// malformed and oversize bodies, garbage and oversize child stdout lines, a child crash
// with requests pending, an unanswered request, a client vanishing mid-stream, bad Origin
// and Host, missing and wrong tokens, the session limit, and the per-revision rules.
import path from 'node:path';
import { assert, childPids, everything, fdCount, run, sleep, startBridge, withTimeout } from './lib/harness.mjs';
import { call, initialize, post } from './lib/raw.mjs';

const fixture = ['node', path.join(import.meta.dirname, 'fixtures/misbehaving_server.mjs')];
const start = (args = [], env) => startBridge(['--max-body', '65536', '--max-line', '65536', ...args], fixture, env);

async function waitFor(cond, ms, what) {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

await run('a child inherits no socket of the bridge, only its three pipes', async () => {
  const b = await start();
  try {
    const h = await initialize(b.url);
    const r = await post(b.url, call(1, 'fds'), h);
    const fds = JSON.parse(r.messages[0].result.content[0].text);
    const sockets = fds.filter((f) => f.startsWith('socket:'));
    assert(sockets.length === 0, `child inherited sockets: ${JSON.stringify(fds)}`);
  } finally {
    await b.stop();
  }
});

await run("a child's stderr is forwarded line by line, rate-limited", async () => {
  const b = await start();
  try {
    const h = await initialize(b.url);
    await post(b.url, call(1, 'spam'), h);
    await sleep(1200);  // the next window reports what the limit dropped
    await post(b.url, call(2, 'spam'), h);
    // The bridge's log reaches us on its own pipe, possibly after the HTTP answer.
    await waitFor(() => /msg="child stderr lines dropped by rate limit" pid=\d+ dropped=\d+/.test(b.log()), 3000, 'drop report');
    const forwarded = (b.log().match(/msg="child stderr" pid=\d+ line="spam line/g) || []).length;
    assert(forwarded >= 50 && forwarded <= 150, `forwarded ${forwarded} of 1000 spam lines`);
  } finally {
    await b.stop();
  }
});

await run('malformed JSON gets 400 with a JSON-RPC parse error', async () => {
  const b = await start();
  try {
    const h = await initialize(b.url);
    const r = await post(b.url, '{"jsonrpc":"2.0","id":1,', h);
    assert(r.status === 400, `status ${r.status}`);
    assert(r.messages[0].error.code === -32700, `error ${r.text}`);
    const ok = await post(b.url, call(2, 'echo', { message: 'still here' }), h);
    assert(ok.messages[0].result.content[0].text === 'echo: still here', 'session survives');
  } finally {
    await b.stop();
  }
});

await run('an oversize body gets 413 and never reaches the child', async () => {
  const b = await start();
  try {
    const h = await initialize(b.url);
    const r = await post(b.url, call(1, 'echo', { message: 'x'.repeat(100000) }), h);
    assert(r.status === 413, `status ${r.status}`);
    assert(!b.log().includes('NON-MCP INPUT'), 'child saw only MCP messages');
  } finally {
    await b.stop();
  }
});

await run('garbage and oversize child stdout lines are dropped and the session survives', async () => {
  const b = await start();
  try {
    const h = await initialize(b.url);
    const g = await post(b.url, call(1, 'garbage'), h);
    assert(g.messages.at(-1).result.content[0].text === 'after garbage', `garbage: ${g.text}`);
    const big = await post(b.url, call(2, 'big'), h);
    assert(big.messages.length === 1 && big.messages[0].result.content[0].text === 'after big', `big: ${big.text}`);
    await waitFor(() => b.log().includes('non-JSON-RPC line'), 3000, 'the garbage line logged');
    const m = await (await fetch(`${b.base}/metrics`)).text();
    assert(/mcp_bridge_child_stdout_lines_dropped_total 2\n/.test(m), 'both lines counted as dropped');
    assert(/mcp_bridge_tool_calls_total\{tool="garbage",outcome="ok"\} 1\n/.test(m), `tool call counted by name: ${m}`);
    assert(/mcp_bridge_tool_call_duration_seconds_count\{tool="big"\} 1\n/.test(m), 'tool latency by name');
  } finally {
    await b.stop();
  }
});

await run('a crashing child fails its pending requests within 1 s and ends the session', async () => {
  const b = await start();
  try {
    const h = await initialize(b.url);
    const hang = post(b.url, call(1, 'hang'), h);
    await sleep(100);
    const t0 = Date.now();
    const [crash, pending] = await withTimeout(Promise.all([post(b.url, call(2, 'crash'), h), hang]), 5000, 'crash');
    const elapsed = Date.now() - t0;
    assert(elapsed < 1000 + 100, `errors arrived after ${elapsed} ms`);
    for (const r of [crash, pending]) {
      assert(r.status === 200 && r.messages[0].error, `pending request got a JSON-RPC error: ${r.text}`);
    }
    const after = await post(b.url, call(3, 'echo'), h);
    assert(after.status === 404, `next request on the dead session got ${after.status}`);
    const m = await (await fetch(`${b.base}/metrics`)).text();
    assert(/mcp_bridge_children_crashed_total 1\n/.test(m), 'crash counted');
  } finally {
    await b.stop();
  }
});

await run('a request the child never answers times out with a JSON-RPC error and is cancelled', async () => {
  const b = await start(['--request-timeout', '1']);
  try {
    const h = await initialize(b.url);
    const t0 = Date.now();
    const r = await withTimeout(post(b.url, call(7, 'hang'), h), 5000, 'timeout');
    assert(Date.now() - t0 >= 900, 'not answered before the timeout');
    assert(r.messages[0].id === 7 && r.messages[0].error.code === -32001, `timeout error: ${r.text}`);
    await waitFor(() => b.log().includes('cancelled request 7'), 2000, 'notifications/cancelled to the child');
    const m = await (await fetch(`${b.base}/metrics`)).text();
    assert(/mcp_bridge_tool_calls_total\{tool="hang",outcome="timeout"\} 1\n/.test(m), `timeout counted: ${m}`);
  } finally {
    await b.stop();
  }
});

await run('/readyz stays 200 while the warm pool refills after a session took its child', async () => {
  // A server that takes 1.5 s to start: the replacement for the child a session takes is not
  // warm for that long, and the pod must not turn NotReady (and leave its Service) meanwhile.
  const b = await startBridge(['--warm-pool', '1'], ['sh', '-c', 'sleep 1.5; exec "$0" "$@"', ...everything]);
  try {
    await initialize(b.url);
    for (let i = 0; i < 5; i++) {
      const r = await fetch(`${b.base}/readyz`);
      assert(r.status === 200, `/readyz answered ${r.status} while the pool refilled`);
      await sleep(200);
    }
  } finally {
    await b.stop();
  }
});

await run('a client that disconnects mid-stream leaks no fd and no process', async () => {
  const b = await start(['--warm-pool', '1']);
  try {
    const fds0 = fdCount(b.proc.pid);
    const kids0 = childPids(b.proc.pid).length;
    const h = await initialize(b.url);
    for (let i = 0; i < 5; i++) {
      const ac = new AbortController();
      const p = post(b.url, call(10 + i, 'hang'), h, { signal: ac.signal }).catch(() => 'aborted');
      await sleep(100);
      ac.abort();
      assert((await p) === 'aborted', 'request aborted');
    }
    const del = await fetch(b.url, { method: 'DELETE', headers: h });
    assert(del.status === 200, `DELETE got ${del.status}`);
    await waitFor(() => childPids(b.proc.pid).length === kids0, 5000, 'session child exit');
    await waitFor(() => fdCount(b.proc.pid) <= fds0, 5000, `fds back to ${fds0} (now ${fdCount(b.proc.pid)})`);
  } finally {
    await b.stop();
  }
});

await run('foreign Origin and Host are refused with 403', async () => {
  const b = await start();
  try {
    const init = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
    const o = await post(b.url, init, { origin: 'http://evil.example' });
    assert(o.status === 403, `bad Origin got ${o.status}`);
    const host = await new Promise((resolve, reject) => {
      // fetch cannot forge Host; use a raw request.
      import('node:http').then(({ request }) => {
        const req = request({ host: '127.0.0.1', port: b.port, path: '/mcp', method: 'POST', headers: { host: 'evil.example:80', 'content-type': 'application/json', accept: 'application/json, text/event-stream' } }, (res) => { res.resume(); resolve(res.statusCode); });
        req.on('error', reject);
        req.end(JSON.stringify(init));
      });
    });
    assert(host === 403, `bad Host got ${host}`);
    const ok = await post(b.url, init, { origin: 'http://localhost:6274' });
    assert(ok.status === 200, `loopback Origin got ${ok.status}`);
  } finally {
    await b.stop();
  }
});

await run('a missing or wrong bearer token gets 401 with WWW-Authenticate', async () => {
  const b = await start(['--token-env', 'BRIDGE_TEST_TOKEN'], { ...process.env, BRIDGE_TEST_TOKEN: 'tok-123' });
  try {
    const init = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
    const none = await post(b.url, init);
    assert(none.status === 401 && /^Bearer/.test(none.headers.get('www-authenticate')), `no token: ${none.status}`);
    const wrong = await post(b.url, init, { authorization: 'Bearer tok-124' });
    assert(wrong.status === 401 && /invalid_token/.test(wrong.headers.get('www-authenticate')), `wrong: ${wrong.status}`);
    const right = await initialize(b.url, '2025-11-25', { authorization: 'Bearer tok-123' });
    const r = await post(b.url, call(1, 'echo', { message: 'authorized' }), right);
    assert(r.messages[0].result.content[0].text === 'echo: authorized', 'token accepted');
    assert(!b.log().includes('tok-123'), 'the token is never logged');
    assert((await fetch(`${b.base}/healthz`)).status === 200, 'probes need no token');
  } finally {
    await b.stop();
  }
});

await run('sessions beyond --max-sessions get 503 with a JSON-RPC error', async () => {
  const b = await start(['--max-sessions', '1']);
  try {
    await initialize(b.url);
    const r = await post(b.url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } });
    assert(r.status === 503 && r.messages[0].error, `second session got ${r.status}: ${r.text}`);
  } finally {
    await b.stop();
  }
});

await run('protocol version and batch rules follow the negotiated revision', async () => {
  const b = await start();
  try {
    const h = await initialize(b.url, '2025-06-18');
    const bad = await post(b.url, call(1, 'echo'), { ...h, 'mcp-protocol-version': '1999-01-01' });
    assert(bad.status === 400, `unknown version got ${bad.status}`);
    const other = await post(b.url, call(1, 'echo', { message: 'v' }), { ...h, 'mcp-protocol-version': '2025-03-26' });
    assert(other.status === 200, `another served version is accepted, got ${other.status}`);
    const batch = await post(b.url, [call(2, 'echo'), call(3, 'echo')], h);
    assert(batch.status === 400, `batch under 2025-06-18 got ${batch.status}`);
    const nosid = await post(b.url, call(4, 'echo'), { 'mcp-protocol-version': '2025-06-18' });
    assert(nosid.status === 400, `missing session id got ${nosid.status}`);

    const old = await initialize(b.url, '2025-03-26');
    const ok = await post(b.url, [call(5, 'echo', { message: 'a' }), call(6, 'echo', { message: 'b' })], old);
    const ids = ok.messages.map((m) => m.id).sort();
    assert(ok.status === 200 && ids.join() === '5,6', `batch under 2025-03-26: ${ok.text}`);

    const get = await fetch(b.url, { headers: { accept: 'text/event-stream', 'mcp-protocol-version': '2026-07-28' } });
    assert(get.status === 405, `stateless GET got ${get.status}`);
  } finally {
    await b.stop();
  }
});

await run('stateless 2026-07-28 requests are checked against their headers and cancelled by closing', async () => {
  const b = await start();
  try {
    const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
    const h = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'echo' };
    const body = (id, name, args = {}) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, _meta: meta } });
    const ok = await post(b.url, body(1, 'echo', { message: 'hi' }), h);
    assert(ok.status === 200 && ok.messages[0].result.content[0].text === 'echo: hi', `stateless call: ${ok.text}`);
    assert(ok.messages[0].result.resultType === 'complete', 'result carries resultType');
    assert(!ok.headers.get('mcp-session-id'), 'no session id in stateless mode');
    const mismatch = await post(b.url, body(2, 'echo'), { ...h, 'mcp-name': 'garbage' });
    assert(mismatch.status === 400 && mismatch.messages[0].error.code === -32020, `Mcp-Name mismatch: ${mismatch.text}`);
    const noMeta = await post(b.url, { jsonrpc: '2.0', id: 3, method: 'tools/list' }, { ...h, 'mcp-method': 'tools/list' });
    assert(noMeta.status === 400 && noMeta.messages[0].error.code === -32602, `missing _meta: ${noMeta.text}`);
    const del = await fetch(b.url, { method: 'DELETE', headers: { 'mcp-protocol-version': '2026-07-28' } });
    assert(del.status === 405, `stateless DELETE got ${del.status}`);

    // In per-session mode every stateless request takes a child of its own: wait until the
    // pool has a warm one, so the request reaches its child before the client closes.
    await waitFor(async () => /mcp_bridge_warm_children [1-9]/.test(await (await fetch(`${b.base}/metrics`)).text()), 15000, 'a warm child');
    const ac = new AbortController();
    const p = post(b.url, body(4, 'hang'), { ...h, 'mcp-name': 'hang' }, { signal: ac.signal }).catch(() => 'aborted');
    await sleep(300);
    ac.abort();
    assert((await p) === 'aborted', 'aborted');
    await waitFor(() => /cancelled request \d+/.test(b.log()), 3000, 'closing the stream cancels the request in the child');
  } finally {
    await b.stop();
  }
});
