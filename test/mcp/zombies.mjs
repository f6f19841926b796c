// PID 1 duties (issue 14): a server launched through a wrapper that forks leaves no zombie
// and no stray process behind, however many sessions come and go. Two launchers, both
// around the real server-everything: one that waits for its child (a Node launcher, as npx
// is), with the bridge as PID 1 of its own PID namespace as in a container; and one that
// daemonizes it (double fork, the server is orphaned), with the bridge as an ordinary
// process, which must then make itself the orphans' subreaper. Each case opens and ends
// (initialize + DELETE) up to MCP_ZOMBIE_SESSIONS sessions (1,000), bounded in time.
import { assert, descendants, everything, run, settle, startBridge, withTimeout } from './lib/harness.mjs';
import { initialize } from './lib/raw.mjs';

const sessions = Number(process.env.MCP_ZOMBIE_SESSIONS || 1000);
const budgetMs = Number(process.env.MCP_ZOMBIE_BUDGET_MS || 90000);
// Each session starts a Node server (~1 s of CPU on a loaded 2-core machine): fewer than
// this many in the time budget proves too little, so the test fails rather than passes.
const minSessions = Number(process.env.MCP_ZOMBIE_MIN_SESSIONS || 60);

const waits = [
  'node',
  '-e',
  "const c = require('child_process').spawn(process.argv[1], process.argv.slice(2), { stdio: 'inherit' });" +
    "c.on('exit', (code) => process.exit(code ?? 1));",
  ...everything,
];
// The subshell starts the server in the background and exits at once: the server is orphaned.
// (A background command's stdin is /dev/null in sh, so the server gets the pipe through fd 3.)
const daemonizes = ['sh', '-c', 'exec 3<&0; ("$@" 0<&3 3<&- &); exec 3<&- sleep 2147483647', 'daemonize', ...everything];
const pid1 = ['unshare', '--user', '--map-root-user', '--pid', '--fork', '--kill-child=SIGTERM', '--'];

async function churn(name, launcher, prefix, check) {
  await run(`${name}: up to ${sessions} sessions (time-bounded) leave 0 zombies and a constant process count`, async () => {
    const b = await startBridge(['--warm-pool', '2', '--max-sessions', '8', '--idle-timeout', '30'], launcher, process.env, prefix);
    try {
      // Both warm children up (each is a launcher and its server), nothing else.
      const base = await settle(b.pid, 4, 20000);
      assert(base.length === 4 && !base.some((p) => p.state === 'Z'), `baseline tree ${JSON.stringify(base)}`);
      await check?.(b);
      const t0 = Date.now();
      let done = 0;
      const worker = async () => {
        while (done < sessions && Date.now() - t0 < budgetMs) {
          done++;
          const h = await withTimeout(initialize(b.url), 20000, 'initialize');
          const r = await fetch(b.url, { method: 'DELETE', headers: h });
          assert(r.status === 200, `DELETE got ${r.status}`);
        }
      };
      await Promise.all([worker(), worker(), worker()]);
      const after = await settle(b.pid, base.length, 20000);
      const zombies = after.filter((p) => p.state === 'Z');
      console.log(`MEASURE ${name} sessions=${done} seconds=${((Date.now() - t0) / 1000).toFixed(1)} ` +
        `processes_before=${base.length} processes_after=${after.length} zombies=${zombies.length}`);
      assert(zombies.length === 0, `${zombies.length} zombies under the bridge after ${done} sessions`);
      assert(after.length === base.length, `process count ${after.length} after, ${base.length} before`);
      assert(done >= minSessions, `only ${done} sessions in ${budgetMs} ms`);
    } finally {
      await b.stop();
    }
  });
}

await churn('a launcher that waits for its child, bridge as PID 1', waits, pid1);
await churn('a launcher that daemonizes its child, bridge not PID 1', daemonizes, [], async (b) => {
  // The orphaned servers must be the bridge's own children: it is their subreaper.
  const tree = descendants(b.pid);
  assert(tree.every((p) => p.ppid === b.pid), `every process is a child of the bridge: ${JSON.stringify(tree)}`);
});
