// --session-mode shared: every session is served by one child. The TypeScript SDK numbers
// its requests (and progress tokens) from 0 in every client, so concurrent clients collide
// on ids by construction; each must still get exactly its own answers and progress.
import { assert, childPids, run, sdk, sleep, startBridge, withTimeout } from './lib/harness.mjs';

const { Client } = await sdk('client/index.js');
const { StreamableHTTPClientTransport } = await sdk('client/streamableHttp.js');

async function connect(url, name) {
  const client = new Client({ name, version: '1' });
  const transport = new StreamableHTTPClientTransport(url);
  await withTimeout(client.connect(transport), 15000, `connect ${name}`);
  return { client, transport };
}

async function waitFor(cond, ms, what) {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

await run('shared mode serves many sessions from one child without mixing answers', async () => {
  const b = await startBridge(['--session-mode', 'shared']);
  try {
    const clients = await Promise.all([0, 1, 2, 3, 4].map((i) => connect(b.url, `shared${i}`)));
    assert(childPids(b.proc.pid).length === 1, `one child for all sessions, got ${childPids(b.proc.pid).length}`);
    await waitFor(() => (b.log().match(/msg="session started"/g) || []).length >= 5, 5000, 'session log lines');
    const pids = new Set([...b.log().matchAll(/msg="session started" session=\w+ pid=(\d+)/g)].map((m) => m[1]));
    assert(pids.size === 1, `sessions report one shared pid, got ${[...pids]}`);

    await Promise.all(
      clients.map(async ({ client }, i) => {
        for (let k = 0; k < 20; k++) {
          const r = await client.callTool({ name: 'echo', arguments: { message: `c${i}-${k}` } });
          assert(r.content[0].text === `Echo: c${i}-${k}`, `client ${i} call ${k} got ${r.content[0].text}`);
        }
      }),
    );

    const progress = [[], []];
    await Promise.all(
      [0, 1].map((i) =>
        clients[i].client.callTool(
          { name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 4 } },
          undefined,
          { onprogress: (p) => progress[i].push(p.progress), timeout: 20000 },
        ),
      ),
    );
    for (const p of progress) {
      assert(p.length >= 3 && p.length <= 4, `each client sees only its own progress: ${JSON.stringify(progress)}`);
    }

    await clients[0].transport.terminateSession();
    const r = await clients[1].client.callTool({ name: 'echo', arguments: { message: 'after delete' } });
    assert(r.content[0].text === 'Echo: after delete', 'other sessions survive a DELETE');
    assert(childPids(b.proc.pid).length === 1, 'the shared child survives a DELETE');

    // The shared child dies: every session ends; a new session gets a new child.
    const [pid] = childPids(b.proc.pid);
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !childPids(b.proc.pid).includes(pid), 5000, 'child reaped');
    const dead = await clients[2].client.callTool({ name: 'echo', arguments: { message: 'x' } }).then(
      () => 'answered',
      () => 'failed',
    );
    assert(dead === 'failed', 'sessions of the dead child end');
    const readyBy = Date.now() + 15000;
    while ((await fetch(`${b.base}/readyz`)).status !== 200) {
      assert(Date.now() < readyBy, '/readyz recovers once the shared child is restarted');
      await sleep(100);
    }
    const fresh = await connect(b.url, 'fresh');
    const again = await fresh.client.callTool({ name: 'echo', arguments: { message: 'new child' } });
    assert(again.content[0].text === 'Echo: new child', 'a new session starts a new shared child');
    await fresh.transport.terminateSession();
    for (const c of clients) await c.client.close();
    await fresh.client.close();
  } finally {
    await b.stop();
  }
});
