// The MCP Inspector CLI (under the peers' Node 22) through the bridge, over Streamable HTTP
// and over legacy SSE: list tools, call echo and get-sum, read a resource, get a prompt.
// The CLI is one-shot (one session per invocation) and exits without DELETE over HTTP, so
// this also shows the idle timeout ending abandoned sessions and their children.
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { assert, expectSessionsGone, peersDir, run, startBridge } from './lib/harness.mjs';

const node22 = path.join(peersDir, 'node_modules/.bin/node');
const cli = path.join(peersDir, 'node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js');

function inspector(args) {
  return new Promise((resolve, reject) => {
    // Its catalog file goes to a throwaway HOME, not the developer's.
    const env = { ...process.env, HOME: os.tmpdir(), MCP_CATALOG_PATH: path.join(os.tmpdir(), `inspector-${process.pid}.json`) };
    execFile(node22, [cli, '--cli', ...args], { timeout: 60000, env }, (err, stdout, stderr) => {
      if (err) reject(new Error(`inspector ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

for (const [transport, suffix] of [
  ['http', '/mcp'],
  ['sse', '/sse'],
]) {
  await run(`inspector CLI over ${transport} lists, calls, reads and gets through the bridge`, async () => {
    const b = await startBridge(['--warm-pool', '1', '--idle-timeout', '2']);
    try {
      const url = `${b.base}${suffix}`;
      const common = [url, '--transport', transport];
      const tools = await inspector([...common, '--method', 'tools/list']);
      assert(tools.tools.some((t) => t.name === 'echo'), 'tools/list has echo');
      const echo = await inspector([...common, '--method', 'tools/call', '--tool-name', 'echo', '--tool-arg', 'message=inspected']);
      assert(echo.content[0].text === 'Echo: inspected', `echo: ${JSON.stringify(echo)}`);
      const sum = await inspector([...common, '--method', 'tools/call', '--tool-name', 'get-sum', '--tool-arg', 'a=40', 'b=2']);
      assert(JSON.stringify(sum.content).includes('42'), `get-sum: ${JSON.stringify(sum)}`);
      const resources = await inspector([...common, '--method', 'resources/list']);
      const uri = resources.resources[0].uri;
      const read = await inspector([...common, '--method', 'resources/read', '--uri', uri]);
      assert(read.contents[0].uri === uri, `resources/read ${uri}`);
      const prompt = await inspector([...common, '--method', 'prompts/get', '--prompt-name', 'simple-prompt']);
      assert(prompt.messages.length > 0, 'prompts/get simple-prompt');
      // Every one-shot session ended (closed stream, or idle timeout): only the warm child is left
      // (HTTP upstream mode: no session left; each ended one deleted its upstream session).
      await expectSessionsGone(b, 1, 6);
    } finally {
      await b.stop();
    }
  });
}
