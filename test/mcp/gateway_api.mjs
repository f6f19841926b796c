// mcp-gateway reading its pool from the API (--pool), against the integration tier's real
// apiserver, under the namespaced Role the operator gives it (no Secret rights, no
// cluster-wide rights). The members are real: mcp-bridge processes with server-everything
// children, bound to an address on an interface this test makes (EndpointSlices refuse
// loopback addresses); the remote member is a bridge on loopback with a bearer token. The
// EndpointSlices are written by the test (no pods run in this tier), as the endpointslice
// controller would for the MCPServer's Service. The MCPServer asks for 0 replicas, so an
// operator that happens to reconcile it makes no (simulated) pod whose address would join.
//
// Proven: members listed and selected, prefixed tools, a call to each; GET /pool; a change of
// a member's filter reaches new sessions without a restart; a pod added to the slice takes new
// sessions and a pod removed from it takes none; a deleted MCPServer leaves its member without
// endpoint, naming why, while the other member keeps answering.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { assert, bridgeBin, everything, run, sdk, sleep, withTimeout } from './lib/harness.mjs';
import { keyringDir, startGateway } from './lib/gateway.mjs';

const { Client } = await sdk('client/index.js');
const { StreamableHTTPClientTransport } = await sdk('client/streamableHttp.js');

const kubectlBin = path.join(process.env.TOOLS_BIN, 'kubectl');
const NS = `gw-api-${process.pid}`;
const LINK = `mcpgw${process.pid % 10000}`;
const ADDR = '10.98.254.1';

function kubectl(args, input, kubeconfig = process.env.KUBECONFIG) {
  return execFileSync(kubectlBin, ['--kubeconfig', kubeconfig, ...args], {
    input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'],
  });
}
const apply = (obj) => kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=test', '-f', '-'],
  JSON.stringify(obj));

// A bridge (server-everything over stdio behind it) listening on host:port.
async function startMember(host, extra = []) {
  const proc = spawn(bridgeBin, ['--host', host, '--port', '0', ...extra, '--', ...everything],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const port = await withTimeout(new Promise((resolve, reject) => {
    proc.stderr.on('data', (d) => {
      log += d;
      const m = log.match(/msg=listening .*?port=(\d+)/);
      if (m) resolve(Number(m[1]));
    });
    proc.on('exit', (code) => reject(new Error(`member exited early (${code}): ${log}`)));
  }), 10000, 'member start');
  const base = `http://${host}:${port}`;
  const deadline = Date.now() + 20000;
  while (!(await fetch(`${base}/readyz`).then((r) => r.ok).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`member never ready: ${log}`);
    await sleep(100);
  }
  return {
    port, base,
    async sessions() {
      const text = await (await fetch(`${base}/metrics`)).text();
      return Number(text.match(/^mcp_bridge_active_sessions (\d+)/m)?.[1] ?? NaN);
    },
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.on('exit', r));
      proc.kill('SIGTERM');
      await withTimeout(exited, 15000, 'member stop');
    },
  };
}

function slice(name, service, addresses, port) {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name, namespace: NS, labels: {
      'kubernetes.io/service-name': service, 'endpointslice.kubernetes.io/managed-by': 'gateway-api-test' } },
    addressType: 'IPv4',
    ports: [{ name: 'mcp', port, protocol: 'TCP' }],
    endpoints: addresses.map((a) => ({ addresses: [a.ip], conditions: { ready: a.ready ?? true } })),
  };
}

async function connect(url) {
  const client = new Client({ name: 'gateway-api-test', version: '1.0.0' }, { capabilities: {} });
  await withTimeout(client.connect(new StreamableHTTPClientTransport(new URL(url))), 15000, 'connect');
  return client;
}
const names = async (c) => (await c.listTools()).tools.map((t) => t.name);
const text = (r) => r.content?.[0]?.text;

async function eventually(what, fn, ms = 10000) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last === true) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms (last: ${last?.stack ?? last})`);
    await sleep(100);
  }
}

if (process.getuid() !== 0) {
  console.error('SKIP: needs root to make the members\' interface');
  process.exit(77);
}

const cleanup = [];
execFileSync('ip', ['link', 'add', LINK, 'type', 'bridge']);
cleanup.push(() => execFileSync('ip', ['link', 'del', LINK]));
execFileSync('ip', ['addr', 'add', `${ADDR}/32`, 'dev', LINK]);
execFileSync('ip', ['link', 'set', LINK, 'up']);

await run('a gateway reads its MCPPool, members and their pods from the API and follows them', async () => {
  kubectl(['create', 'namespace', NS]);
  cleanup.push(() => kubectl(['delete', 'namespace', NS, '--wait=false']));
  // The identity and Role the operator gives a pool's gateway (lib/controllers mcppool_render).
  apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'tools-gateway', namespace: NS } });
  apply({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'tools-gateway', namespace: NS },
    rules: [
      { apiGroups: ['mcp.v2dy.io'], resources: ['mcppools'], resourceNames: ['tools'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['mcp.v2dy.io'], resources: ['mcpservers'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
    ],
  });
  apply({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'tools-gateway', namespace: NS },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'tools-gateway' },
    subjects: [{ kind: 'ServiceAccount', name: 'tools-gateway', namespace: NS }],
  });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-api-'));
  cleanup.push(() => fs.rmSync(work, { recursive: true, force: true }));
  const token = kubectl(['create', 'token', 'tools-gateway', '-n', NS, '--duration=1h']).trim();
  const server = kubectl(['config', 'view', '--raw', '-o', 'jsonpath={.clusters[0].cluster.server}']);
  const ca = kubectl(['config', 'view', '--raw', '-o', 'jsonpath={.clusters[0].cluster.certificate-authority-data}']);
  const kubeconfig = path.join(work, 'kubeconfig');
  fs.writeFileSync(kubeconfig, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'gw',
    clusters: [{ name: 't', cluster: { server, 'certificate-authority-data': ca } }],
    users: [{ name: 'gw', user: { token } }],
    contexts: [{ name: 'gw', context: { cluster: 't', user: 'gw' } }],
  }), { mode: 0o600 });
  // The gateway cannot read Secrets: its remote member's token is a file, as the operator mounts it.
  const denied = (() => {
    try { kubectl(['get', 'secrets', '-n', NS], undefined, kubeconfig); return false; } catch { return true; }
  })();
  assert(denied, 'the gateway\'s identity cannot list Secrets');

  const podA = await startMember(ADDR);
  const podB = await startMember(ADDR);
  fs.writeFileSync(path.join(work, 'remote-token'), 'remote-s3cret\n');
  const remote = await startMember('127.0.0.1', ['--token-file', path.join(work, 'remote-token')]);
  fs.mkdirSync(path.join(work, 'members', 'docs'), { recursive: true });
  fs.writeFileSync(path.join(work, 'members', 'docs', 'token'), 'remote-s3cret');
  const stops = [podA, podB, remote];
  let gw = null;
  try {
    apply({ apiVersion: 'mcp.v2dy.io/v1', kind: 'MCPServer', metadata: { name: 'everything', namespace: NS,
      labels: { pool: 'tools' } }, spec: { image: 'unused', port: podA.port, path: '/mcp', replicas: 0 } });
    apply(slice('everything-1', 'everything', [{ ip: ADDR }], podA.port));
    apply({ apiVersion: 'mcp.v2dy.io/v1', kind: 'MCPPool', metadata: { name: 'tools', namespace: NS },
      spec: { selector: { matchLabels: { pool: 'tools' } },
        members: [{ name: 'docs', url: `${remote.base}/mcp`, bearerTokenSecretRef: { name: 'docs-token', key: 'token' } }] } });

    gw = await startGateway(['--pool', 'tools', '--namespace', NS, '--keyring-dir', keyringDir(),
      '--member-token-dir', path.join(work, 'members')], { KUBECONFIG: kubeconfig });
    const c1 = await connect(gw.url);
    const t1 = await names(c1);
    assert(t1.includes('docs_echo') && t1.includes('everything_echo'), `both members' tools: ${t1}`);
    assert(text(await c1.callTool({ name: 'docs_echo', arguments: { message: 'r' } })) === 'Echo: r', 'remote call');
    assert(text(await c1.callTool({ name: 'everything_echo', arguments: { message: 's' } })) === 'Echo: s', 'server call');

    const status = await (await fetch(`http://127.0.0.1:${gw.port}/pool`)).json();
    assert(status.pool === 'tools' && status.members.length === 2, `GET /pool: ${JSON.stringify(status)}`);
    assert(status.members[0].name === 'docs' && status.members[0].ready && status.members[0].url, `docs: ${JSON.stringify(status)}`);
    assert(status.members[1].server === 'everything' && status.members[1].ready, `everything: ${JSON.stringify(status)}`);
    assert(status.toolCount === t1.length && status.tools.length === Math.min(64, t1.length), `counts: ${JSON.stringify(status)}`);

    // A filter changed in the pool reaches new sessions, without a restart; the old one goes on.
    apply({ apiVersion: 'mcp.v2dy.io/v1', kind: 'MCPPool', metadata: { name: 'tools', namespace: NS },
      spec: { selector: { matchLabels: { pool: 'tools' } },
        members: [{ name: 'docs', url: `${remote.base}/mcp`, bearerTokenSecretRef: { name: 'docs-token', key: 'token' },
          include: ['echo'] }] } });
    await eventually('the include filter reaches new sessions', async () => {
      const c = await connect(gw.url);
      const t = await names(c);
      await c.close();
      return t.filter((n) => n.startsWith('docs_')).join(',') === 'docs_echo';
    });
    assert(text(await c1.callTool({ name: 'everything_echo', arguments: { message: 'still' } })) === 'Echo: still',
      'a session opened before the change goes on');

    // A second pod in the slice: new sessions spread over both, each staying on its pod.
    apply(slice('everything-1', 'everything', [{ ip: ADDR }], podA.port));
    apply(slice('everything-2', 'everything', [{ ip: ADDR }], podB.port));
    await eventually('the second pod takes sessions', async () => {
      const c = await connect(gw.url);
      await c.callTool({ name: 'everything_echo', arguments: { message: 'x' } });
      return (await podB.sessions()) > 0;
    });
    // The first pod leaves the slice: no new session goes to it.
    kubectl(['delete', 'endpointslice', 'everything-1', '-n', NS]);
    await sleep(1000);
    const onA = await podA.sessions();
    const fresh = [];
    for (let i = 0; i < 4; i++) {
      const c = await connect(gw.url);
      await c.callTool({ name: 'everything_echo', arguments: { message: `n${i}` } });
      fresh.push(c);
    }
    assert((await podA.sessions()) === onA, `no new session on the pod that left: ${onA} -> ${await podA.sessions()}`);

    // The MCPServer deleted: its member has no endpoint and says why; the remote member answers.
    apply({ apiVersion: 'mcp.v2dy.io/v1', kind: 'MCPPool', metadata: { name: 'tools', namespace: NS },
      spec: { members: [{ name: 'docs', url: `${remote.base}/mcp`,
        bearerTokenSecretRef: { name: 'docs-token', key: 'token' } }, { name: 'everything' }] } });
    kubectl(['delete', 'mcpserver', 'everything', '-n', NS]);
    await eventually('/pool names the missing MCPServer', async () => {
      const s = await (await fetch(`http://127.0.0.1:${gw.port}/pool`)).json();
      const m = s.members.find((x) => x.name === 'everything');
      return m && !m.ready && m.lastError === 'MCPServer everything not found';
    });
    const c2 = await connect(gw.url);
    let err = null;
    await c2.callTool({ name: 'everything_echo', arguments: { message: 'x' } }).catch((e) => (err = e));
    const answered = err ? String(err.message) : '';
    assert(/everything/.test(answered) && /not found|unavailable|no endpoint/.test(answered),
      `a call to the member without server names why: ${answered}`);
    assert(text(await c2.callTool({ name: 'docs_echo', arguments: { message: 'ok' } })) === 'Echo: ok', 'docs answers');
    for (const c of [c1, c2, ...fresh]) await c.close().catch(() => {});
  } finally {
    // Every process stops whatever failed first; the first failure is the one reported.
    const stopping = [gw, ...stops].filter(Boolean).map((p) => p.stop().catch((e) => e));
    const errors = (await Promise.all(stopping)).filter((e) => e instanceof Error);
    if (errors.length) throw errors[0];
  }
});

for (const f of cleanup.reverse()) {
  try { f(); } catch (e) { console.error(`cleanup: ${e}`); }
}
