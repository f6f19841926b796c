// mcp-gateway (MCPPool's endpoint) in front of real, unmodified members: server-everything
// serving Streamable HTTP itself (twice, as two members) and server-everything over stdio
// behind the real mcp-bridge. The TypeScript SDK client lists the prefixed tools and calls a
// tool of each member; include/exclude and priority resolution show in tools/list. Then what
// only a pool has: two gateway replicas sharing a keyring (sessions opened on one continue on
// the other after it stops: none lost), a member killed (its calls fail fast, the others keep
// working), and a member with three replicas (sessions spread, each stays on its pod).
import fs from 'node:fs';
import crypto from 'node:crypto';
import { assert, run, sdk, sleep, startBridge, startHttpEverything, withTimeout } from './lib/harness.mjs';
import { call, initialize, post } from './lib/raw.mjs';
import { gatewayBin, keyringDir, startGateway } from './lib/gateway.mjs';
const { Client } = await sdk('client/index.js');
const { StreamableHTTPClientTransport } = await sdk('client/streamableHttp.js');

async function sdkClient(url) {
  const client = new Client({ name: 'pool-test', version: '1.0.0' }, { capabilities: {} });
  await withTimeout(client.connect(new StreamableHTTPClientTransport(new URL(url))), 15000, 'connect');
  return client;
}

const text = (r) => r.content?.[0]?.text;

await run('three members of two kinds behind one endpoint: prefixed tools, include/exclude, a call to each', async () => {
  const a = await startHttpEverything();
  const b = await startHttpEverything();
  const s = await startBridge();  // server-everything over stdio, behind the bridge
  const gw = await startGateway([
    '--member', `a=${a.url}`,
    '--member', `bee=${b.url}`, '--tool-prefix', 'bee=bee.', '--exclude', 'bee=get-*',
    '--member', `std=${s.url.href}`, '--include', 'std=echo', '--include', 'std=get-sum',
  ]);
  try {
    const client = await sdkClient(gw.url);
    const names = (await client.listTools()).tools.map((t) => t.name);
    for (const n of ['a_echo', 'a_get-sum', 'bee.echo', 'std_echo', 'std_get-sum']) {
      assert(names.includes(n), `tools/list has ${n}: ${names.join(',')}`);
    }
    assert(!names.some((n) => n.startsWith('bee.get-')), `bee's get-* tools are excluded: ${names.join(',')}`);
    assert(names.filter((n) => n.startsWith('std_')).length === 2, `only std's included tools: ${names.join(',')}`);
    assert(text(await client.callTool({ name: 'a_echo', arguments: { message: 'to a' } })) === 'Echo: to a', 'a_echo');
    assert(text(await client.callTool({ name: 'bee.echo', arguments: { message: 'to b' } })) === 'Echo: to b', 'bee.echo');
    const sum = await client.callTool({ name: 'std_get-sum', arguments: { a: 40, b: 2 } });
    assert(JSON.stringify(sum.content).includes('42'), `std_get-sum: ${JSON.stringify(sum)}`);
    // A name no member serves is the caller's error, not a member's.
    let refused = null;
    await client.callTool({ name: 'nobody_echo', arguments: {} }).catch((e) => (refused = e));
    assert(refused && /nobody_echo/.test(String(refused.message)), `unknown tool refused by name: ${refused}`);
    const prompts = (await client.listPrompts()).prompts.map((p) => p.name);
    assert(prompts.some((p) => p.startsWith('a_')) && prompts.some((p) => p.startsWith('bee.')), `prompts: ${prompts}`);
    await client.close();
  } finally {
    await gw.stop();
    await s.stop();
    await a.stop();
    await b.stop();
  }
});

await run('priority resolution: one unprefixed name per tool, the first member wins', async () => {
  const a = await startHttpEverything();
  const b = await startHttpEverything();
  const gw = await startGateway(['--member', `a=${a.url}`, '--member', `b=${b.url}`, '--conflict-resolution', 'priority']);
  try {
    const client = await sdkClient(gw.url);
    const names = (await client.listTools()).tools.map((t) => t.name);
    assert(names.filter((n) => n === 'echo').length === 1, `echo listed once: ${names.join(',')}`);
    assert(!names.some((n) => n.startsWith('a_') || n.startsWith('b_')), `no prefixes: ${names.join(',')}`);
    assert(text(await client.callTool({ name: 'echo', arguments: { message: 'p' } })) === 'Echo: p', 'echo');
    await client.close();
  } finally {
    await gw.stop();
    await a.stop();
    await b.stop();
  }
});

await run('two replicas, one keyring: 20 sessions survive the replica that opened them', async () => {
  const a = await startHttpEverything();
  const b = await startHttpEverything();
  const ring = keyringDir();
  const members = ['--member', `a=${a.url}`, '--member', `b=${b.url}`, '--keyring-dir', ring];
  const one = await startGateway(members);
  const two = await startGateway(members);
  try {
    const sessions = [];
    for (let i = 0; i < 20; i++) sessions.push(await initialize(one.url, '2025-06-18'));
    for (const [i, h] of sessions.entries()) {
      const r = await post(one.url, call(1, 'a_echo', { message: `one ${i}` }), h);
      assert(r.messages[0]?.result?.content?.[0]?.text === `Echo: one ${i}`, `session ${i} on replica one: ${r.text}`);
    }
    await one.stop();  // releases its sessions: the upstream sessions stay
    let lost = 0;
    for (const [i, h] of sessions.entries()) {
      const r = await post(two.url, call(2, i % 2 ? 'a_echo' : 'b_echo', { message: `two ${i}` }), h);
      if (r.messages[0]?.result?.content?.[0]?.text !== `Echo: two ${i}`) {
        lost++;
        console.error(`session ${i} on replica two: ${r.status} ${r.text}`);
      }
    }
    assert(lost === 0, `${lost} of 20 sessions lost`);
    // A token altered anywhere does not open: 404, so the client initializes again.
    const forged = { ...sessions[0], 'mcp-session-id': sessions[0]['mcp-session-id'].slice(0, -2) + 'AA' };
    const r = await post(two.url, call(3, 'a_echo', { message: 'x' }), forged);
    assert(r.status === 404, `a forged session id gets 404, got ${r.status}`);
    // DELETE ends it for good: the members' sessions are deleted too.
    const before = a.deletes() + b.deletes();
    const d = await fetch(two.url, { method: 'DELETE', headers: sessions[0] });
    assert(d.status === 200, `DELETE ${d.status}`);
    const deadline = Date.now() + 5000;
    while (a.deletes() + b.deletes() < before + 2 && Date.now() < deadline) await sleep(50);
    assert(a.deletes() + b.deletes() >= before + 2, 'both upstream sessions deleted');
  } finally {
    await one.stop();
    await two.stop();
    await a.stop();
    await b.stop();
    fs.rmSync(ring, { recursive: true, force: true });
  }
});

await run('a member killed: its calls fail fast with an error, the other member keeps answering', async () => {
  const a = await startHttpEverything();
  const b = await startHttpEverything();
  const gw = await startGateway(['--member', `a=${a.url}`, '--member', `b=${b.url}`]);
  try {
    const h = await initialize(gw.url, '2025-06-18');
    await a.stop();
    const started = Date.now();
    const r = await withTimeout(post(gw.url, call(1, 'a_echo', { message: 'x' }), h), 10000, 'a call to the dead member');
    const err = r.messages[0]?.error;
    assert(err && err.message, `the dead member's call is an error: ${r.text}`);
    console.log(`  the dead member's call failed in ${Date.now() - started} ms: ${err.message}`);
    const ok = await post(gw.url, call(2, 'b_echo', { message: 'still' }), h);
    assert(ok.messages[0]?.result?.content?.[0]?.text === 'Echo: still', `b answers: ${ok.text}`);
    // The probe notices too: a's tools leave the catalog (b's stay).
    const deadline = Date.now() + 20000;
    let names = [];
    while (Date.now() < deadline) {
      const fresh = await initialize(gw.url, '2025-06-18');
      const l = await post(gw.url, { jsonrpc: '2.0', id: 9, method: 'tools/list' }, fresh);
      names = (l.messages[0]?.result?.tools || []).map((t) => t.name);
      if (!names.some((n) => n.startsWith('a_'))) break;
      await sleep(500);
    }
    assert(!names.some((n) => n.startsWith('a_')) && names.includes('b_echo'), `catalog without a: ${names}`);
    assert(/member unavailable.*member=a/.test(gw.log()), 'the log names the member');
  } finally {
    await gw.stop();
    await a.stop();
    await b.stop();
  }
});

await run('a member with three replicas: sessions spread over them, each stays on its own', async () => {
  const pods = [];
  for (let i = 0; i < 3; i++) pods.push(await startHttpEverything());
  const gw = await startGateway(pods.flatMap((p) => ['--member', `m=${p.url}`]));
  try {
    const seen = new Map();  // session -> the PORT of the pod that served it
    for (let s = 0; s < 6; s++) {
      const h = await initialize(gw.url, '2025-06-18');
      const where = new Set();
      for (let k = 0; k < 3; k++) {
        const r = await post(gw.url, call(k + 1, 'm_get-env', {}), h);
        assert(r.messages[0]?.result, `get-env: ${r.text}`);
        // get-env prints the serving process's environment: PORT names the pod.
        const port = JSON.parse(r.messages[0].result.content[0].text).PORT;
        where.add(port);
      }
      assert(where.size === 1, `session ${s} stayed on one pod: ${[...where]}`);
      seen.set(s, [...where][0]);
    }
    const used = new Set(seen.values());
    assert(used.size >= 2, `sessions spread over the replicas: ${[...seen.entries()]}`);
  } finally {
    await gw.stop();
    for (const p of pods) await p.stop();
  }
});
