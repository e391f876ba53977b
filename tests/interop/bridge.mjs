// Talks to core/examples/codec_bridge.rs, our codec behind a JSON-lines pipe, and to mqtt-packet.
// One bridge process serves a whole test file: requests are pipelined and matched by id.

import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt-packet';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Builds the bridge (a no-op when it is up to date) and returns the executable's path. */
function buildBridge() {
  const out = execFileSync(
    'cargo',
    ['build', '--quiet', '-p', 'scratch-mqtt-core', '--example', 'codec_bridge', '--message-format=json-render-diagnostics'],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 },
  );
  for (const line of out.split('\n')) {
    if (!line.startsWith('{')) continue;
    const msg = JSON.parse(line);
    if (msg.reason === 'compiler-artifact' && msg.target?.name === 'codec_bridge' && msg.executable) {
      return msg.executable;
    }
  }
  throw new Error('cargo built no codec_bridge executable');
}

/** Starts the bridge. Call `close()` when done (e.g. in `after`). */
export async function startBridge() {
  const child = spawn(buildBridge(), [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const pending = new Map();
  let nextId = 1;
  let exited = null;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const answer = JSON.parse(line);
    const waiter = pending.get(answer.id);
    pending.delete(answer.id);
    waiter?.resolve(answer);
  });
  child.on('exit', (code, signal) => {
    exited = new Error(`codec_bridge exited (code ${code}, signal ${signal})`);
    for (const waiter of pending.values()) waiter.reject(exited);
    pending.clear();
  });
  const request = (body) => {
    if (exited) return Promise.reject(exited);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      child.stdin.write(`${JSON.stringify({ ...body, id })}\n`);
    });
  };
  return {
    /** Our decoder on `bytes`: {ok, consumed, packet, reencoded} | {ok, incomplete} | {ok: false, error}. */
    decode: (version, bytes) => request({ op: 'decode', version, hex: bytes.toString('hex') }),
    /** Our encoder on an mqtt-packet-shaped object: {ok, hex} | {ok: false, error}. */
    encode: (version, packet) => request({ op: 'encode', version, packet: toPlain(packet) }),
    async close() {
      if (exited) return;
      child.stdin.end();
      await once(child, 'exit');
    },
  };
}

/**
 * A deep copy as plain JSON data: Buffers become hex strings and objects lose their prototype
 * (mqtt-packet builds user properties with `Object.create(null)`).
 */
export function toPlain(value) {
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (Array.isArray(value)) return value.map(toPlain);
  if (value !== null && typeof value === 'object') {
    const out = {};
    for (const key of Object.keys(value)) {
      if (value[key] !== undefined) out[key] = toPlain(value[key]);
    }
    return out;
  }
  return value;
}

/** Every packet and error mqtt-packet's parser reports for `bytes`, with a fresh parser. */
export function mqttPacketParse(bytes, version) {
  const parser = mqtt.parser({ protocolVersion: version });
  const packets = [];
  const errors = [];
  parser.on('packet', (packet) => packets.push(packet));
  parser.on('error', (error) => errors.push(error));
  const left = parser.parse(bytes);
  return { packets, errors, left };
}

/** mqtt-packet's parse of one whole packet; throws unless that is exactly what `bytes` hold. */
export function mqttPacketParseOne(bytes, version) {
  const { packets, errors, left } = mqttPacketParse(bytes, version);
  if (errors.length) throw new Error(`mqtt-packet rejects ${bytes.toString('hex')}: ${errors[0].message}`);
  if (packets.length !== 1 || left !== 0) {
    throw new Error(`mqtt-packet read ${packets.length} packets, ${left} bytes left`);
  }
  return packets[0];
}

/**
 * The fields both sides define, for comparison. mqtt-packet's parser also reports the remaining
 * length, and for every packet type the fixed-header bits as `qos`/`dup`/`retain` plus
 * `topic: null, payload: null`; outside PUBLISH those are fixed by the type (and the parser has
 * already checked them), so only PUBLISH keeps them.
 */
export function comparable(packet) {
  const out = toPlain(packet);
  delete out.length;
  if (out.cmd !== 'publish') {
    for (const key of ['topic', 'payload', 'qos', 'dup', 'retain']) delete out[key];
  }
  return out;
}

export { mqtt };
