// WebSocket servers that behave as no real broker does, for what only a fake can show:
//
//   const silent = await startSilentBroker();     // accepts the upgrade, never answers CONNECT
//   const hostile = await startScriptedBroker((ws, n) => ws.send(bytes));   // per connection n
//
// Both accept the `mqtt` subprotocol, listen on 127.0.0.1 and count connections.

import { WebSocketServer } from 'ws';
import { onCleanup } from './cleanup.mjs';

/** CONNACK, accepted, for MQTT 3.1.1 (session present 0). */
export const CONNACK_311 = Buffer.from([0x20, 0x02, 0x00, 0x00]);
/** CONNACK, accepted, for MQTT 5 (no properties). */
export const CONNACK_5 = Buffer.from([0x20, 0x03, 0x00, 0x00, 0x00]);

/** The accepting CONNACK for the protocol version a CONNECT asks for. */
export function connackFor(connect) {
  let at = 1;
  while (connect[at] & 0x80) at++; // the remaining length
  const nameLength = connect.readUInt16BE(at + 1);
  const level = connect[at + 3 + nameLength];
  return level === 5 ? CONNACK_5 : CONNACK_311;
}

/**
 * A broker whose every connection runs `script(ws, index, firstFrame)` once the client's first
 * frame (its CONNECT) arrived. `index` counts connections from 0.
 */
export async function startScriptedBroker(script) {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (protocols) => [...protocols][0] });
  await new Promise((resolve) => server.once('listening', resolve));
  let connections = 0;
  server.on('connection', (ws) => {
    const index = connections++;
    ws.on('error', () => {});
    ws.once('message', (data) => {
      try {
        script(ws, index, data);
      } catch (error) {
        console.error('scripted broker:', error);
      }
    });
  });
  const stop = () =>
    new Promise((resolve) => {
      for (const client of server.clients) client.terminate();
      server.close(() => resolve());
    });
  const unregister = onCleanup(stop);
  return {
    url: `ws://127.0.0.1:${server.address().port}/mqtt`,
    get connections() {
      return connections;
    },
    async stop() {
      unregister();
      await stop();
    },
  };
}

/** Accepts the WebSocket upgrade, never answers CONNECT. */
export function startSilentBroker() {
  return startScriptedBroker(() => {});
}
