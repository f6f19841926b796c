// The TypeScript SDK's legacy HTTP+SSE client (2024-11-05: GET /sse + POST /message),
// through mcp-bridge, to server-everything.
import { expectSessionsGone, run, sdk, startBridge, withTimeout } from './lib/harness.mjs';
import { exercise, makeClient } from './lib/exercise.mjs';

const { SSEClientTransport } = await sdk('client/sse.js');

await run('typescript legacy SSE client completes the feature walk', async () => {
  const bridge = await startBridge(['--warm-pool', '1']);
  try {
    const client = await makeClient('ts-sse');
    const transport = new SSEClientTransport(new URL(`${bridge.base}/sse`));
    await withTimeout(client.connect(transport), 15000, 'connect');
    await exercise(client);
    await client.close();
    // Closing the SSE stream ends a 2024-11-05 session and its child (HTTP upstream mode: its
    // upstream session, deleted).
    await expectSessionsGone(bridge, 1, 1);
  } finally {
    await bridge.stop();
  }
});
