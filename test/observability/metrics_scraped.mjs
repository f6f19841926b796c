// Every metric name the alerts and dashboards read (promql_names.py) that the bridge or the
// gateway owns (mcp_bridge_*, mcp_gateway_*) is in the /metrics of a real mcp-bridge (stdio
// server-everything as its child) and a real mcp-gateway in front of it, after a tool call
// through both: a renamed metric fails here. And the two signals the alerts added read what
// they say: mcp_bridge_max_sessions is --max-sessions, mcp_gateway_member_up is 1 for a
// member that answers and 0 for one that does not.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assert, freePort, run, startBridge } from '../mcp/lib/harness.mjs';
import { call, initialize, post } from '../mcp/lib/raw.mjs';
import { startGateway } from '../mcp/lib/gateway.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const used = JSON.parse(execFileSync('python3', [path.join(here, 'promql_names.py')], { encoding: 'utf8' }));
const ours = used.filter((n) => n.startsWith('mcp_bridge_') || n.startsWith('mcp_gateway_'));

// The metric families (# TYPE lines) and sample names of one exposition.
async function scrape(base) {
  const r = await fetch(`${base}/metrics`);
  assert(r.status === 200, `GET ${base}/metrics: ${r.status}`);
  const text = await r.text();
  const families = new Set([...text.matchAll(/^# TYPE (\S+) \S+$/gm)].map((m) => m[1]));
  const samples = new Set([...text.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/gm)].map((m) => m[1]));
  return { text, families, samples };
}

await run('the bridge and the gateway export every metric the alerts and dashboards read', async () => {
  assert(ours.length >= 10, `only ${ours.length} bridge/gateway names found in the rules and dashboards`);
  const bridge = await startBridge(['--max-sessions', '7']);
  const dead = await freePort();  // nothing listens there: a member that is down
  const gw = await startGateway(['--member', `up=${bridge.url}`, '--member', `down=http://127.0.0.1:${dead}/mcp`,
                                 '--member-timeout', '2']);
  try {
    for (const url of [bridge.url, gw.url]) {
      const h = await initialize(url);
      const tool = url === bridge.url ? 'echo' : 'up_echo';
      const r = await post(url, call(1, tool, { message: 'hi' }), h);
      // The answer may follow notifications (server-everything logs) in the SSE stream.
      const answer = r.messages.find((m) => m.id === 1);
      assert(r.status === 200 && answer?.result && !answer.result.isError, `${tool} through ${url}: ${r.text}`);
    }
    const b = await scrape(bridge.base);
    const g = await scrape(`http://127.0.0.1:${gw.port}`);
    const exported = (n) => [b, g].some((s) => s.families.has(n) || s.samples.has(n));
    const missing = ours.filter((n) => !exported(n));
    assert(missing.length === 0, `read by the rules or dashboards but not exported: ${missing.join(', ')}`);
    // The histograms the dashboards read have samples, not only their # TYPE line.
    for (const h of ours.filter((n) => n.endsWith('_seconds'))) {
      assert(b.samples.has(`${h}_bucket`), `${h} has no samples after a call`);
    }
    assert(/^mcp_bridge_max_sessions 7$/m.test(b.text), 'mcp_bridge_max_sessions is --max-sessions');
    // Two calls reached the bridge: the direct one and the gateway's to its member.
    assert(/^mcp_bridge_tool_calls_total\{tool="echo",outcome="ok"\} 2$/m.test(b.text), 'the calls counted on the bridge');
    assert(/^mcp_bridge_tool_calls_total\{tool="up_echo",outcome="ok"\} 1$/m.test(g.text), 'the call counted on the gateway');
    assert(/^mcp_gateway_member_up\{member="up"\} 1$/m.test(g.text), `member up: ${g.text}`);
    assert(/^mcp_gateway_member_up\{member="down"\} 0$/m.test(g.text), `member down: ${g.text}`);
    assert(/^mcp_gateway_member_tools\{member="up"\} [1-9]/m.test(g.text), 'the member\'s tools counted');
    console.log(`checked ${ours.length} names: ${ours.join(' ')}`);
  } finally {
    await gw.stop();
    await bridge.stop();
  }
});
