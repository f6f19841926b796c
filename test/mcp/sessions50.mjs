// 50 concurrent sessions through one bridge: 50 distinct child processes; killing one
// child ends only its session; after every session closes, no child, fd or thread of the
// bridge is left over (from /proc). Prints the bridge's resident memory idle and loaded.
import { assert, childPids, fdCount, rssKiB, run, sdk, sleep, startBridge, threadCount, withTimeout } from './lib/harness.mjs';

const { Client } = await sdk('client/index.js');
const { StreamableHTTPClientTransport } = await sdk('client/streamableHttp.js');
const N = 50;

async function waitFor(cond, ms, what) {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

await run(`${N} concurrent sessions get ${N} isolated children and leave nothing behind`, async () => {
  // At most --max-starting (4) children start at once; the rest wait in the start queue,
  // here long enough for 50 cold Node starts on a slow machine (the default is 10 s).
  const b = await startBridge(['--warm-pool', '2', '--max-sessions', String(N + 5), '--start-queue-timeout', '200']);
  try {
    await waitFor(() => childPids(b.proc.pid).length === 2, 20000, 'warm pool');
    await sleep(500);
    const fds0 = fdCount(b.proc.pid);
    const threads0 = threadCount(b.proc.pid);
    const rssIdle = rssKiB(b.proc.pid);

    const sessions = await withTimeout(
      Promise.all(
        Array.from({ length: N }, async (_, i) => {
          const client = new Client({ name: `c${i}`, version: '1' });
          const transport = new StreamableHTTPClientTransport(b.url);
          await client.connect(transport);
          const r = await client.callTool({ name: 'echo', arguments: { message: `m${i}` } });
          assert(r.content[0].text === `Echo: m${i}`, `session ${i} got its own answer`);
          return { client, transport };
        }),
      ),
      240000,
      `${N} sessions`,
    );
    // Map each session to its child from the bridge's log (it arrives on its own pipe).
    await waitFor(() => (b.log().match(/msg="session started"/g) || []).length >= N, 5000, 'session log lines');
    const pidOf = new Map();
    for (const m of b.log().matchAll(/msg="session started" session=([0-9a-f]+) pid=(\d+)/g)) pidOf.set(m[1], Number(m[2]));
    const pids = sessions.map((s) => pidOf.get(s.transport.sessionId));
    assert(pids.every((p) => p > 0), 'every session has a child pid');
    assert(new Set(pids).size === N, `${new Set(pids).size} distinct child pids for ${N} sessions`);
    const live = new Set(childPids(b.proc.pid));
    assert(pids.every((p) => live.has(p)), 'every session child is a live child of the bridge');
    const rssLoaded = rssKiB(b.proc.pid);

    // Kill one child: only its session ends.
    process.kill(pids[0], 'SIGKILL');
    await waitFor(() => !childPids(b.proc.pid).includes(pids[0]), 5000, 'killed child reaped');
    const dead = await sessions[0].client.callTool({ name: 'echo', arguments: { message: 'x' } }).then(
      () => 'answered',
      (e) => String(e),
    );
    assert(dead !== 'answered', 'the killed session no longer answers');
    await Promise.all(
      sessions.slice(1).map(async (s, i) => {
        const r = await s.client.callTool({ name: 'echo', arguments: { message: `again${i}` } });
        assert(r.content[0].text === `Echo: again${i}`, 'other sessions keep working');
      }),
    );

    await Promise.all(sessions.slice(1).map((s) => s.transport.terminateSession()));
    await Promise.all(sessions.map((s) => s.client.close()));
    await waitFor(() => childPids(b.proc.pid).length === 2, 20000, 'only the warm pool left');
    await waitFor(() => fdCount(b.proc.pid) <= fds0, 10000, `fds back to ${fds0} (now ${fdCount(b.proc.pid)})`);
    assert(threadCount(b.proc.pid) === threads0, `threads ${threadCount(b.proc.pid)} vs ${threads0}`);
    const m = await (await fetch(`${b.base}/metrics`)).text();
    assert(/mcp_bridge_active_sessions 0\n/.test(m), 'no active session left');
    console.log(`MEASURE bridge_rss_idle_kib=${rssIdle} bridge_rss_${N}_sessions_kib=${rssLoaded}`);
  } finally {
    await b.stop();
  }
});
