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

// Every descendant of `pid` with its state letter from /proc/<pid>/stat (Z: a zombie).
export function descendants(pid) {
  const parent = new Map();
  const state = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      state.set(Number(d), f[0]);
      parent.set(Number(d), Number(f[1]));
    } catch {
      // gone while we looked
    }
  }
  const out = [];
  const walk = (p) => {
    for (const [c, pp] of parent) {
      if (pp === p) {
        out.push({ pid: c, ppid: p, state: state.get(c) });
        walk(c);
      }
    }
  };
  walk(pid);
  return out;
}

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
  const args = ['--port', '0', ...extraArgs, '--', ...command];
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
      proc.on('exit', (code) => reject(new Error(`bridge exited early (${code}): ${stderr}`)));
    }),
    10000,
    'bridge start',
  );
  const base = `http://127.0.0.1:${port}`;
  const bridge = {
    proc,
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
