// SIGTERM: the bridge stops accepting connections, lets in-flight requests finish within
// --shutdown-grace, then terminates every child and exits 0 without leaving any behind;
// a request that outlives the grace period gets a JSON-RPC error instead of silence.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { assert, childPids, run, sleep, startBridge, withTimeout } from './lib/harness.mjs';
import { call, initialize, post } from './lib/raw.mjs';

const fixture = ['node', path.join(import.meta.dirname, 'fixtures/misbehaving_server.mjs')];

await run('SIGTERM lets an in-flight request finish, then stops every child', async () => {
  const b = await startBridge(['--warm-pool', '2', '--shutdown-grace', '10']);
  const h = await initialize(b.url, '2025-11-25');
  const body = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'trigger-long-running-operation', arguments: { duration: 2, steps: 2 } } };
  const inflight = post(b.url, body, h);
  await sleep(300);
  const kids = childPids(b.proc.pid);
  assert(kids.length === 3, `session child and two warm children, got ${kids.length}`);
  const exited = new Promise((resolve) => b.proc.on('exit', (code) => resolve(code)));
  b.proc.kill('SIGTERM');
  await sleep(200);
  const refused = await new Promise((resolve) => {
    const sock = net.connect(b.port, '127.0.0.1');
    sock.on('connect', () => (sock.destroy(), resolve('accepted')));
    sock.on('error', () => resolve('refused'));
  });
  assert(refused === 'refused', 'no new connections after SIGTERM');
  const r = await withTimeout(inflight, 10000, 'in-flight request');
  assert(r.messages.at(-1).result?.content, `in-flight request completed: ${r.text}`);
  const code = await withTimeout(exited, 10000, 'exit');
  assert(code === 0, `exit code ${code}`);
  for (const k of kids) assert(!fs.existsSync(`/proc/${k}`), `child ${k} is gone`);
});

await run('a request outliving the grace period gets a JSON-RPC error and the child is killed', async () => {
  const b = await startBridge(['--shutdown-grace', '1'], fixture);
  const h = await initialize(b.url, '2025-11-25');
  const hang = post(b.url, call(9, 'hang'), h);
  await sleep(200);
  const kids = childPids(b.proc.pid);
  const exited = new Promise((resolve) => b.proc.on('exit', (code) => resolve(code)));
  const t0 = Date.now();
  b.proc.kill('SIGTERM');
  const r = await withTimeout(hang, 5000, 'hanging request answered');
  assert(r.messages[0].id === 9 && r.messages[0].error, `error after the grace period: ${r.text}`);
  assert(Date.now() - t0 >= 900, 'not before the grace period');
  assert((await withTimeout(exited, 10000, 'exit')) === 0, 'clean exit');
  for (const k of kids) assert(!fs.existsSync(`/proc/${k}`), `child ${k} is gone`);
});
