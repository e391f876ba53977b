// A loopback TCP proxy in front of a broker's port that a test controls, for the faults a
// network brings and no broker produces on demand:
//
//   const proxy = await startFaultProxy(broker.wsPort);   // proxy.wsUrl: ws://127.0.0.1:<port>/
//   proxy.setMode('blackhole');  // half-open: bytes dropped both ways, sockets left open
//   proxy.setMode('refuse');     // new connections are closed at once
//   proxy.setMode('trickle');    // towards the client one byte at a time
//   proxy.setMode('forward');    // normal again (links that lost bytes are closed: they are broken)
//   proxy.cut();                 // every link closed now (a dropped Wi-Fi)
//   proxy.cutAfter(2000);        // the next 2000 bytes towards the client, then every link closed
//   await proxy.close();

import net from 'node:net';
import { onCleanup } from './cleanup.mjs';

const TRICKLE_MS = 2;

export async function startFaultProxy(targetPort, { host = '127.0.0.1' } = {}) {
  let mode = 'forward';
  let cutBudget = null;
  let accepted = 0;
  const links = new Set();

  const server = net.createServer((client) => {
    accepted++;
    if (mode === 'refuse') {
      client.destroy();
      return;
    }
    const broker = net.connect(targetPort, host);
    const link = { client, broker, damaged: mode === 'blackhole', trickle: [], trickling: null };
    links.add(link);
    const end = () => {
      links.delete(link);
      clearInterval(link.trickling);
      client.destroy();
      broker.destroy();
    };
    client.on('error', end).on('close', end);
    broker.on('error', end).on('close', end);
    client.on('data', (chunk) => {
      if (mode === 'blackhole') link.damaged = true;
      else broker.write(chunk);
    });
    broker.on('data', (chunk) => toClient(link, chunk));
  });

  function toClient(link, chunk) {
    if (mode === 'blackhole') {
      link.damaged = true;
      return;
    }
    if (cutBudget !== null) {
      const part = chunk.subarray(0, cutBudget);
      cutBudget -= part.length;
      link.client.write(part);
      if (cutBudget <= 0) {
        cutBudget = null;
        cut();
      }
      return;
    }
    if (mode === 'trickle') {
      link.trickle.push(...chunk);
      link.trickling ??= setInterval(() => {
        if (link.trickle.length === 0) {
          clearInterval(link.trickling);
          link.trickling = null;
          return;
        }
        link.client.write(Buffer.from([link.trickle.shift()]));
      }, TRICKLE_MS);
      return;
    }
    link.client.write(chunk);
  }

  /** A reset, not a close: no WebSocket close frame, no MQTT DISCONNECT, as a dead network. */
  function cut() {
    const reset = (socket) => {
      try {
        socket.resetAndDestroy();
      } catch {
        socket.destroy(); // not connected yet: nothing to reset
      }
    };
    for (const link of [...links]) {
      reset(link.client);
      reset(link.broker);
    }
  }

  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const close = () =>
    new Promise((resolve) => {
      cut();
      server.close(() => resolve());
    });
  const unregister = onCleanup(close);
  const port = server.address().port;
  return {
    port,
    wsUrl: `ws://127.0.0.1:${port}/`,
    get accepted() {
      return accepted;
    },
    get links() {
      return links.size;
    },
    setMode(next) {
      if (mode === 'blackhole' && next !== 'blackhole') {
        for (const link of [...links]) if (link.damaged) link.client.destroy();
      }
      mode = next;
    },
    cut,
    cutAfter(bytes) {
      cutBudget = bytes;
    },
    async close() {
      unregister();
      await close();
    },
  };
}
