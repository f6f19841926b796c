// A minimal Streamable HTTP client on fetch, for tests that must send what real SDKs never
// send (malformed bodies, wrong headers) and read raw statuses.
import { assert } from './harness.mjs';

export const accept = 'application/json, text/event-stream';

export function sseMessages(text) {
  const out = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const data = block
      .split(/\r?\n/)
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(5).replace(/^ /, ''))
      .join('\n');
    if (data) out.push(JSON.parse(data));
  }
  return out;
}

export async function post(url, body, headers = {}, init = {}) {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
  const text = await r.text();
  let messages = [];
  if ((r.headers.get('content-type') || '').includes('text/event-stream')) {
    messages = sseMessages(text);
  } else if (text && (r.headers.get('content-type') || '').includes('application/json')) {
    const j = JSON.parse(text);
    messages = Array.isArray(j) ? j : [j];
  }
  return { status: r.status, headers: r.headers, text, messages };
}

export async function initialize(url, version = '2025-11-25', headers = {}) {
  const r = await post(
    url,
    {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    },
    headers,
  );
  assert(r.status === 200, `initialize status ${r.status}: ${r.text}`);
  const sid = r.headers.get('mcp-session-id');
  assert(sid, 'initialize returned Mcp-Session-Id');
  const h = { 'mcp-session-id': sid, 'mcp-protocol-version': version, ...headers };
  const n = await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, h);
  assert(n.status === 202, `notifications/initialized got ${n.status}`);
  return h;
}

export const call = (id, name, args = {}) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args },
});
