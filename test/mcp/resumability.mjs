// Resumable streams (2025-11-25): a client that loses a POST's SSE stream mid-call resumes it
// with GET + Last-Event-ID and receives exactly what it missed, the final result included;
// an unknown event id is refused. Against server-everything's long-running tool.
import { assert, run, sleep, startBridge, withTimeout } from './lib/harness.mjs';
import { initialize, sseMessages } from './lib/raw.mjs';

// Reads SSE events from a fetch response until `enough(events)` says stop; returns them.
async function readEvents(res, enough) {
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  const events = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const id = (block.match(/^id: (.*)$/m) || [])[1];
      const data = sseMessages(block + '\n\n')[0];
      events.push({ id, data });
    }
    if (enough(events)) {
      await reader.cancel();
      break;
    }
  }
  return events;
}

await run('a lost POST stream resumes with Last-Event-ID and delivers what was missed', async () => {
  const b = await startBridge();
  try {
    const h = await initialize(b.url, '2025-11-25');
    const call = {
      jsonrpc: '2.0',
      id: 42,
      method: 'tools/call',
      params: { name: 'trigger-long-running-operation', arguments: { duration: 2, steps: 4 }, _meta: { progressToken: 'tok' } },
    };
    const res = await fetch(b.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...h },
      body: JSON.stringify(call),
    });
    // Read the priming event and the first progress notification, then drop the connection.
    const first = await withTimeout(readEvents(res, (ev) => ev.some((e) => e.data?.method === 'notifications/progress')), 10000, 'first progress');
    assert(first[0].id && first[0].data === undefined, 'the stream starts with a priming event');
    const lastId = first.at(-1).id;
    assert(lastId, 'events carry ids');
    await sleep(200);

    const resumed = await fetch(b.url, { headers: { accept: 'text/event-stream', 'last-event-id': lastId, ...h } });
    assert(resumed.status === 200, `resume got ${resumed.status}`);
    const rest = await withTimeout(readEvents(resumed, (ev) => ev.some((e) => e.data?.id === 42)), 15000, 'resumed stream');
    const progress = rest.filter((e) => e.data?.method === 'notifications/progress').map((e) => e.data.params.progress);
    assert(JSON.stringify(progress) === '[2,3,4]', `missed progress replayed in order, got ${JSON.stringify(progress)}`);
    const result = rest.find((e) => e.data?.id === 42);
    assert(result.data.result.content[0].text.includes('Long running operation completed'), 'final result delivered');

    const bad = await fetch(b.url, { headers: { accept: 'text/event-stream', 'last-event-id': '999-999', ...h } });
    assert(bad.status === 400, `unknown event id got ${bad.status}`);
    await bad.body?.cancel();
  } finally {
    await b.stop();
  }
});
