// MCP client for `make demo` and the real-node e2e tests (test/e2e), run in a pod of the
// mcp-server-everything image (which holds the TypeScript SDK) from a ConfigMap at /app/e2e.
//
//   node /app/e2e/client.mjs <url> [--sessions N] [--hold SECONDS] [--message TEXT] [--tool NAME]
//
// Opens N Streamable HTTP sessions at once, calls the `echo` tool (or --tool, e.g. an MCPPool's
// prefixed `everything_echo`, which takes the same arguments) in each, prints one JSON line
// per session ({"session":i,"sessionId":...,"text":...}), keeps the sessions open for --hold
// seconds (so a test can look at the server's processes meanwhile), then closes them (DELETE).
// Exits non-zero, with the error on stderr, when any step fails; every step has a deadline.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

function parseArgs(argv) {
  const opts = { url: "", sessions: 1, hold: 0, message: "hello from the e2e client pod", tool: "echo" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--sessions") opts.sessions = Number(argv[++i]);
    else if (a === "--hold") opts.hold = Number(argv[++i]);
    else if (a === "--message") opts.message = argv[++i];
    else if (a === "--tool") opts.tool = argv[++i];
    else if (!opts.url) opts.url = a;
    else throw new Error(`unexpected argument: ${a}`);
  }
  if (!opts.url || !(opts.sessions >= 1) || !(opts.hold >= 0)) {
    throw new Error("usage: client.mjs <url> [--sessions N] [--hold SECONDS] [--message TEXT] [--tool NAME]");
  }
  return opts;
}

const withDeadline = (promise, ms, what) =>
  Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms).unref()),
  ]);

async function openSession(url, i, message, tool) {
  const transport = new StreamableHTTPClientTransport(new URL(url));
  const client = new Client({ name: "mcp-operator-e2e", version: "1.0.0" });
  await withDeadline(client.connect(transport), 30000, `session ${i}: initialize`);
  const result = await withDeadline(
    client.callTool({ name: tool, arguments: { message: `${message} #${i}` } }),
    30000,
    `session ${i}: tools/call ${tool}`,
  );
  const text = (result.content ?? []).filter((c) => c.type === "text").map((c) => c.text).join("");
  console.log(JSON.stringify({ session: i, sessionId: transport.sessionId ?? null, text }));
  return { client, transport };
}

const opts = parseArgs(process.argv.slice(2));
const sessions = await Promise.all(
  Array.from({ length: opts.sessions }, (_, i) => openSession(opts.url, i, opts.message, opts.tool)),
);
if (opts.hold > 0) {
  console.log(JSON.stringify({ holding: opts.hold }));
  await new Promise((resolve) => setTimeout(resolve, opts.hold * 1000));
}
for (const { client, transport } of sessions) {
  await withDeadline(transport.terminateSession().catch(() => {}), 10000, "DELETE session");
  await client.close();
}
console.log(JSON.stringify({ done: true }));
