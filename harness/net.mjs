// Small network helpers: free loopback ports and waiting for a port to accept (tests, the
// benchmark and `scratch-mqtt check`).

import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** `count` distinct free TCP ports on 127.0.0.1 (all held open together, so they differ). */
export async function freePorts(count = 1) {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      servers.push(server);
    }
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

/** Resolves once `port` accepts a TCP connection; rejects after `timeoutMs` or when `gaveUp()` is true. */
export async function waitForPort(port, { host = '127.0.0.1', timeoutMs = 10000, gaveUp = () => false } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await canConnect(host, port)) return;
    const reason = gaveUp();
    if (reason) throw new Error(`${host}:${port} never accepted: ${reason}`);
    if (Date.now() > deadline) throw new Error(`${host}:${port} did not accept within ${timeoutMs} ms`);
    await sleep(50);
  }
}

function canConnect(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
