// The clients the benchmark compares, behind one small interface. Each adapter is written
// the way a page would use that client (its public API only, its default options).
//
//   const c = await ADAPTERS[name].connect(url, { onMessage });   // resolves on CONNACK
//   await c.subscribe(topic, qos);                                // resolves on SUBACK
//   c.publish(topic, payload, 0);                                 // QoS 0: fire and forget
//   await c.publish(topic, payload, 1);                           // QoS 1: resolves on PUBACK
//   await c.end();
//
// `onMessage()` is called once per PUBLISH handed to the application; the adapters do not touch
// the payload beyond what the client itself does before its callback.
import { varint } from './varint.js';

const uid = () => `bench-${Math.random().toString(36).slice(2, 10)}`;
const encoder = new TextEncoder();

// ------------------------------------------------------------------ Scratch MQTT (this project)
// Loaded as a page would load it: the single-file ES module (wasm inlined), see index.html.
const ours = {
  async connect(url, { onMessage }) {
    const lib = window.ScratchMQTT;
    const client = await lib.connectAsync(url, { clientId: uid(), reconnect: false, keepalive: 60 });
    client.on('message', onMessage);
    return {
      subscribe: (topic, qos) => client.subscribe(topic, { qos }),
      publish: (topic, payload, qos) => client.publish(topic, payload, { qos }),
      end: () => client.end(),
    };
  },
  /** Bytes of wasm linear memory (JS heap is measured by the runner for every client). */
  async wasmBytes() {
    const exports = await window.ScratchMQTT.load();
    return exports.memory.buffer.byteLength;
  },
};

// ------------------------------------------------------------------ MQTT.js (dist/mqtt.min.js)
const mqttjs = {
  connect(url, { onMessage }) {
    return new Promise((resolve, reject) => {
      const client = window.mqtt.connect(url, { clientId: uid(), reconnectPeriod: 0, keepalive: 60, protocolVersion: 4 });
      client.once('error', reject);
      client.on('message', onMessage);
      client.once('connect', () =>
        resolve({
          subscribe: (topic, qos) =>
            new Promise((ok, ko) => client.subscribe(topic, { qos }, (err) => (err ? ko(err) : ok()))),
          publish: (topic, payload, qos) =>
            qos === 0
              ? void client.publish(topic, payload, { qos })
              : new Promise((ok, ko) => client.publish(topic, payload, { qos }, (err) => (err ? ko(err) : ok()))),
          end: () => new Promise((ok) => client.end(false, {}, ok)),
        }),
      );
    });
  },
};

// ------------------------------------------------------------------ Eclipse Paho JS (paho-mqtt-min.js)
const paho = {
  connect(url, { onMessage }) {
    return new Promise((resolve, reject) => {
      const client = new window.Paho.Client(url, uid());
      const delivered = new Map(); // Paho.Message → resolve, for QoS 1
      client.onMessageArrived = onMessage;
      client.onMessageDelivered = (message) => {
        const done = delivered.get(message);
        if (done) {
          delivered.delete(message);
          done();
        }
      };
      client.onConnectionLost = () => {};
      client.connect({
        mqttVersion: 4,
        cleanSession: true,
        keepAliveInterval: 60,
        timeout: 10,
        onFailure: (e) => reject(new Error(e.errorMessage)),
        onSuccess: () =>
          resolve({
            subscribe: (topic, qos) =>
              new Promise((ok, ko) => client.subscribe(topic, { qos, onSuccess: ok, onFailure: ko })),
            publish: (topic, payload, qos) => {
              const message = new window.Paho.Message(payload);
              message.destinationName = topic;
              message.qos = qos;
              if (qos === 0) return void client.send(message);
              return new Promise((ok) => {
                delivered.set(message, ok);
                client.send(message);
              });
            },
            end: async () => {
              try {
                client.disconnect();
              } catch {
                // already closed
              }
            },
          }),
      });
    });
  },
};

// ------------------------------------------------------------------ mqtt5-wasm (crates.io, built by bench/mqtt5-wasm.mjs)
// Its JS API as its README shows it: bytes in, a callback per subscription. MQTT 3.1.1, like the
// others (protocolVersion 4); subscribeWithOptions resolves on SUBACK.
const mqtt5wasm = {
  async connect(url, { onMessage }) {
    const { MqttClient, ConnectOptions, SubscribeOptions, PublishOptions } = window.Mqtt5Wasm;
    const client = new MqttClient(uid());
    const options = new ConnectOptions();
    options.protocolVersion = 4;
    options.keepAlive = 60;
    await client.connectWithOptions(url, options);
    return {
      subscribe: (topic, qos) => {
        const o = new SubscribeOptions();
        o.qos = qos;
        return client.subscribeWithOptions(topic, onMessage, o);
      },
      publish: (topic, payload, qos) => {
        const bytes = typeof payload === 'string' ? encoder.encode(payload) : payload;
        if (qos === 0) return void client.publish(topic, bytes);
        const o = new PublishOptions();
        o.qos = qos;
        return client.publishWithOptions(topic, bytes, o);
      },
      end: () => client.disconnect(),
    };
  },
  async wasmBytes() {
    return window.Mqtt5Wasm.memory.buffer.byteLength;
  },
};

// ------------------------------------------------------------------ the raw WebSocket: the limit
// The least a page can do and still speak MQTT 3.1.1: hand-built CONNECT/SUBSCRIBE/PUBLISH, and
// on receive a walk over the fixed headers (no topic or payload decoding, no copies). Packets
// produced in one turn go out as one frame. It assumes whole packets per frame, which holds for
// mosquitto and for the firehose.
function packet(first, body) {
  const head = [first, ...varint(body.length)];
  const out = new Uint8Array(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}

function str(s) {
  const b = encoder.encode(s);
  return [b.length >> 8, b.length & 255, ...b];
}

const raw = {
  /** framesOnly: after SUBACK, onMessage() once per WebSocket frame and nothing else (the frames-only page). */
  connect(url, { onMessage, framesOnly = false }) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, 'mqtt');
      ws.binaryType = 'arraybuffer';
      const waiting = new Map(); // packet id → resolve (SUBACK, PUBACK)
      let nextId = 1;
      let queue = [];
      let queued = 0;
      const flush = () => {
        const frame = new Uint8Array(queued);
        let at = 0;
        for (const p of queue) {
          frame.set(p, at);
          at += p.length;
        }
        queue = [];
        queued = 0;
        ws.send(frame);
      };
      const enqueue = (p) => {
        if (queued === 0) queueMicrotask(flush);
        queue.push(p);
        queued += p.length;
      };
      const id = () => {
        const n = nextId;
        nextId = nextId === 65535 ? 1 : nextId + 1;
        return n;
      };
      const topics = new Map(); // topic → its encoded bytes, encoded once
      const api = {
        subscribe: (topic, qos) =>
          new Promise((ok) => {
            const n = id();
            waiting.set(n, ok);
            enqueue(packet(0x82, [n >> 8, n & 255, ...str(topic), qos]));
          }),
        publish: (topic, payload, qos) => {
          let t = topics.get(topic);
          if (!t) topics.set(topic, (t = new Uint8Array(str(topic))));
          const bytes = typeof payload === 'string' ? encoder.encode(payload) : payload;
          const len = t.length + (qos ? 2 : 0) + bytes.length;
          const head = [0x30 | (qos << 1), ...varint(len)];
          const p = new Uint8Array(head.length + len);
          p.set(head, 0);
          p.set(t, head.length);
          let at = head.length + t.length;
          let done;
          if (qos) {
            const n = id();
            p[at++] = n >> 8;
            p[at++] = n & 255;
            done = new Promise((ok) => waiting.set(n, ok));
          }
          p.set(bytes, at);
          enqueue(p);
          return done;
        },
        end: async () => {
          ws.send(new Uint8Array([0xe0, 0]));
          ws.close();
        },
      };
      ws.onerror = () => reject(new Error('WebSocket error'));
      ws.onopen = () => {
        const body = [...str('MQTT'), 4, 0x02, 0, 60, ...str(uid())];
        ws.send(packet(0x10, body));
      };
      ws.onmessage = (event) => {
        const b = new Uint8Array(event.data);
        let i = 0;
        while (i < b.length) {
          const type = b[i] >> 4;
          let len = 0;
          let mul = 1;
          let j = i + 1;
          let byte;
          do {
            byte = b[j++];
            len += (byte & 127) * mul;
            mul *= 128;
          } while (byte & 128);
          if (type === 3) onMessage();
          else if (type === 2) resolve(api);
          else if (type === 9 || type === 4) {
            const n = (b[j] << 8) | b[j + 1];
            const done = waiting.get(n);
            waiting.delete(n);
            if (type === 9 && framesOnly) ws.onmessage = onMessage;
            done?.();
          }
          i = j + len;
        }
      };
    });
  },
};

// The browser's own ceiling: a page that counts WebSocket frames and does nothing else.
const frames = {
  connect: (url, { onMessage }) => raw.connect(url, { onMessage, framesOnly: true }),
};

export const ADAPTERS = { frames, raw, ours, mqttjs, paho, mqtt5wasm };
