// WebSocket servers that behave as no real broker does, for what only a fake can show:
//
//   const silent = await startSilentBroker();     // accepts the upgrade, never answers CONNECT
//   const hostile = await startScriptedBroker((ws, n) => ws.send(bytes));   // per connection n
//   const wrongPath = await startPathOnlyServer();  // upgrades only on /mqtt, HTTP 404 elsewhere
//   const noProtocol = await startNoSubprotocolServer();  // upgrades without naming a subprotocol
//
// The scripted ones accept the `mqtt` subprotocol and count connections; all listen on 127.0.0.1.

import http from 'node:http';
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

/**
 * An HTTP server that upgrades WebSockets only on `path` (as CodeLab's and EMQX's brokers serve
 * /mqtt) and answers HTTP 404 on every other path. It speaks no MQTT: it shows a wrong path.
 */
export async function startPathOnlyServer({ path = '/mqtt' } = {}) {
  const sockets = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => [...protocols][0] });
  const server = http.createServer((req, res) => {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
  });
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url, 'http://x').pathname !== path) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => ws.on('error', () => {}));
  });
  return listening(server, () => {
    for (const client of sockets.clients) client.terminate();
  });
}

/** Accepts WebSocket upgrades but never names the asked subprotocol: browsers then close at once. */
export async function startNoSubprotocolServer() {
  const server = http.createServer();
  const sockets = new WebSocketServer({ server, handleProtocols: () => false });
  sockets.on('connection', (ws) => ws.on('error', () => {}));
  return listening(server, () => {
    for (const client of sockets.clients) client.terminate();
  });
}

/** Listens on a free 127.0.0.1 port; `{ port, url(path), stop }`, stopped on cleanup too. */
async function listening(server, closeClients) {
  const connections = new Set();
  server.on('connection', (socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const stop = () =>
    new Promise((resolve) => {
      closeClients();
      for (const socket of connections) socket.destroy();
      server.close(() => resolve());
    });
  const unregister = onCleanup(stop);
  const { port } = server.address();
  return {
    port,
    url: (path = '/mqtt') => `ws://127.0.0.1:${port}${path}`,
    async stop() {
      unregister();
      await stop();
    },
  };
}
