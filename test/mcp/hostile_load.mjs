// Acceptance of issue 14's limits, all at once: under 500 idle connections, 200 clients
// that never read their responses and 100 held GET streams (which take every session
// --max-sessions allows), a well-behaved TypeScript SDK client still initializes (retrying
// after Retry-After, as the 503 asks, until the idle sweep frees a session) and calls a
// tool; the bridge's memory stays under a stated bound and its CPU shows nothing spins.
// Shared mode: 100 sessions of server-everything children would need ~6 GB; the limits
// under test (connections, sessions, streams) are the same in both modes.
import net from 'node:net';
import { assert, cpuSeconds, rssKiB, run, sdk, sleep, startBridge, withTimeout } from './lib/harness.mjs';
import { accept, call, initialize } from './lib/raw.mjs';

const { Client } = await sdk('client/index.js');
const { StreamableHTTPClientTransport } = await sdk('client/streamableHttp.js');

const RSS_BOUND_KIB = 64 * 1024;  // the bound this test states for the bridge under this load
const IDLE = 5;

const connect = (port) => new Promise((resolve, reject) => {
  const s = net.connect(port, '127.0.0.1', () => resolve(s));
  s.on('error', reject);
});

await run('under 500 idle connections, 200 non-reading clients and 100 held GETs an SDK client still works', async () => {
  const b = await startBridge(['--session-mode', 'shared', '--idle-timeout', String(IDLE), '--max-sessions', '100']);
  const sockets = [];
  const gets = [];
  let rssMax = 0;
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, rssKiB(b.pid))), 100);
  try {
    const rss0 = rssKiB(b.pid);
    const cpu0 = cpuSeconds(b.pid);
    const t0 = Date.now();
    for (let i = 0; i < 500; i++) sockets.push(await connect(b.port));
    const held = [];
    for (let i = 0; i < 100; i++) {
      const h = await initialize(b.url);
      held.push(h);
      const ac = new AbortController();
      const r = await fetch(b.url, { headers: { ...h, accept: 'text/event-stream' }, signal: ac.signal });
      assert(r.status === 200, `held GET ${i}: ${r.status}`);
      gets.push(ac);
    }
    for (let i = 0; i < 200; i++) {
      // Five pipelined calls on one of the held sessions, then never read a byte.
      const s = await connect(b.port);
      const h = held[i % held.length];
      let out = '';
      for (let k = 0; k < 5; k++) {
        const json = JSON.stringify(call(k, 'echo', { message: 'x'.repeat(1000) }));
        out += `POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\naccept: ${accept}\r\n` +
          `mcp-session-id: ${h['mcp-session-id']}\r\nmcp-protocol-version: ${h['mcp-protocol-version']}\r\ncontent-length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;
      }
      s.write(out);
      s.pause();
      sockets.push(s);
    }
    const setup = (Date.now() - t0) / 1000;
    // Nothing spins: the bridge holding all of this and doing nothing uses (almost) no CPU.
    await sleep(500);
    const q0 = cpuSeconds(b.pid);
    await sleep(3000);
    const quiet = cpuSeconds(b.pid) - q0;

    // The well-behaved client: initialize, on 503 wait Retry-After and try again, bounded.
    const c0 = Date.now();
    let client;
    let refusals = 0;
    for (;;) {
      client = new Client({ name: 'well-behaved', version: '1' });
      try {
        await withTimeout(client.connect(new StreamableHTTPClientTransport(b.url)), 10000, 'SDK initialize');
        break;
      } catch (e) {
        assert(/503|Service Unavailable/.test(String(e)), `refusal is a 503: ${e}`);
        assert(Date.now() - c0 < (IDLE + 6) * 1000, `still refused ${Date.now() - c0} ms later`);
        refusals++;
        await sleep(1000);  // the Retry-After of a full bridge is at most 5 s; 1 s is polite enough
      }
    }
    const initMs = Date.now() - c0;
    const t1 = Date.now();
    const r = await withTimeout(client.callTool({ name: 'echo', arguments: { message: 'still served' } }), 5000, 'tools/call');
    assert(r.content[0].text === 'Echo: still served', `echo: ${JSON.stringify(r)}`);
    const callMs = Date.now() - t1;
    await client.close();
    const total = cpuSeconds(b.pid) - cpu0;
    const wall = (Date.now() - t0) / 1000;
    clearInterval(sampler);
    console.log(`MEASURE setup_s=${setup.toFixed(1)} rss_idle_kib=${rss0} rss_max_kib=${rssMax} ` +
      `cpu_quiet_3s=${quiet.toFixed(2)} cpu_total_s=${total.toFixed(2)} wall_s=${wall.toFixed(1)} ` +
      `sdk_refusals=${refusals} sdk_init_ms=${initMs} sdk_call_ms=${callMs}`);
    assert(rssMax < RSS_BOUND_KIB, `bridge RSS peaked at ${rssMax} KiB, bound ${RSS_BOUND_KIB}`);
    assert(quiet < 0.3, `bridge used ${quiet.toFixed(2)} s CPU in 3 quiet seconds: something spins`);
    assert(callMs < 2000, `tools/call took ${callMs} ms`);
  } finally {
    clearInterval(sampler);
    for (const ac of gets) ac.abort();
    for (const s of sockets) s.destroy();
    await b.stop();
  }
});
