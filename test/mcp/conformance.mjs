// @modelcontextprotocol/conformance (server suite, run under the peers' Node 22) against the
// bridge, every scenario (--suite all, pending ones included). Usage: node conformance.mjs <expected-failures.yaml> [server command...]; without a
// command the bridge fronts server-everything. Passes when exactly the baselined scenarios
// fail (the suite itself enforces that, stale entries included). With MCP_GATEWAY_BIN set
// (mcp.gateway.conformance_everything) the suite talks to mcp-gateway in front of that bridge
// as the pool's one member (priority resolution: names unprefixed), against the same baseline.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { assert, everything, peersDir, run, startBridge, withTimeout } from './lib/harness.mjs';

const throughGateway = Boolean(process.env.MCP_GATEWAY_BIN);
const { keyringDir, startGateway } = throughGateway ? await import('./lib/gateway.mjs') : {};

const [baseline, ...command] = process.argv.slice(2);
const node22 = path.join(peersDir, 'node_modules/.bin/node');
const suite = path.join(peersDir, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');

const through = throughGateway ? 'the gateway and the bridge' : 'the bridge';
await run(`conformance server suite through ${through} (${command.length ? command.join(' ') : 'server-everything'})`, async () => {
  const b = await startBridge(['--warm-pool', '2'], command.length ? command : everything);
  const gw = throughGateway
    ? await startGateway(['--member', `everything=${b.url.href}`, '--conflict-resolution', 'priority',
      '--keyring-dir', keyringDir()])
    : null;
  const url = gw ? gw.url : b.url.href;
  try {
    const code = await withTimeout(
      new Promise((resolve, reject) => {
        const args = [suite, 'server', '--url', url, '--suite', 'all', '--expected-failures', path.resolve(baseline)];
        const p = spawn(node22, args, {
          stdio: ['ignore', 'inherit', 'inherit'],
        });
        p.on('error', reject);
        p.on('exit', (c) => resolve(c));
      }),
      280000,
      'conformance suite',
    );
    assert(code === 0, `conformance exited ${code}`);
  } finally {
    if (gw) await gw.stop();
    await b.stop();
  }
});
