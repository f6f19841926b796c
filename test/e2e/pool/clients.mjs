// MCP clients for the e2e MCPPool case, run from the host (Service and pod addresses are
// routed to the test node), with the TypeScript SDK from the pinned peers (MCP_PEERS_DIR).
// Every step has a deadline; any failure exits non-zero with the reason on stderr.
//
//   node clients.mjs tools <url>                      tools/list (all pages): one name per line
//   node clients.mjs call <url> <tool> [json-args]    one session, one tools/call: the text
//   node clients.mjs hold <url> <n> <go-file>         n sessions each call <tool> once, print
//        --tool <tool>                                "ready", wait for <go-file> (at most 120 s),
//                                                     then call again in every session: prints
//                                                     "ok N lost M" (a lost session is one whose
//                                                     call failed) and exits 0 only when M = 0
//   node clients.mjs spread <url> <n> <tool>          n sessions, 3 calls each; prints each
//                                                     session's id, one per line
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const peers = process.env.MCP_PEERS_DIR;
if (!peers) {
  console.error('MCP_PEERS_DIR must point at the installed peers (hack/lib.sh peers_dir)');
  process.exit(2);
}
const sdk = (rel) => import(pathToFileURL(path.join(peers, 'node_modules/@modelcontextprotocol/sdk/dist/esm', rel)).href);
const { Client } = await sdk('client/index.js');
const { StreamableHTTPClientTransport } = await sdk('client/streamableHttp.js');

const deadline = (p, ms, what) =>
  Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(`${what}: no answer within ${ms} ms`)), ms).unref())]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function open(url) {
  const transport = new StreamableHTTPClientTransport(new URL(url));
  const client = new Client({ name: 'mcp-operator-e2e-pool', version: '1.0.0' });
  await deadline(client.connect(transport), 30000, 'initialize');
  return { client, transport };
}
const textOf = (r) => (r.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('');
const call = (s, name, args) => deadline(s.client.callTool({ name, arguments: args }), 30000, `tools/call ${name}`);

const [cmd, url, ...rest] = process.argv.slice(2);
try {
  if (cmd === 'tools') {
    const s = await open(url);
    let cursor;
    const names = [];
    do {
      const page = await deadline(s.client.listTools(cursor ? { cursor } : {}), 30000, 'tools/list');
      names.push(...page.tools.map((t) => t.name));
      cursor = page.nextCursor;
    } while (cursor);
    console.log(names.join('\n'));
    await s.transport.terminateSession().catch(() => {});
    await s.client.close();
  } else if (cmd === 'call') {
    const [tool, args] = rest;
    const s = await open(url);
    const r = await call(s, tool, args ? JSON.parse(args) : {});
    console.log(r.isError ? `isError: ${textOf(r)}` : textOf(r));
    await s.transport.terminateSession().catch(() => {});
    await s.client.close();
  } else if (cmd === 'hold') {
    const [n, goFile, flag, tool] = rest;
    if (flag !== '--tool') throw new Error('hold needs --tool');
    const sessions = [];
    for (let i = 0; i < Number(n); i++) {
      const s = await open(url);
      const r = await call(s, tool, { message: `before #${i}` });
      if (textOf(r) !== `Echo: before #${i}`) throw new Error(`session ${i}: ${JSON.stringify(r)}`);
      sessions.push(s);
    }
    console.log('ready');
    const until = Date.now() + 120000;
    while (!fs.existsSync(goFile)) {
      if (Date.now() > until) throw new Error(`${goFile} never appeared`);
      await sleep(100);
    }
    let ok = 0;
    const lost = [];
    await Promise.all(sessions.map(async (s, i) => {
      try {
        const r = await call(s, tool, { message: `after #${i}` });
        if (textOf(r) !== `Echo: after #${i}`) throw new Error(JSON.stringify(r));
        ok++;
      } catch (e) {
        lost.push(`session ${i} (${s.transport.sessionId?.slice(0, 12)}...): ${e.message}`);
      }
    }));
    console.log(`ok ${ok} lost ${lost.length}`);
    for (const l of lost) console.error(l);
    for (const s of sessions) await s.client.close().catch(() => {});
    process.exitCode = lost.length === 0 ? 0 : 1;
  } else if (cmd === 'spread') {
    const [n, tool] = rest;
    const sessions = [];
    for (let i = 0; i < Number(n); i++) {
      const s = await open(url);
      for (let k = 0; k < 3; k++) {
        const r = await call(s, tool, { message: `s${i} c${k}` });
        if (textOf(r) !== `Echo: s${i} c${k}`) throw new Error(`session ${i}: ${JSON.stringify(r)}`);
      }
      sessions.push(s);
      console.log(s.transport.sessionId);
    }
    // Held until killed or 120 s: the test reads the pods' session counts meanwhile.
    console.log('ready');
    await sleep(120000);
  } else {
    throw new Error(`unknown command ${cmd}`);
  }
} catch (e) {
  console.error(`FAIL: ${e.message}`);
  process.exit(1);
}
