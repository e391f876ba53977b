// The JS half of src/batch.rs: a frame's messages, read from wasm memory and dispatched
// one by one (imported by the Rust side with #[wasm_bindgen(module = ...)]).

const utf8 = new TextDecoder();
export class Payload extends Uint8Array {
  text() { return utf8.decode(this); }
  // Node's Buffer encodings that pages use with MQTT.js: utf8 (the default), hex, base64.
  toString(encoding) {
    if (encoding === undefined || encoding === 'utf8' || encoding === 'utf-8') return utf8.decode(this);
    if (encoding === 'hex') return Array.from(this, (b) => (b < 16 ? '0' : '') + b.toString(16)).join('');
    if (encoding === 'base64') {
      let binary = '';
      for (let i = 0; i < this.length; i++) binary += String.fromCharCode(this[i]);
      return btoa(binary);
    }
    throw new RangeError(`unknown encoding '${encoding}': use utf8, hex or base64`);
  }
}
// Batches are copied out of wasm memory (which may move while listeners run) into a shared 64 KB
// pool: a new ArrayBuffer per frame was most of the cost of a one-message frame. A payload kept
// by the application keeps its pool alive, as Node's Buffer pool does. The records are read
// straight from the pool with one DataView per pool: every typed-array view made per frame is
// measurable when a frame holds one message.
const POOL_SIZE = 65536;
let pool = null;
let poolView = null;
let poolUsed = 0;
let memory = null;
let memoryBytes = null;
export function useMemory(wasmMemory) {
  memory = wasmMemory;
}
export function deliverMessages(address, length, extras, topics, dispatch) {
  if (memoryBytes === null || memoryBytes.buffer !== memory.buffer) {
    memoryBytes = new Uint8Array(memory.buffer);
  }
  let bytes;
  let view;
  let at;
  if (length > POOL_SIZE >> 2) {
    bytes = memoryBytes.slice(address, address + length);
    view = new DataView(bytes.buffer);
    at = 0;
  } else {
    if (pool === null || poolUsed + length > POOL_SIZE) {
      pool = new Uint8Array(POOL_SIZE);
      poolView = new DataView(pool.buffer);
      poolUsed = 0;
    }
    bytes = pool;
    view = poolView;
    at = poolUsed;
    if (length <= 64) {
      // A loop beats making a view for set() at this size.
      for (let i = 0; i < length; i++) pool[at + i] = memoryBytes[address + i];
    } else {
      pool.set(memoryBytes.subarray(address, address + length), at);
    }
    poolUsed += (length + 7) & ~7;
  }
  const end = at + length;
  let extra = 0;
  while (at < end) {
    const flags = bytes[at];
    const slot = bytes[at + 1];
    at += 2;
    if (flags & 16) {
      const length = view.getUint32(at, true);
      topics[slot] = utf8.decode(bytes.subarray(at + 4, at + 4 + length));
      at += 4 + length;
    }
    const topic = topics[slot];
    const length = view.getUint32(at, true);
    const payload = new Payload(bytes.buffer, at + 4, length);
    at += 4 + length;
    const packet = { cmd: 'publish', topic, payload, qos: flags & 3, retain: (flags & 4) !== 0, dup: (flags & 8) !== 0 };
    if (flags & 32) packet.properties = extras[extra++];
    try {
      dispatch('message', topic, payload, packet);
    } catch (error) {
      // The wrapper isolates listeners already; this keeps the rest of the batch coming even if
      // a dispatch function of its own throws.
      console.error('scratch-mqtt: delivering a message failed', error);
    }
  }
}
