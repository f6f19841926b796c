// Traces reach a real OpenTelemetry Collector (tools/otelcol: OTLP/HTTP receiver, file
// exporter) from mcp-bridge over server-everything (stdio), and from mcp-gateway in front of
// that bridge: the span tree, its attributes, no arguments anywhere, and the client's trace id.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { assert, freePort, run, sdk, sleep, startBridge, withTimeout } from './lib/harness.mjs';
import { startGateway } from './lib/gateway.mjs';

const { Client } = await sdk('client/index.js');
const { StreamableHTTPClientTransport } = await sdk('client/streamableHttp.js');

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const toolsBin = execFileSync('bash', ['-c', `source "${repo}/hack/lib.sh" && echo "$TOOLS_BIN"`]).toString().trim();
const otelcolBin = process.env.MCP_OTELCOL_BIN || path.join(toolsBin, 'otelcol-mcp');
if (!fs.existsSync(otelcolBin)) {
  throw new Error(`${otelcolBin} missing: run 'hack/build-tools.sh otelcol' (or 'make deps')`);
}

const SECRET = 'argument-that-must-not-be-traced-7f3a';

// The collector on a free loopback port, writing every export request it receives to a file.
async function startCollector() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otelcol-'));
  const port = await freePort();
  const out = path.join(dir, 'spans.jsonl');
  const config = path.join(dir, 'config.yaml');
  fs.writeFileSync(config, `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${port}
exporters:
  file:
    path: ${out}
    flush_interval: 100ms
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [file]
`);
  const proc = spawn(otelcolBin, ['--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (d) => (log += d));
  await withTimeout(
    new Promise((resolve, reject) => {
      proc.stderr.on('data', () => log.includes('Everything is ready') && resolve());
      proc.on('exit', (code) => reject(new Error(`collector exited early (${code}): ${log}`)));
    }),
    20000,
    'collector start',
  );
  return {
    endpoint: `http://127.0.0.1:${port}/v1/traces`,
    // Every span received so far, with its resource's service.name.
    spans() {
      if (!fs.existsSync(out)) return [];
      const spans = [];
      for (const line of fs.readFileSync(out, 'utf8').split('\n').filter(Boolean)) {
        for (const rs of JSON.parse(line).resourceSpans) {
          const service = rs.resource.attributes.find((a) => a.key === 'service.name').value.stringValue;
          for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ ...s, service });
        }
      }
      return spans;
    },
    raw: () => (fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : ''),
    async stop() {
      const exited = new Promise((resolve) => proc.on('exit', resolve));
      proc.kill('SIGTERM');
      await withTimeout(exited, 10000, 'collector stop');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const attr = (span, key) => {
  const a = (span.attributes || []).find((x) => x.key === key);
  return a && (a.value.stringValue ?? a.value.intValue ?? a.value.boolValue);
};

async function waitFor(what, fn, ms = 15000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await fn();
    if (got) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const hex = (n) => crypto.randomBytes(n).toString('hex');

await run('a tool call through mcp-bridge: server span -> client span, in the client trace, no arguments', async () => {
  const col = await startCollector();
  const bridge = await startBridge(['--otlp-endpoint', col.endpoint, '--service-name', 'bridge-under-test']);
  try {
    const traceId = hex(16);
    const parentId = hex(8);
    const client = new Client({ name: 'trace-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(bridge.url, {
      requestInit: { headers: { traceparent: `00-${traceId}-${parentId}-01` } },
    });
    await withTimeout(client.connect(transport), 15000, 'connect');
    const echo = await client.callTool({ name: 'echo', arguments: { message: SECRET } });
    assert(echo.content[0].text === `Echo: ${SECRET}`, `echo answered ${JSON.stringify(echo)}`);

    // No header, trace context in params._meta (SEP-414): the span continues that trace.
    const metaTrace = hex(16);
    const r = await fetch(bridge.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': transport.sessionId,
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({
        jsonrpc: '2.0', id: 77, method: 'tools/call',
        params: { name: 'echo', arguments: { message: SECRET }, _meta: { traceparent: `00-${metaTrace}-${hex(8)}-01` } },
      }),
    });
    assert(r.status === 200, `tools/call with _meta answered ${r.status}`);
    await r.text();
    const sessionId = transport.sessionId;
    await client.close();
    // The exporter's counters: the batches of the last second reached the collector.
    const exported = await waitFor('spans counted as exported on /metrics', async () => {
      const text = await (await fetch(`${bridge.base}/metrics`)).text();
      const n = Number((text.match(/^mcp_bridge_trace_spans_exported_total (\d+)/m) || [])[1]);
      const dropped = Number((text.match(/^mcp_bridge_trace_spans_dropped_total (\d+)/m) || [])[1]);
      assert(dropped === 0, `no span dropped: ${dropped}`);
      return n >= 4 ? n : null;
    });
    assert(exported >= 4, `exported ${exported}`);
    await bridge.stop();  // flushes what is queued

    const spans = await waitFor('the bridge spans', () => {
      const s = col.spans().filter((x) => x.service === 'bridge-under-test');
      return s.some((x) => x.traceId === metaTrace && x.kind === 2) && s.some((x) => x.kind === 3) ? s : null;
    });
    const server = spans.find((s) => s.kind === 2 && s.name === 'tools/call echo' && s.traceId === traceId);
    assert(server, `a SERVER span 'tools/call echo' in the client's trace: ${JSON.stringify(spans.map((s) => [s.name, s.kind, s.traceId]))}`);
    assert(server.parentSpanId === parentId, `its parent is the client's span: ${server.parentSpanId}`);
    assert(attr(server, 'mcp.method.name') === 'tools/call', 'mcp.method.name');
    assert(attr(server, 'gen_ai.tool.name') === 'echo', 'gen_ai.tool.name');
    assert(attr(server, 'mcp.session.id') === sessionId, `mcp.session.id ${attr(server, 'mcp.session.id')}`);
    assert(attr(server, 'http.response.status_code') === '200', 'http.response.status_code');
    assert(!server.status.code || server.status.code === 0, `the call succeeded: ${JSON.stringify(server.status)}`);
    const child = spans.find((s) => s.kind === 3 && s.parentSpanId === server.spanId);
    assert(child, 'a CLIENT span (the stdio child hop) under the server span');
    assert(child.traceId === traceId && child.name === 'tools/call echo', `client span ${child.name} ${child.traceId}`);
    assert(attr(child, 'network.transport') === 'pipe', 'the child hop is a pipe');
    assert(BigInt(child.startTimeUnixNano) >= BigInt(server.startTimeUnixNano), 'child starts within its parent');
    assert(BigInt(child.endTimeUnixNano) <= BigInt(server.endTimeUnixNano), 'child ends within its parent');
    const init = spans.find((s) => s.kind === 2 && s.name === 'initialize');
    assert(init && init.traceId === traceId, 'initialize has its server span in the same trace');
    const meta = spans.find((s) => s.kind === 2 && s.traceId === metaTrace);
    assert(meta && meta.name === 'tools/call echo', 'the _meta traceparent is continued when there is no header');
    assert(!col.raw().includes(SECRET), 'no tool argument reached the collector');
  } finally {
    if (bridge.proc.exitCode === null) await bridge.stop();
    await col.stop();
  }
});

await run('a tool call through mcp-gateway and a member bridge: one trace across both', async () => {
  const col = await startCollector();
  const member = await startBridge(['--otlp-endpoint', col.endpoint, '--service-name', 'member-bridge']);
  const gw = await startGateway(['--member', `std=${member.url.href}`, '--otlp-endpoint', col.endpoint,
    '--service-name', 'gateway-under-test']);
  try {
    const traceId = hex(16);
    const client = new Client({ name: 'trace-test-gw', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(gw.url), {
      requestInit: { headers: { traceparent: `00-${traceId}-${hex(8)}-01` } },
    });
    await withTimeout(client.connect(transport), 15000, 'connect');
    const echo = await client.callTool({ name: 'std_echo', arguments: { message: SECRET } });
    assert(echo.content[0].text === `Echo: ${SECRET}`, `echo answered ${JSON.stringify(echo)}`);
    const gwSession = transport.sessionId;
    await client.close();
    await gw.stop();
    await member.stop();
    const inTrace = await waitFor('spans of both services', () => {
      const s = col.spans().filter((x) => x.traceId === traceId);
      return s.some((x) => x.service === 'member-bridge' && x.kind === 3 && x.name === 'tools/call echo') &&
        s.some((x) => x.service === 'gateway-under-test' && x.kind === 3) ? s : null;
    });
    const gwServer = inTrace.find((s) => s.service === 'gateway-under-test' && s.kind === 2 && s.name === 'tools/call std_echo');
    assert(gwServer, `the gateway's SERVER span: ${JSON.stringify(inTrace.map((s) => [s.service, s.name, s.kind]))}`);
    const sid = attr(gwServer, 'mcp.session.id');
    assert(sid && sid !== gwSession && /^h:[0-9a-f]{16}$/.test(sid), `the sealed session id only as a hash: ${sid}`);
    const gwClient = inTrace.find((s) => s.service === 'gateway-under-test' && s.kind === 3 && s.parentSpanId === gwServer.spanId);
    assert(gwClient, 'the gateway CLIENT span under its server span');
    const memberServer = inTrace.find((s) => s.service === 'member-bridge' && s.kind === 2 && s.name === 'tools/call echo');
    assert(memberServer, 'the member bridge continued the trace (traceparent header from the gateway)');
    assert(memberServer.parentSpanId === gwClient.spanId, 'the member span is a child of the gateway CLIENT span');
    const memberClient = inTrace.find((s) => s.service === 'member-bridge' && s.kind === 3 && s.parentSpanId === memberServer.spanId);
    assert(memberClient, 'the member CLIENT span (stdio hop) under the member server span');
    assert(!col.raw().includes(SECRET), 'no tool argument reached the collector');
    assert(!col.raw().includes(gwSession), 'the sealed gateway session id never reached the collector');
  } finally {
    await gw.stop();
    if (member.proc.exitCode === null) await member.stop();
    await col.stop();
  }
});

await run('a collector that is gone costs the requests nothing: spans are dropped and counted', async () => {
  const nobody = await freePort();  // nothing listens there
  const bridge = await startBridge(['--otlp-endpoint', `http://127.0.0.1:${nobody}/v1/traces`]);
  try {
    const client = new Client({ name: 'trace-test-down', version: '1.0.0' });
    await withTimeout(client.connect(new StreamableHTTPClientTransport(bridge.url)), 15000, 'connect');
    const t0 = Date.now();
    const echo = await client.callTool({ name: 'echo', arguments: { message: 'still served' } });
    assert(echo.content[0].text === 'Echo: still served', `echo answered ${JSON.stringify(echo)}`);
    assert(Date.now() - t0 < 2000, `the call took ${Date.now() - t0} ms`);
    await client.close();
    const dropped = await waitFor('dropped spans on /metrics', async () => {
      const text = await (await fetch(`${bridge.base}/metrics`)).text();
      const n = Number((text.match(/^mcp_bridge_trace_spans_dropped_total (\d+)/m) || [])[1]);
      assert(/^mcp_bridge_trace_spans_exported_total 0$/m.test(text), 'nothing counted as exported');
      return n >= 2 ? n : null;
    });
    assert(dropped >= 2, `dropped ${dropped}`);
    const warnings = bridge.log().split('\n').filter((l) => l.includes('trace export failing'));
    assert(warnings.length === 1, `the outage is logged once, got ${warnings.length}`);
  } finally {
    await bridge.stop();
  }
});
