// Session churn against one bridge pod, from the host (pod IPs are routed to the test node):
// opens and ends --sessions MCP sessions (initialize, initialized, tools/call echo, DELETE)
// with --workers at a time, then checks the bridge's process tree seen from the host: no
// zombie and the same number of processes as before, staying so. A 429 or 503 is waited out
// (Retry-After), as a real client does, and counted. Every wait is bounded; any failure
// exits non-zero.
//   node churn.mjs --url http://<pod-ip>:3000/mcp --pid <bridge host pid> --baseline N
//                  [--sessions 1000] [--workers 3] [--budget-ms 300000] [--name TEXT]
import { descendants, settle } from '../../mcp/lib/proc.mjs';

const opt = { sessions: 1000, workers: 3, budgetMs: 300000, name: 'churn' };
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i].replace(/^--/, '').replace(/-(.)/g, (_, c) => c.toUpperCase());
  opt[k] = ['url', 'name'].includes(k) ? process.argv[i + 1] : Number(process.argv[i + 1]);
}
if (!opt.url || !opt.pid || !(opt.baseline >= 0)) {
  console.error('usage: churn.mjs --url URL --pid PID --baseline N [--sessions N] [--workers N] [--budget-ms MS]');
  process.exit(2);
}
const fail = (why) => {
  console.error(`FAIL: ${opt.name}: ${why}`);
  process.exit(1);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const zombies = (t) => t.filter((p) => p.state === 'Z').length;

let retried = 0;
async function post(body, headers = {}, method = 'POST') {
  for (let attempt = 0; ; attempt++) {
    const r = await fetch(opt.url, {
      method,
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(20000),
    });
    const text = await r.text();
    if ((r.status === 429 || r.status === 503) && attempt < 20) {
      retried++;
      await sleep(1000 * Math.min(Number(r.headers.get('retry-after') || 1), 5));
      continue;
    }
    return { status: r.status, headers: r.headers, text };
  }
}
// The answer with `id`, from a JSON body or an SSE stream (whose first event may be an empty
// priming one).
function answerWithId(res, id) {
  const bodies = (res.headers.get('content-type') || '').includes('text/event-stream')
    ? res.text.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).filter(Boolean)
    : [res.text];
  return bodies.map((b) => JSON.parse(b)).find((m) => m.id === id);
}

async function session(n) {
  const version = '2025-11-25';
  const init = await post({ jsonrpc: '2.0', id: 0, method: 'initialize',
    params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'e2e-churn', version: '1' } } });
  if (init.status !== 200) fail(`initialize ${n}: ${init.status} ${init.text}`);
  const h = { 'mcp-session-id': init.headers.get('mcp-session-id'), 'mcp-protocol-version': version };
  if (!h['mcp-session-id']) fail(`initialize ${n}: no Mcp-Session-Id`);
  const note = await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, h);
  if (note.status !== 202) fail(`initialized ${n}: ${note.status}`);
  const call = await post({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: `s${n}` } } }, h);
  const text = call.status === 200 ? answerWithId(call, 1)?.result?.content?.[0]?.text : undefined;
  if (text !== `Echo: s${n}`) fail(`tools/call ${n}: ${call.status} ${call.text}`);
  const del = await post(undefined, h, 'DELETE');
  if (del.status !== 200) fail(`DELETE ${n}: ${del.status}`);
}

const base = await settle(opt.pid, opt.baseline, 60000);
if (base.length !== opt.baseline || zombies(base)) fail(`baseline tree ${JSON.stringify(base)}, want ${opt.baseline} processes`);
const t0 = Date.now();
let started = 0;
let peak = base.length;
const sampler = setInterval(() => (peak = Math.max(peak, descendants(opt.pid).length)), 500);
const worker = async () => {
  while (started < opt.sessions) {
    if (Date.now() - t0 > opt.budgetMs) fail(`only ${started} sessions within ${opt.budgetMs} ms`);
    await session(++started);
  }
};
await Promise.all(Array.from({ length: opt.workers }, worker));
clearInterval(sampler);
const seconds = (Date.now() - t0) / 1000;
const after = await settle(opt.pid, base.length, 30000);
// Constant afterwards: the same count, no zombie, over five more seconds.
const later = [];
for (let i = 0; i < 5; i++) {
  await sleep(1000);
  later.push(descendants(opt.pid));
}
console.log(`MEASURE ${opt.name} sessions=${started} seconds=${seconds.toFixed(1)} retried=${retried} ` +
  `processes_before=${base.length} peak=${peak} processes_after=${after.length} zombies=${zombies(after)} ` +
  `later=${later.map((t) => t.length).join(',')}`);
if (zombies(after)) fail(`${zombies(after)} zombies under the bridge after ${started} sessions: ${JSON.stringify(after)}`);
if (after.length !== base.length) fail(`process count ${after.length} after, ${base.length} before: ${JSON.stringify(after)}`);
if (later.some((t) => t.length !== base.length || zombies(t))) fail(`the process count did not stay at ${base.length}`);
