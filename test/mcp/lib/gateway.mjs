// Starting mcp-gateway for the mcp tier (MCP_GATEWAY_BIN), and a keyring directory for it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import { assert, sleep, withTimeout } from './harness.mjs';

export const gatewayBin = process.env.MCP_GATEWAY_BIN;

export function keyringDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-keyring-'));
  fs.writeFileSync(path.join(dir, 'k1'), crypto.randomBytes(32));
  fs.writeFileSync(path.join(dir, 'current'), 'k1');
  return dir;
}

// `env`: more environment for the gateway (KUBECONFIG for --pool).
export async function startGateway(args, env = {}) {
  const proc = spawn(gatewayBin, ['--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env },
  });
  let stderr = '';
  const port = await withTimeout(
    new Promise((resolve, reject) => {
      proc.stderr.on('data', (d) => {
        stderr += d;
        const m = stderr.match(/msg=listening .*?port=(\d+)/);
        if (m) resolve(Number(m[1]));
      });
      proc.on('exit', (code) => reject(new Error(`gateway exited early (${code}): ${stderr}`)));
    }),
    10000,
    'gateway start',
  );
  const gw = {
    proc,
    port,
    url: `http://127.0.0.1:${port}/mcp`,
    log: () => stderr,
    async ready() {
      const deadline = Date.now() + 20000;
      while (Date.now() < deadline) {
        const r = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null);
        if (r && r.status === 200) return;
        await sleep(50);
      }
      throw new Error(`gateway not ready: ${stderr}`);
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
      proc.kill('SIGTERM');
      const code = await withTimeout(exited, 15000, 'gateway stop');
      assert(code === 0, `gateway exit code ${code}; log:\n${stderr}`);
    },
  };
  await gw.ready();
  return gw;
}

