// A burst of sessions in per-session mode (issue 14; bench/bridge's 256-session burst,
// here bounded to MCP_BURST sessions against MCP_BURST/2 --max-sessions): every initialize
// is answered before the client's deadline: 200 with its result (the session's child
// started, at most --max-starting at once), or 503/429 with Retry-After. None hangs.
import { assert, run, startBridge, withTimeout } from './lib/harness.mjs';
import { post } from './lib/raw.mjs';

const N = Number(process.env.MCP_BURST || 48);
const DEADLINE_MS = 40000;

await run(`a burst of ${N} initializes: each initializes or gets 503/429 with Retry-After, none hangs`, async () => {
  const b = await startBridge(['--max-sessions', String(N / 2), '--warm-pool', '2']);
  try {
    // The load gauges while it lasts (what an autoscaler would read): sessions waiting for a
    // start slot, requests not answered yet, children alive.
    const gauge = (text, name) => Number((text.match(new RegExp(`^${name} (\\d+)`, 'm')) || [])[1]);
    const peak = { queue: 0, inFlight: 0, running: 0 };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const text = await (await fetch(`${b.base}/metrics`)).text().catch(() => '');
        peak.queue = Math.max(peak.queue, gauge(text, 'mcp_bridge_start_queue_depth') || 0);
        peak.inFlight = Math.max(peak.inFlight, gauge(text, 'mcp_bridge_requests_in_flight') || 0);
        peak.running = Math.max(peak.running, gauge(text, 'mcp_bridge_children_running') || 0);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const t0 = Date.now();
    const results = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        withTimeout(
          post(b.url, { jsonrpc: '2.0', id: i, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: `b${i}`, version: '1' } } }),
          DEADLINE_MS,
          `initialize ${i}`,
        ).then((r) => ({ ...r, ms: Date.now() - t0 })),
      ),
    );
    const ok = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status !== 200);
    for (const r of ok) assert(r.messages[0]?.result?.serverInfo, `admitted session initialized: ${r.text}`);
    for (const r of refused) {
      assert([503, 429].includes(r.status) && r.headers.get('retry-after') && r.messages[0]?.error, `refusal ${r.status}: ${r.text}`);
    }
    const slowest = Math.max(...results.map((r) => r.ms));
    sampling = false;
    await sampler;
    const after = await (await fetch(`${b.base}/metrics`)).text();
    console.log(`MEASURE burst=${N} initialized=${ok.length} refused=${refused.length} slowest_ms=${slowest} ` +
      `peak_start_queue=${peak.queue} peak_in_flight=${peak.inFlight} peak_children=${peak.running}`);
    assert(peak.queue > 0, 'sessions were seen waiting for a start slot (mcp_bridge_start_queue_depth)');
    assert(peak.inFlight > 0, 'initializes were seen in flight (mcp_bridge_requests_in_flight)');
    const running = gauge(after, 'mcp_bridge_children_running');
    assert(running >= ok.length, `${running} children alive for ${ok.length} open sessions (mcp_bridge_children_running)`);
    assert(gauge(after, 'mcp_bridge_requests_in_flight') === 0, 'nothing in flight once all were answered');
    assert(gauge(after, 'mcp_bridge_start_queue_depth') === 0, 'nobody waits once all were answered');
    assert(ok.length >= 2, `at least the warm children served (${ok.length})`);
  } finally {
    await b.stop();
  }
});
