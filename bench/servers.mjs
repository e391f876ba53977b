// The benchmark's Node-side peers, both speaking just enough MQTT 3.1.1 by hand:
//
//   startFirehose()   a WebSocket server (npm ws) on 127.0.0.1 that answers CONNECT, SUBSCRIBE,
//                     PINGREQ and QoS 1 PUBLISH, counts the PUBLISH packets it receives, and on
//                     fire() sends QoS 0 PUBLISH packets, `batch` per WebSocket frame.
//   tcpPublish()      a raw TCP client that floods a broker with QoS 0 PUBLISH packets.

import net from 'node:net';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { WebSocketServer } from 'ws';
import { varint } from './page/varint.js';

const wallNow = () => performance.timeOrigin + performance.now();

/** One QoS 0 PUBLISH packet. */
export function publishPacket(topic, payload) {
  const t = Buffer.from(topic);
  const body = 2 + t.length + payload.length;
  return Buffer.concat([Buffer.from([0x30, ...varint(body), t.length >> 8, t.length & 255]), t, payload]);
}

/** Splits a byte stream into MQTT packets (calls onPacket(type, flags, body)). */
function packetSplitter(onPacket) {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    let buf = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let i = 0;
    for (;;) {
      if (buf.length - i < 2) break;
      let len = 0;
      let mul = 1;
      let j = i + 1;
      let byte;
      let complete = true;
      do {
        if (j >= buf.length) {
          complete = false;
          break;
        }
        byte = buf[j++];
        len += (byte & 127) * mul;
        mul *= 128;
      } while (byte & 128);
      if (!complete || buf.length - j < len) break;
      onPacket(buf[i] >> 4, buf[i] & 15, buf.subarray(j, j + len));
      i = j + len;
    }
    pending = i < buf.length ? Buffer.from(buf.subarray(i)) : Buffer.alloc(0);
  };
}

export async function startFirehose() {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    perMessageDeflate: false,
    handleProtocols: (offered) => (offered.has('mqtt') ? 'mqtt' : [...offered][0] ?? false),
  });
  await once(wss, 'listening');
  let subscriber = null; // the latest connection that subscribed
  let counting = null; // { n, count, resolve }

  wss.on('connection', (ws) => {
    const socket = ws._socket;
    socket.setNoDelay(true);
    const feed = packetSplitter((type, flags, body) => {
      const replies = [];
      if (type === 1) replies.push(Buffer.from([0x20, 2, 0, 0])); // CONNECT → CONNACK
      else if (type === 8) {
        // SUBSCRIBE → SUBACK granting QoS 0 to each filter
        let at = 2;
        const codes = [];
        while (at < body.length) {
          at += 2 + body.readUInt16BE(at) + 1;
          codes.push(0);
        }
        replies.push(Buffer.from([0x90, 2 + codes.length, body[0], body[1], ...codes]));
        subscriber = ws;
      } else if (type === 3) {
        const qos = (flags >> 1) & 3;
        if (qos > 0) {
          const at = 2 + body.readUInt16BE(0);
          replies.push(Buffer.from([0x40, 2, body[at], body[at + 1]]));
        }
        if (counting && ++counting.count === counting.n) {
          counting.resolve(wallNow());
          counting = null;
        }
      } else if (type === 12) replies.push(Buffer.from([0xd0, 0])); // PINGREQ → PINGRESP
      else if (type === 14) ws.close();
      if (replies.length) ws.send(Buffer.concat(replies));
    });
    ws.on('message', (data) => feed(Buffer.isBuffer(data) ? data : Buffer.concat(data)));
    ws.on('error', () => {});
  });

  return {
    url: `ws://127.0.0.1:${wss.address().port}/`,
    /** Sends `n` QoS 0 PUBLISH packets of `size` payload bytes to the subscriber, `batch` per frame. */
    async fire({ n, size, batch = 64, topic = 'fire/t' }) {
      const ws = subscriber;
      if (!ws) throw new Error('firehose: nobody subscribed');
      const one = publishPacket(topic, Buffer.alloc(size, 0x61));
      const frame = Buffer.concat(Array(batch).fill(one));
      const socket = ws._socket;
      for (let sent = 0; sent < n; ) {
        const k = Math.min(batch, n - sent);
        ws.send(k === batch ? frame : frame.subarray(0, one.length * k));
        sent += k;
        if (socket.writableNeedDrain) await once(socket, 'drain');
        if (ws.readyState !== ws.OPEN) throw new Error('firehose: the client went away');
      }
    },
    /** Resolves with the wall-clock time (ms since epoch) the `n`-th PUBLISH from now arrived. */
    countArrivals(n) {
      return new Promise((resolve) => (counting = { n, count: 0, resolve }));
    },
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise((resolve) => wss.close(resolve));
    },
  };
}

/** Floods the broker at `tcpUrl` with `n` QoS 0 PUBLISH packets on `topic` (16-byte payloads). */
export async function tcpPublish(tcpUrl, { n, topic, size = 16 }) {
  const { hostname, port } = new URL(tcpUrl);
  const socket = net.connect({ host: hostname, port: Number(port), noDelay: true });
  await once(socket, 'connect');
  const id = Buffer.from(`bench-pub-${process.pid}-${Date.now() % 1e6}`);
  const body = Buffer.concat([Buffer.from([0, 4, 77, 81, 84, 84, 4, 2, 0, 60, id.length >> 8, id.length & 255]), id]);
  socket.write(Buffer.concat([Buffer.from([0x10, ...varint(body.length)]), body]));
  const [connack] = await once(socket, 'data');
  if (connack[0] !== 0x20 || connack[3] !== 0) throw new Error(`broker refused the publisher: ${connack.toString('hex')}`);
  const one = publishPacket(topic, Buffer.alloc(size, 0x62));
  const chunkCount = 512;
  const chunk = Buffer.concat(Array(chunkCount).fill(one));
  for (let sent = 0; sent < n; ) {
    const k = Math.min(chunkCount, n - sent);
    const ok = socket.write(k === chunkCount ? chunk : chunk.subarray(0, one.length * k));
    sent += k;
    if (!ok) await once(socket, 'drain');
  }
  socket.end(Buffer.from([0xe0, 0]));
  await once(socket, 'close');
}
