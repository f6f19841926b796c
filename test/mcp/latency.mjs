// Median added latency of a tools/call echo through the bridge (Streamable HTTP, SSE
// answers) versus the same call over direct stdio to the same server, measured in one run
// with the same TypeScript SDK client. Fails if the bridge adds more than 10 ms at the median.
import { assert, everything, run, sdk, startBridge } from './lib/harness.mjs';

const { Client } = await sdk('client/index.js');
const { StdioClientTransport } = await sdk('client/stdio.js');
const { StreamableHTTPClientTransport } = await sdk('client/streamableHttp.js');
const CALLS = 300;

async function medianMs(client) {
  for (let i = 0; i < 20; i++) await client.callTool({ name: 'echo', arguments: { message: 'warm' } });
  const t = [];
  for (let i = 0; i < CALLS; i++) {
    const t0 = process.hrtime.bigint();
    await client.callTool({ name: 'echo', arguments: { message: `m${i}` } });
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)];
}

await run('the bridge adds little latency to a tools/call', async () => {
  const direct = new Client({ name: 'direct', version: '1' });
  await direct.connect(new StdioClientTransport({ command: everything[0], args: everything.slice(1), stderr: 'ignore' }));
  const directMs = await medianMs(direct);
  await direct.close();

  const b = await startBridge();
  try {
    const viaBridge = new Client({ name: 'bridged', version: '1' });
    const transport = new StreamableHTTPClientTransport(b.url);
    await viaBridge.connect(transport);
    const bridgedMs = await medianMs(viaBridge);
    await transport.terminateSession();
    await viaBridge.close();
    const added = bridgedMs - directMs;
    console.log(
      `MEASURE echo_median_direct_stdio_ms=${directMs.toFixed(3)} echo_median_bridge_ms=${bridgedMs.toFixed(3)} added_ms=${added.toFixed(3)}`,
    );
    assert(added < 10, `the bridge added ${added.toFixed(3)} ms at the median`);
  } finally {
    await b.stop();
  }
});

await run('the warm pool hides the server start-up from initialize', async () => {
  const connectMs = async (pool) => {
    const b = await startBridge(['--warm-pool', String(pool)]);
    try {
      const client = new Client({ name: `pool${pool}`, version: '1' });
      const transport = new StreamableHTTPClientTransport(b.url);
      const t0 = process.hrtime.bigint();
      await client.connect(transport);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      await transport.terminateSession();
      await client.close();
      return ms;
    } finally {
      await b.stop();
    }
  };
  const cold = await connectMs(0);
  const warm = await connectMs(1);
  console.log(`MEASURE initialize_cold_ms=${cold.toFixed(1)} initialize_warm_pool_ms=${warm.toFixed(1)}`);
  assert(warm < cold / 2, `warm ${warm.toFixed(1)} ms is not well below cold ${cold.toFixed(1)} ms`);
});
