// Shared helpers for the mcp test tier: start the real bridge binary in front of a real
// stdio server, find the pinned peers, and check that nothing is left behind. Every wait
// is bounded; every failure throws, so the test process exits non-zero.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const bridgeBin = process.env.MCP_BRIDGE_BIN;
export const peersDir = process.env.MCP_PEERS_DIR;
if (!bridgeBin || !peersDir) {
  throw new Error('MCP_BRIDGE_BIN and MCP_PEERS_DIR must be set (run through CTest, label mcp)');
}
if (!fs.existsSync(path.join(peersDir, '.complete'))) {
  throw new Error(`MCP peers are not installed in ${peersDir}: run "hack/deps.sh peers"`);
}

export const everything = [path.join(peersDir, 'node_modules/.bin/mcp-server-everything'), 'stdio'];

// MCP_UPSTREAM_MODE=http runs a test against the bridge's HTTP upstream mode: server-everything
// then serves Streamable HTTP itself and the bridge fronts it (--upstream) instead of running
// it as a child; the bridge has no children at all.
export const httpUpstream = process.env.MCP_UPSTREAM_MODE === 'http';

// A port nobody listens on right now (the kernel's pick, released again).
export async function freePort() {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// server-everything serving Streamable HTTP on a free loopback port, once it listens.
export async function startHttpEverything(port = null) {
  port ??= await freePort();
  const proc = spawn(path.join(peersDir, 'node_modules/.bin/node'),
    [path.join(peersDir, 'node_modules/.bin/mcp-server-everything'), 'streamableHttp'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PORT: String(port) } });
  let log = '';
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  await withTimeout(
    new Promise((resolve, reject) => {
      proc.stderr.on('data', (d) => {
        log += d;
        if (/listening on port/.test(log)) resolve();
      });
      proc.on('exit', (code) => reject(new Error(`server-everything (HTTP) exited early (${code}): ${log}`)));
    }),
    20000,
    'server-everything HTTP start',
  );
  return {
    proc,
    port,
    url: `http://127.0.0.1:${port}/mcp`,
    log: () => log,
    // Upstream sessions the server was asked to end (DELETE), from its own log.
    deletes: () => (out.match(/Received session termination request/g) || []).length,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((resolve) => proc.on('exit', resolve));
      proc.kill('SIGTERM');
      await withTimeout(exited, 10000, 'server-everything HTTP stop');
    },
  };
}

// Imports a module of the pinned TypeScript SDK by its file path (the peers live outside
// this repository, so bare specifiers would not resolve).
export async function sdk(rel) {
  return import(pathToFileURL(path.join(peersDir, 'node_modules/@modelcontextprotocol/sdk/dist/esm', rel)).href);
}

export function assert(cond, what) {
  if (!cond) {
    throw new Error(`assertion failed: ${what}`);
  }
}

export async function withTimeout(promise, ms, what) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, t]);
  } finally {
    clearTimeout(timer);
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The pids whose parent is `pid` (from /proc), i.e. the bridge's live children.
export function childPids(pid) {
  const out = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(d));
    } catch {
      // the process went away while we looked
    }
  }
  return out;
}

export { descendants, settle } from './proc.mjs';

// CPU seconds (user + system) a process has used so far.
export function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;  // utime, stime in clock ticks (USER_HZ = 100)
}

export const fdCount = (pid) => fs.readdirSync(`/proc/${pid}/fd`).length;
export const threadCount = (pid) => fs.readdirSync(`/proc/${pid}/task`).length;
export function rssKiB(pid) {
  const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return m ? Number(m[1]) : NaN;
}

// Starts mcp-bridge on a free port (it logs the port it bound) and resolves once it serves.
// `prefix` runs the bridge under another command (e.g. `unshare ... --` to make it PID 1).
export async function startBridge(extraArgs = [], command = everything, env = process.env, prefix = []) {
  const upstream = httpUpstream && command === everything ? await startHttpEverything() : null;
  const args = upstream
    ? ['--port', '0', ...extraArgs, '--upstream', upstream.url]
    : ['--port', '0', ...extraArgs, ...(command.length ? ['--', ...command] : [])];
  const argv = [...prefix, bridgeBin, ...args];
  const proc = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stderr = '';
  let stdout = '';
  proc.stdout.on('data', (d) => (stdout += d));
  const port = await withTimeout(
    new Promise((resolve, reject) => {
      proc.stderr.on('data', (d) => {
        stderr += d;
        const m = stderr.match(/msg=listening .*?port=(\d+)|"msg":"listening".*?"port":"(\d+)"/);
        if (m) resolve(Number(m[1] || m[2]));
      });
      proc.on('exit', (code) => {
        if (upstream) upstream.stop();
        reject(new Error(`bridge exited early (${code}): ${stderr}`));
      });
    }),
    10000,
    'bridge start',
  );
  const base = `http://127.0.0.1:${port}`;
  const bridge = {
    proc,
    upstream,
    // Under a prefix that forks (unshare) the bridge is its child; one that execs (prlimit) is the bridge.
    pid: fs.realpathSync(`/proc/${proc.pid}/exe`) === fs.realpathSync(bridgeBin) ? proc.pid : childPids(proc.pid)[0],
    port,
    base,
    url: new URL(`${base}/mcp`),
    log: () => stderr,
    stdout: () => stdout,
    // SIGTERM, then require a clean exit, no bytes on stdout, and no child left behind.
    async stop() {
      const kids = childPids(bridge.pid);
      const exited = new Promise((resolve) => proc.on('exit', (code, sig) => resolve({ code, sig })));
      process.kill(bridge.pid, 'SIGTERM');
      const { code } = await withTimeout(exited, 15000, 'bridge shutdown');
      assert(code === 0, `bridge exit code ${code}; log:\n${stderr}`);
      assert(stdout === '', `bridge wrote to stdout: ${stdout}`);
      // A killed child can take a moment to vanish from /proc on a loaded machine (its exit, then
      // init reaping it once the bridge is gone); a leaked one stays for good.
      const gone = Date.now() + 3000;
      while (kids.some((k) => fs.existsSync(`/proc/${k}`)) && Date.now() < gone) await sleep(100);
      for (const k of kids) {
        assert(!fs.existsSync(`/proc/${k}`), `child ${k} outlived the bridge`);
      }
      if (upstream) await upstream.stop();
    },
  };
  // Ready means a warm child is waiting.
  const deadline = Date.now() + 20000;
  for (;;) {
    const r = await fetch(`${base}/readyz`).catch(() => null);
    if (r && r.status === 200) break;
    if (Date.now() > deadline) throw new Error(`bridge never became ready:\n${stderr}`);
    await sleep(100);
  }
  return bridge;
}

// Sessions the bridge holds now, from its /metrics.
export async function activeSessions(bridge) {
  const text = await (await fetch(`${bridge.base}/metrics`)).text();
  const m = text.match(/^mcp_bridge_active_sessions (\d+)/m);
  return m ? Number(m[1]) : NaN;
}

// Waits until every session has ended, then checks what is left: in stdio mode `warm` children
// (the warm pool); in HTTP upstream mode no child at all, no session, and at least `deleted`
// upstream sessions ended with DELETE (clients that only drop their connection leave theirs
// to the server's own expiry, as they would without the bridge).
export async function expectSessionsGone(bridge, warm, deleted = 0, ms = 10000) {
  const deadline = Date.now() + ms;
  if (!bridge.upstream) {
    while (childPids(bridge.proc.pid).length > warm && Date.now() < deadline) await sleep(50);
    const left = childPids(bridge.proc.pid).length;
    assert(left === warm, `${warm} warm child(ren) left after the sessions ended, got ${left}`);
    return;
  }
  while (((await activeSessions(bridge)) !== 0 || bridge.upstream.deletes() < deleted) && Date.now() < deadline) {
    await sleep(50);
  }
  assert((await activeSessions(bridge)) === 0, `sessions left: ${await activeSessions(bridge)}`);
  assert(bridge.upstream.deletes() >= deleted, `upstream sessions deleted: ${bridge.upstream.deletes()} < ${deleted}`);
  assert(childPids(bridge.proc.pid).length === 0, 'no child in HTTP upstream mode');
}

// Runs a test body, always stopping the bridge; prints PASS/FAIL lines for the CTest log.
export async function run(name, body) {
  try {
    await body();
    console.log(`PASS ${name}`);
  } catch (e) {
    console.error(`FAIL ${name}: ${e.stack || e}`);
    process.exitCode = 1;
  }
}
