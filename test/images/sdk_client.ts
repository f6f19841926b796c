// A TypeScript-SDK client run inside the mcp-server-everything image (Node 22 strips the types):
// connects over Streamable HTTP to the URL in argv[2], lists the tools, calls echo, and prints
// one JSON line. Mounted under /app so its imports resolve /app/node_modules, as an e2e client
// pod mounts its script from a ConfigMap.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const url: string = process.argv[2];
const client = new Client({ name: "images-test", version: "0" });
await client.connect(new StreamableHTTPClientTransport(new URL(url)));
const { tools } = await client.listTools();
const echo = await client.callTool({ name: "echo", arguments: { message: "from the image" } });
console.log(JSON.stringify({ server: client.getServerVersion()?.name, tools: tools.length, echo: echo.content }));
await client.close();
