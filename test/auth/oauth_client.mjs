// An OAuth-capable MCP client for the test tier: the official TypeScript SDK's Streamable HTTP
// client with its client_credentials provider. Given only the MCP URL and a client id/secret it
// lets the SDK do the discovery (the 401's WWW-Authenticate -> RFC 9728 protected-resource
// metadata -> RFC 8414 / OIDC authorization-server metadata -> token endpoint), gets a token by
// client_credentials, calls one tool and prints the CallToolResult as one JSON line on stdout.
//
//   OAUTH_CLIENT_ID=... OAUTH_CLIENT_SECRET=... node test/auth/oauth_client.mjs URL TOOL [JSON_ARGS]
//
// The credentials come from the environment, never argv (argv is visible in ps). OAUTH_ISSUER,
// when set, pins the authorization server: the SDK then refuses to send the credentials to
// any other one the MCP server names (without it the SDK warns that this is deprecated).
// The SDK comes from MCP_PEERS_DIR (hack/deps.sh peers; test/mcp/run.sh sets it).
// Exits 0 when the tool answered without isError; otherwise prints the reason on stderr and
// exits 1. Never prints a token or the secret.
//
// Two steps the SDK (1.32.2) leaves out for client_credentials are added in prepareTokenRequest:
// - scope: auth() resolves the scope (the challenge's, else the metadata's scopes_supported) but
//   fetchToken() passes only the provider's configured scope, so a client configured with none
//   would ask for none. This provider asks for the challenge's scope, else scopes_supported.
// - audience: the SDK sends the RFC 8707 `resource` (the metadata's `resource`); Ory Hydra 2.3
//   ignores `resource` and sets `aud` only from `audience`, so the same URI goes in `audience`
//   too. Authorization servers that do not know `audience` ignore it (RFC 6749 section 3.2).
import path from 'node:path';
import { pathToFileURL } from 'node:url';

function fail(reason) {
  process.stderr.write(`oauth_client: ${reason}\n`);
  process.exit(1);
}

const [url, tool, argsJson = '{}'] = process.argv.slice(2);
const clientId = process.env.OAUTH_CLIENT_ID;
const clientSecret = process.env.OAUTH_CLIENT_SECRET;
const peersDir = process.env.MCP_PEERS_DIR;
if (!url || !tool) fail('usage: oauth_client.mjs URL TOOL [JSON_ARGS] (OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET in the environment)');
if (!clientId || !clientSecret) fail('OAUTH_CLIENT_ID and OAUTH_CLIENT_SECRET must be set');
if (!peersDir) fail('MCP_PEERS_DIR must be set (hack/deps.sh peers installs the SDK; test/mcp/run.sh sets it)');
let args;
try {
  args = JSON.parse(argsJson);
} catch (e) {
  fail(`JSON_ARGS is not JSON: ${e.message}`);
}

const sdk = (rel) =>
  import(pathToFileURL(path.join(peersDir, 'node_modules/@modelcontextprotocol/sdk/dist/esm', rel)).href);
const { Client } = await sdk('client/index.js');
const { StreamableHTTPClientTransport } = await sdk('client/streamableHttp.js');
const { ClientCredentialsProvider } = await sdk('client/auth-extensions.js');
const { extractWWWAuthenticateParams } = await sdk('client/auth.js');

// The SDK's client_credentials provider, keeping what the SDK's discovery found (it hands it to
// saveDiscoveryState) and the scope of the last challenge, for the token request.
class DiscoveringClientCredentials extends ClientCredentialsProvider {
  challengeScope = undefined;
  discovery = undefined;

  saveDiscoveryState(state) {
    this.discovery = state;
  }

  discoveryState() {
    return this.discovery;
  }

  prepareTokenRequest(scope) {
    const metadata = this.discovery?.resourceMetadata;
    const params = super.prepareTokenRequest(scope || this.challengeScope || metadata?.scopes_supported?.join(' '));
    if (metadata?.resource) params.set('audience', metadata.resource);
    return params;
  }
}

const options = { clientId, clientSecret, clientName: 'mcp-operator-oauth-client' };
if (process.env.OAUTH_ISSUER) options.expectedIssuer = process.env.OAUTH_ISSUER;
const provider = new DiscoveringClientCredentials(options);

// Only watches responses: the SDK reads the same challenge itself to start discovery.
const watchingFetch = async (input, init) => {
  const res = await fetch(input, init);
  if (res.status === 401 || res.status === 403) {
    const { scope } = extractWWWAuthenticateParams(res);
    if (scope) provider.challengeScope = scope;
  }
  return res;
};

const deadline = setTimeout(() => fail('timed out after 30 s'), 30000);
const client = new Client({ name: 'mcp-operator-oauth-client', version: '0' });
try {
  const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider, fetch: watchingFetch });
  await client.connect(transport);
  const d = provider.discovery;
  process.stderr.write(
    `oauth_client: authorization_server=${d?.authorizationServerUrl} resource=${d?.resourceMetadata?.resource} ` +
      `token_scope=${JSON.stringify(provider.tokens()?.scope ?? '')}\n`,
  );
  const result = await client.callTool({ name: tool, arguments: args });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  await client.close();
  clearTimeout(deadline);
  if (result.isError) fail(`tool ${tool} answered isError`);
} catch (e) {
  fail(`${e.name ?? 'Error'}: ${e.message}`);
}
