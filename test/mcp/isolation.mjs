// The isolation promise of --session-mode per-session (issue 14, point 3): a client that
// sends MCP-Protocol-Version: 2026-07-28 (the stateless revision) is served by a child of
// its own, never by a process another client's request reaches, and counts against
// --max-sessions like a session does.
import path from 'node:path';
import { assert, run, startBridge } from './lib/harness.mjs';
import { call, initialize, post } from './lib/raw.mjs';

const fixture = ['node', path.join(import.meta.dirname, 'fixtures/misbehaving_server.mjs')];
const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
const headers = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'pid' };
const statelessPid = async (url, id) => {
  const r = await post(url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'pid', arguments: {}, _meta: meta } }, headers);
  assert(r.status === 200 && r.messages[0].result, `stateless pid call: ${r.status} ${r.text}`);
  return Number(r.messages[0].result.content[0].text);
};

await run('a 2026-07-28 request in per-session mode never reaches another client\'s child', async () => {
  const b = await startBridge(['--warm-pool', '1'], fixture);
  try {
    const h = await initialize(b.url);
    const s = await post(b.url, call(1, 'pid'), h);
    const sessionPid = Number(s.messages[0].result.content[0].text);
    const pids = [];
    for (let i = 0; i < 3; i++) pids.push(await statelessPid(b.url, 10 + i));
    assert(!pids.includes(sessionPid), `a stateless request reached session child ${sessionPid}: ${pids}`);
    assert(new Set(pids).size === pids.length, `stateless requests shared a child: ${pids}`);
  } finally {
    await b.stop();
  }
});

await run('a 2026-07-28 request in per-session mode counts against --max-sessions', async () => {
  const b = await startBridge(['--max-sessions', '1'], fixture);
  try {
    await initialize(b.url);
    const r = await post(b.url, { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'pid', arguments: {}, _meta: meta } }, headers);
    assert(r.status === 503 && r.messages[0]?.error, `stateless request beyond the limit got ${r.status}: ${r.text}`);
    assert(r.headers.get('retry-after'), 'the 503 says when to retry');
  } finally {
    await b.stop();
  }
});

await run('shared mode keeps serving 2026-07-28 requests from its one stateless child', async () => {
  const b = await startBridge(['--session-mode', 'shared'], fixture);
  try {
    const a = await statelessPid(b.url, 1);
    const c = await statelessPid(b.url, 2);
    assert(a === c, `shared mode: one child for stateless requests (${a}, ${c})`);
  } finally {
    await b.stop();
  }
});
