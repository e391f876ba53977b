// The real wasm client (dist/, from `npm run build`) in Node: `ws` stands in for the browser's
// WebSocket, and the wasm bytes are read from dist/ instead of fetched.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let api = null;

class TimerWorker {
  #timer = null;
  onmessage = null;
  postMessage(ms) {
    clearTimeout(this.#timer);
    if (ms >= 0) this.#timer = setTimeout(() => this.onmessage?.({ data: 0 }), ms);
  }
  terminate() {
    clearTimeout(this.#timer);
    this.onmessage = null;
  }
}

export async function nodeClient() {
  if (api) return api;
  const library = path.join(ROOT, 'dist', 'scratch-mqtt.js');
  if (!fs.existsSync(library)) throw new Error('dist/ is not built: run npm run build');
  globalThis.WebSocket ??= WebSocket;
  // The client's timer runs in a Worker, else on setTimeout. Node has no global Worker, and its
  // setTimeout returns an object the shell cannot clear (src/wasm/timer.rs keeps only numeric
  // handles), so a timer outlives its client and fires into a dropped closure. In Node tests the
  // timer Worker is stood in for by this: the same protocol (postMessage(ms) arms, -1 disarms).
  globalThis.Worker ??= TimerWorker;
  const mod = await import(library);
  await mod.load(fs.readFileSync(path.join(ROOT, 'dist', 'scratch_mqtt_bg.wasm')));
  api = { load: mod.load, MqttClient: mod.MqttClient };
  return api;
}
