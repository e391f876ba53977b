// The real wasm client (dist/, from `npm run build`) in Node: `ws` stands in for the browser's
// WebSocket, and the wasm bytes are read from dist/ instead of fetched.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

let api = null;

export async function nodeClient() {
  if (api) return api;
  const library = path.join(ROOT, 'dist', 'scratch-mqtt.js');
  if (!fs.existsSync(library)) throw new Error('dist/ is not built: run npm run build');
  globalThis.WebSocket ??= WebSocket;
  // Node has no Worker: the client's timer falls back to setTimeout, whose handle (an object
  // in Node) the shell keeps and clears.
  const mod = await import(library);
  await mod.load(fs.readFileSync(path.join(ROOT, 'dist', 'scratch_mqtt_bg.wasm')));
  api = mod;
  return api;
}
