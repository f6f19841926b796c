// Hostile or careless clients (issue 14, point 2), one case per limit, each against the real
// bridge and a real child: a connection cap; accept backing off when out of descriptors; a
// write deadline and a byte bound for clients that stop reading; held GET streams that do
// not keep sessions alive; a session creation rate limit; a bound on children starting at
// once; a deadline for a request waiting for its child.
import net from 'node:net';
import path from 'node:path';
import { assert, cpuSeconds, fdCount, rssKiB, run, sleep, startBridge, withTimeout } from './lib/harness.mjs';
import { accept, call, initialize, post } from './lib/raw.mjs';

const fixture = ['node', path.join(import.meta.dirname, 'fixtures/misbehaving_server.mjs')];
const initBody = (id = 0) => ({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } });

async function waitFor(cond, ms, what) {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const connect = (port) => new Promise((resolve, reject) => {
  const s = net.connect(port, '127.0.0.1', () => resolve(s));
  s.on('error', reject);
});

// One request on a connection of its own (fetch would reuse a pooled keep-alive connection).
const rawGet = (port, p) => new Promise((resolve, reject) => {
  const s = net.connect(port, '127.0.0.1', () => s.write(`GET ${p} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n`));
  let text = '';
  s.on('data', (d) => (text += d));
  s.on('end', () => resolve({ status: Number(text.split(' ')[1]), text }));
  s.on('error', reject);
});

// A client that sends one request and then never reads: its socket is paused, so the
// kernel buffers fill and the bridge's writes stall.
async function nonReader(port, h, body) {
  const s = await connect(port);
  const json = JSON.stringify(body);
  const head = Object.entries({ ...h, host: `127.0.0.1:${port}`, 'content-type': 'application/json', accept, 'content-length': Buffer.byteLength(json) })
    .map(([k, v]) => `${k}: ${v}`).join('\r\n');
  s.write(`POST /mcp HTTP/1.1\r\n${head}\r\n\r\n${json}`);
  s.pause();
  return s;
}

await run('connections beyond --max-connections get 503 with Retry-After and are closed', async () => {
  const b = await startBridge(['--max-connections', '4'], fixture);
  const idle = [];
  try {
    for (let i = 0; i < 4; i++) idle.push(await connect(b.port));
    await sleep(200);
    const refused = await rawGet(b.port, '/healthz');
    assert(refused.status === 503 && /retry-after: 1/i.test(refused.text), `over the cap: ${refused.text}`);
    for (const s of idle) s.destroy();
    await waitFor(async () => (await fetch(`${b.base}/healthz`).catch(() => ({}))).status === 200, 5000, 'served again');
  } finally {
    for (const s of idle) s.destroy();
    await b.stop();
  }
});

await run('out of file descriptors, accept backs off instead of spinning', async () => {
  const b = await startBridge(['--warm-pool', '0'], fixture, process.env, ['prlimit', '--nofile=24:24', '--']);
  const held = [];
  try {
    // More connections than descriptors: the rest wait in the listen backlog, every accept fails.
    for (let i = 0; i < 40; i++) held.push(await connect(b.port));
    await sleep(500);
    const c0 = cpuSeconds(b.pid);
    await sleep(3000);
    const used = cpuSeconds(b.pid) - c0;
    console.log(`MEASURE emfile_cpu_seconds_over_3s=${used.toFixed(2)}`);
    assert(used < 0.3, `the bridge used ${used.toFixed(2)} s of CPU in 3 s while out of descriptors`);
    for (const s of held) s.destroy();
    await waitFor(async () => (await fetch(`${b.base}/healthz`).catch(() => ({}))).status === 200, 5000, 'served again');
  } finally {
    for (const s of held) s.destroy();
    await b.stop();
  }
});

await run('a client that stops reading is dropped after --write-timeout', async () => {
  const b = await startBridge(['--write-timeout', '2', '--max-stream-buffer', String(1 << 30)], fixture);
  let s;
  try {
    const h = await initialize(b.url);
    const fds0 = fdCount(b.pid);
    s = await nonReader(b.port, h, call(1, 'flood', { count: 24, size: 1 << 20 }));
    await sleep(500);
    assert(fdCount(b.pid) === fds0 + 1, 'the non-reading client is connected');
    await waitFor(() => fdCount(b.pid) <= fds0, 10000, 'the bridge dropping the stalled connection');
    const ok = await post(b.url, call(2, 'echo', { message: 'still serving' }), h);
    assert(ok.messages.at(-1).result.content[0].text === 'echo: still serving', 'the session still answers');
  } finally {
    s?.destroy();
    await b.stop();
  }
});

await run('a stream is bounded in bytes: a non-reading client cannot grow the bridge', async () => {
  const b = await startBridge(['--write-timeout', '60', '--max-stream-buffer', String(1 << 20)], fixture);
  let s;
  try {
    const h = await initialize(b.url);
    const fds0 = fdCount(b.pid);
    const rss0 = rssKiB(b.pid);
    s = await nonReader(b.port, h, call(1, 'flood', { count: 64, size: 1 << 20 }));
    await waitFor(() => fdCount(b.pid) <= fds0, 20000, 'the bridge dropping the client over the buffer');
    const rss = rssKiB(b.pid);
    console.log(`MEASURE stream_bound_rss_before_kib=${rss0} after_64MiB_flood_kib=${rss}`);
    assert(rss - rss0 < 24 * 1024, `RSS grew by ${rss - rss0} KiB while 64 MiB went to a non-reading client`);
  } finally {
    s?.destroy();
    await b.stop();
  }
});

await run('held GET streams do not keep their sessions from the idle sweep', async () => {
  const b = await startBridge(['--idle-timeout', '2', '--max-sessions', '2'], fixture);
  const held = [];
  try {
    for (let i = 0; i < 2; i++) {
      const h = await initialize(b.url);
      const ac = new AbortController();
      const r = await fetch(b.url, { headers: { ...h, accept: 'text/event-stream' }, signal: ac.signal });
      assert(r.status === 200, `GET stream ${r.status}`);
      held.push(ac);
    }
    const full = await post(b.url, initBody());
    assert(full.status === 503, `third session while two are open: ${full.status}`);
    await waitFor(async () => (await post(b.url, initBody())).status === 200, 8000, 'a session after the idle sweep');
  } finally {
    for (const ac of held) ac.abort();
    await b.stop();
  }
});

await run('session creation is rate-limited: 429 with Retry-After, then admitted again', async () => {
  const b = await startBridge(['--session-mode', 'shared', '--session-rate', '1', '--session-burst', '2'], fixture);
  try {
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push(await post(b.url, initBody()));
    assert(codes[0].status === 200 && codes[1].status === 200, `burst admitted: ${codes.map((c) => c.status)}`);
    assert(codes[2].status === 429 && codes[2].messages[0].error, `over the rate: ${codes[2].status} ${codes[2].text}`);
    const wait = Number(codes[2].headers.get('retry-after'));
    assert(wait >= 1, `Retry-After ${wait}`);
    await sleep(wait * 1000 + 100);
    assert((await post(b.url, initBody())).status === 200, 'admitted after Retry-After');
  } finally {
    await b.stop();
  }
});

await run('children starting at once are bounded: the rest queue, then get 503 with Retry-After', async () => {
  // `sleep` never answers, so a started child holds its start slot (up to the request timeout).
  const b = await startBridge(['--warm-pool', '0', '--max-starting', '1', '--start-queue-timeout', '2', '--request-timeout', '20', '--shutdown-grace', '1'], ['sleep', '1000']);
  let stopped = false;
  try {
    const t0 = Date.now();
    const first = post(b.url, initBody(1));
    await sleep(300);
    const rest = await withTimeout(Promise.all([post(b.url, initBody(2)), post(b.url, initBody(3))]), 10000, 'queued initializes');
    const elapsed = Date.now() - t0;
    for (const r of rest) {
      assert(r.status === 503 && r.headers.get('retry-after') && r.messages[0].error, `queued: ${r.status} ${r.text}`);
    }
    assert(elapsed >= 1500, `answered after the queue timeout, not before (${elapsed} ms)`);
    const started = Number((await (await fetch(`${b.base}/metrics`)).text()).match(/mcp_bridge_children_started_total (\d+)/)[1]);
    assert(started === 2, `the probe and one session child started, got ${started}`);
    // The first initialize is still in flight (its child never answers): SIGTERM gives up on
    // it after the grace period, and the exit status says so.
    const exited = new Promise((resolve) => b.proc.on('exit', (code) => resolve(code)));
    b.proc.kill('SIGTERM');
    assert((await withTimeout(exited, 10000, 'exit')) === 3, 'exit status 3: the grace period ended first');
    stopped = true;
    const r = await withTimeout(first, 5000, 'the first initialize answered at shutdown');
    assert(r.messages[0]?.error, `the first initialize got an error at shutdown: ${r.status} ${r.text}`);
  } finally {
    if (!stopped) await b.stop();
  }
});

await run('a request waiting for its child to start fails after the request timeout', async () => {
  const b = await startBridge(['--warm-pool', '0', '--request-timeout', '2'], ['sleep', '1000']);
  try {
    const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
    const t0 = Date.now();
    const r = await withTimeout(
      post(b.url, { jsonrpc: '2.0', id: 4, method: 'tools/list', params: { _meta: meta } }, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' }),
      8000,
      'stateless request to a child that never starts',
    );
    assert(r.messages[0]?.id === 4 && r.messages[0].error, `JSON-RPC error: ${r.status} ${r.text}`);
    assert(Date.now() - t0 >= 1800, 'not before the timeout');
  } finally {
    await b.stop();
  }
});
