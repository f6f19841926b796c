// The feature walk every client does through the bridge (issue 6 acceptance): list tools,
// call echo and get-sum, read a resource, get a prompt, receive progress from a
// long-running tool, and answer a sampling request the server initiates.
import { assert, sdk, withTimeout } from './harness.mjs';

export async function makeClient(name) {
  const { Client } = await sdk('client/index.js');
  const { CreateMessageRequestSchema } = await sdk('types.js');
  const client = new Client({ name, version: '1.0.0' }, { capabilities: { sampling: {} } });
  let samplingCalls = 0;
  client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
    samplingCalls++;
    return {
      role: 'assistant',
      model: 'test-model',
      content: { type: 'text', text: `sampled: ${req.params.messages[0].content.text.length} chars` },
    };
  });
  client.samplingCalls = () => samplingCalls;
  return client;
}

export async function exercise(client) {
  const tools = await withTimeout(client.listTools(), 10000, 'tools/list');
  const names = tools.tools.map((t) => t.name);
  for (const n of ['echo', 'get-sum', 'trigger-long-running-operation', 'trigger-sampling-request']) {
    assert(names.includes(n), `tools/list has ${n} (got ${names.join(',')})`);
  }

  const echo = await client.callTool({ name: 'echo', arguments: { message: 'through the bridge' } });
  assert(echo.content[0].text === 'Echo: through the bridge', `echo answered ${JSON.stringify(echo)}`);

  const sum = await client.callTool({ name: 'get-sum', arguments: { a: 40, b: 2 } });
  assert(JSON.stringify(sum.content).includes('42'), `get-sum answered ${JSON.stringify(sum)}`);

  const resources = await client.listResources();
  assert(resources.resources.length > 0, 'resources/list is not empty');
  const first = resources.resources[0];
  const read = await client.readResource({ uri: first.uri });
  assert(read.contents.length > 0 && read.contents[0].uri === first.uri, `resources/read ${first.uri}`);

  const prompt = await client.getPrompt({ name: 'simple-prompt' });
  assert(prompt.messages.length > 0, 'prompts/get simple-prompt has messages');

  const progress = [];
  const long = await withTimeout(
    client.callTool(
      { name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 4 } },
      undefined,
      { onprogress: (p) => progress.push(p), timeout: 20000 },
    ),
    25000,
    'long-running operation',
  );
  assert(long.content.length > 0, 'long-running operation finished');
  // The SDK handles notifications a microtask later than responses, so the last progress
  // notification, which the server writes right before its result, may be dropped by the
  // client itself (with direct stdio too). The first three are 250 ms apart from the result.
  assert(progress.length >= 3, `received ${progress.length} progress notifications, expected at least 3`);
  assert(progress.every((p, i) => i === 0 || p.progress > progress[i - 1].progress), 'progress increases');

  const before = client.samplingCalls();
  const sampled = await withTimeout(
    client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'hello', maxTokens: 10 } }),
    15000,
    'sampling round trip',
  );
  assert(client.samplingCalls() === before + 1, 'the server asked the client to sample exactly once');
  assert(JSON.stringify(sampled).includes('sampled:'), `sampling result reached the server: ${JSON.stringify(sampled)}`);
}
