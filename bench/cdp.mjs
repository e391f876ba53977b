// A bare Chrome DevTools Protocol session on one page, for the benchmark's labelled CDP runs.
// Unlike Playwright it enables nothing on its own: only the domains a figure asks for
// (Performance, HeapProfiler, Profiler; Network only to measure what observing the page costs).

import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Connects to the page target of the Chromium whose profile folder is `profile`. */
export async function connectToPage(profile, url, exited, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  exited.then(() => (gone = true));
  let target = null;
  while (!target) {
    if (gone) throw new Error('Chromium exited before its DevTools endpoint came up');
    if (Date.now() > deadline) throw new Error('no DevTools endpoint from Chromium');
    try {
      const port = fs.readFileSync(path.join(profile, 'DevToolsActivePort'), 'utf8').split('\n')[0];
      const list = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
      target = list.find((t) => t.type === 'page' && t.url.startsWith(url.split('#')[0])) ?? null;
    } catch {
      // not written or not listening yet
    }
    if (!target) await sleep(50);
  }
  const ws = new WebSocket(target.webSocketDebuggerUrl, { perMessageDeflate: false, maxPayload: 2 ** 30 });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let nextId = 1;
  const pending = new Map();
  ws.on('message', (data) => {
    const message = JSON.parse(data);
    const call = pending.get(message.id);
    if (!call) return; // an event: nothing here subscribes to any
    pending.delete(message.id);
    if (message.error) call.reject(new Error(`${call.method}: ${message.error.message}`));
    else call.resolve(message.result);
  });
  ws.on('close', () => {
    for (const call of pending.values()) call.reject(new Error(`${call.method}: the DevTools connection closed`));
    pending.clear();
  });
  return {
    send(method, params = {}) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { method, resolve, reject });
        ws.send(JSON.stringify({ id, method, params }));
      });
    },
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return;
      ws.terminate();
    },
  };
}
