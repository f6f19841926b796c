// A small stdio MCP server (no SDK, so that a process start costs one bare Node start): the
// pool member of the e2e forking-launcher case, where 1,000 sessions each start one. It
// answers initialize (with the revision the client asked for), ping, tools/list and
// tools/call of `echo`; every other request gets -32601. It ends on stdin EOF.
import readline from 'node:readline';

const tools = [{
  name: 'echo',
  description: 'Echoes the message back',
  inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
}];

function answer(m) {
  switch (m.method) {
    case 'initialize':
      return {
        result: {
          protocolVersion: m.params?.protocolVersion ?? '2025-11-25',
          capabilities: { tools: {} },
          serverInfo: { name: 'forking-e2e-server', version: '1.0.0' },
        },
      };
    case 'ping':
      return { result: {} };
    case 'tools/list':
      return { result: { tools } };
    case 'tools/call':
      if (m.params?.name === 'echo') {
        return { result: { content: [{ type: 'text', text: `Echo: ${m.params.arguments?.message ?? ''}` }] } };
      }
      return { error: { code: -32602, message: `unknown tool ${m.params?.name}` } };
    default:
      return { error: { code: -32601, message: `method not found: ${m.method}` } };
  }
}

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  let m;
  try {
    m = JSON.parse(line);
  } catch {
    return;
  }
  if (m && typeof m.method === 'string' && m.id !== undefined) {
    process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: m.id, ...answer(m) }) + '\n');
  }
});
rl.on('close', () => process.exit(0));
