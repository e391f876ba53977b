// The embedded MQTT broker: aedes (MQTT 3.1 / 3.1.1) in this process, with a TCP listener and a
// WebSocket listener, both on 127.0.0.1 by default. `npm start` runs it for the demo page and the
// Scratch extension; the browser tests use it as their second real broker beside mosquitto.

import net from 'node:net';
import { Aedes } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';

/**
 * Starts aedes and both listeners. Port 0 picks a free port; the chosen ports are on the result.
 *
 * @param {object} [options]
 * @param {string} [options.host]      address to bind (keep it loopback unless you mean to share it)
 * @param {number} [options.tcpPort]
 * @param {number} [options.wsPort]
 * @param {Record<string,string>|null} [options.users]  null: any client, with or without credentials,
 *        is accepted; otherwise only these username → password pairs (others get CONNACK 5).
 * @param {(line: string) => void} [options.log]  called with one line per connect/disconnect
 */
export async function startAedes(options = {}) {
  const settings = { host: '127.0.0.1', tcpPort: 0, wsPort: 0, users: null, log: null, ...options };
  const handle = {
    kind: 'aedes',
    host: settings.host,
    tcpPort: settings.tcpPort,
    wsPort: settings.wsPort,
    users: settings.users,
    get tcpUrl() {
      return `mqtt://${urlHost(this.host)}:${this.tcpPort}`;
    },
    get wsUrl() {
      return `ws://${urlHost(this.host)}:${this.wsPort}/`;
    },
    broker: null,
    stop,
    restart,
  };
  let running = null;

  async function start() {
    const broker = await Aedes.createBroker();
    if (settings.users) {
      const users = settings.users;
      broker.authenticate = (client, username, password, done) => {
        const ok = username != null && Object.hasOwn(users, username) && String(password ?? '') === users[username];
        if (ok) return done(null, true);
        const refused = new Error('bad username or password');
        refused.returnCode = 5; // "not authorized", as mosquitto answers a refused login
        done(refused, false);
      };
    }
    if (settings.log) {
      const log = settings.log;
      broker.on('client', (c) => log(`client connected: ${c.id}`));
      broker.on('clientDisconnect', (c) => log(`client disconnected: ${c.id}`));
      broker.on('clientError', (c, err) => log(`client error: ${c.id}: ${err.message}`));
    }

    // Sockets are tracked so stop() can cut them: server.close() alone waits for every client.
    const sockets = new Set();
    const tcp = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      broker.handle(socket);
    });
    let ws;
    try {
      handle.tcpPort = await listen(tcp, settings.host, handle.tcpPort, 'TCP');
      ws = await listenWebSocket(settings.host, handle.wsPort);
    } catch (err) {
      tcp.close();
      await closeBroker(broker);
      throw err;
    }
    handle.wsPort = ws.address().port;
    ws.on('connection', (socket, req) => {
      // Any path is accepted (`/`, `/mqtt`): clients differ in the path they use by default.
      const stream = createWebSocketStream(socket);
      stream.on('error', () => socket.terminate());
      broker.handle(stream, req);
    });
    handle.broker = broker;
    running = { broker, tcp, ws, sockets };
  }

  async function stop() {
    if (!running) return;
    const { broker, tcp, ws, sockets } = running;
    running = null;
    for (const client of ws.clients) client.terminate();
    for (const socket of sockets) socket.destroy();
    await Promise.all([
      new Promise((resolve) => ws.close(() => resolve())),
      new Promise((resolve) => tcp.close(() => resolve())),
      closeBroker(broker),
    ]);
  }

  /** Stops and starts again on the same ports with a fresh broker (sessions are lost, as in a crash). */
  async function restart() {
    await stop();
    await start();
  }

  await start();
  return handle;
}

function urlHost(host) {
  return host.includes(':') ? `[${host}]` : host;
}

function closeBroker(broker) {
  return new Promise((resolve) => broker.close(() => resolve()));
}

function listen(server, host, port, what) {
  return new Promise((resolve, reject) => {
    const onError = (err) => reject(describeListenError(err, host, port, what));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address().port);
    });
  });
}

function listenWebSocket(host, port) {
  return new Promise((resolve, reject) => {
    // perMessageDeflate off: MQTT payloads are often binary and small; compression only costs CPU.
    const wss = new WebSocketServer({ host, port, perMessageDeflate: false });
    const onError = (err) => reject(describeListenError(err, host, port, 'WebSocket'));
    wss.once('error', onError);
    wss.once('listening', () => {
      wss.off('error', onError);
      resolve(wss);
    });
  });
}

function describeListenError(err, host, port, what) {
  if (err.code === 'EADDRINUSE') {
    const e = new Error(`the MQTT ${what} port ${port} on ${host} is already in use`);
    e.code = 'EADDRINUSE';
    e.port = port;
    return e;
  }
  return err;
}
