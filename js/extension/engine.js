// The engine behind the Scratch blocks: one MQTT connection per VM runtime, its status in words,
// and the delivery of every received message to every matching hat script, in order, one run
// at a time, never lost silently.
//
// The connection logic (protocol, reconnect, resubscribe, QoS flows) lives in the client
// (`MqttClient` from js/mqtt.js, injected as `client`); this file only waits on it with bounded
// timeouts and turns its error codes into words.
//
// Delivery ("no lost messages"): Scratch starts a hat script with `runtime.startHats(opcode,
// fields, target)`, which skips a script that is still running and then returns no thread for it.
// So each hat script has its own FIFO queue; a message is removed from it only once a run of that
// script has taken it. Just before `startHats`, the head of each queue is put in `#slot`; the hat's
// predicate (called synchronously inside `startHats` by scratch-vm) copies it onto its own thread,
// so `message` reports the message that started *this* run. Queues are drained on every frame
// (TurboWarp's BEFORE_EXECUTE) and on a 1/60 s timer while anything is queued.

import { translate } from './i18n.js';

/** Messages waiting per hat script before new ones are dropped (and counted in `status`). */
export const QUEUE_LIMIT = 1000;
/** `connect` waits at most this long for the broker's answer, then lets the script go on. */
export const CONNECT_WAIT_MS = 10000;
/** `subscribe`, `unsubscribe` and QoS 1/2 `publish` wait at most this long for the broker's ack. */
export const ACK_WAIT_MS = 10000;
/** The largest payload a block sends, in UTF-8 bytes. */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;
/** How long the broker keeps a project's session after its link dropped (MQTT 5), in seconds. */
export const SESSION_EXPIRY_S = 300;
/** The property that carries a hat run's own message on its scratch-vm Thread. */
export const THREAD_MESSAGE = 'scratchMqttMessage';
/** The filter the run's message was already matched against when it was queued (or null). */
const THREAD_FILTER = 'scratchMqttFilter';

const DRAIN_INTERVAL_MS = 1000 / 60;
const decoder = new TextDecoder('utf-8');
const encoder = new TextEncoder();

/**
 * A kept session for one `connect` block: a client id of its own, MQTT 5, and a session the
 * broker keeps through a dropped link or its own restart, so QoS 1/2 messages sent to the project
 * meanwhile still arrive — and forgets SESSION_EXPIRY_S after the project is gone, so shared
 * brokers do not fill up with the sessions of closed pages.
 */
export function keptSession() {
  const id = Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
  return {
    reconnect: true,
    protocolVersion: 5,
    clean: false,
    clientId: `scratch-${id}`,
    properties: { sessionExpiryInterval: SESSION_EXPIRY_S },
  };
}

/** Block argument → text, whatever Scratch passed (numbers, booleans, undefined, objects). */
export function toText(value) {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  try {
    return String(value);
  } catch {
    return '';
  }
}

/** QoS menu or reporter value → 0, 1 or 2; null when it is anything else. */
export function toQos(value) {
  const text = toText(value).trim();
  if (!/^[0-2](\.0*)?$/.test(text)) return null;
  return Number(text.slice(0, 1));
}

/** Retain menu or reporter value → boolean. */
export function toBool(value) {
  if (typeof value === 'boolean') return value;
  const text = toText(value).trim().toLowerCase();
  return text === 'true' || text === '1' || text === 'yes' || text === '是';
}

/** `path` (dot separated, `a.b.0`) of the JSON text `json`, as text; '' when absent or not JSON. */
export function jsonGet(path, json) {
  let value;
  try {
    value = JSON.parse(toText(json));
  } catch {
    return '';
  }
  const p = toText(path).trim();
  if (p !== '') {
    for (const key of p.split('.')) {
      if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, key)) return '';
      value = value[key];
    }
  }
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return JSON.stringify(value);
}

function withTimeout(promise, ms) {
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ timedOut: true }), ms);
  });
  return Promise.race([promise.then((value) => ({ value }), (error) => ({ error })), timeout]).finally(() =>
    clearTimeout(timer),
  );
}

const engines = new WeakMap();

export class MqttEngine {
  /**
   * The engine of `runtime`, shared by every blocks class (mqtt, iot) of that VM.
   * @param {object} runtime  scratch-vm Runtime (or a stub with the same few methods)
   * @param {object} options  see the constructor
   */
  static of(runtime, options) {
    const key = runtime ?? MqttEngine;
    let engine = engines.get(key);
    if (!engine) {
      engine = new MqttEngine(runtime, options);
      engines.set(key, engine);
    }
    return engine;
  }

  /**
   * @param {object} runtime
   * @param {object} options
   * @param {{load?: Function, MqttClient: Function}} options.client  the page API (js/mqtt.js)
   * @param {() => string} [options.getLocale]  the editor's locale
   * @param {(url: string) => (boolean|Promise<boolean>)} [options.canConnect]  TurboWarp's Scratch.canFetch
   * @param {Record<string,string>} [options.hats]  hat opcode → its topic argument id
   */
  constructor(runtime, { client, getLocale = () => 'en', canConnect = null, hats = {} } = {}) {
    this.runtime = runtime;
    this.clientApi = client;
    this.getLocale = getLocale;
    this.canConnect = canConnect;
    this.hats = { ...hats };
    this.client = null;
    this.generation = 0;
    this.state = 'idle';
    this.failure = null;
    this.problem = null;
    this.dropped = 0;
    this.received = 0;
    this.latest = null;
    /** key → { opcode, target, blockId, items: [] } */
    this.queues = new Map();
    this.slot = new Map();
    /** Sandboxed worker mode: opcode + filter → { filter, items, fired } (see polledPredicate). */
    this.polled = new Map();
    this.drainTimer = null;
    this.draining = false;
    if (runtime && typeof runtime.on === 'function') {
      runtime.on('BEFORE_EXECUTE', () => this.drain());
      // Stop (the red sign) clears the runs waiting to start; the connection stays (see README).
      runtime.on('PROJECT_STOP_ALL', () => this.clearQueues());
      runtime.on('RUNTIME_DISPOSED', () => this.disconnect());
    }
  }

  /** Registers a hat opcode (e.g. `mqtt_whenMessage`) and the id of its topic argument. */
  addHat(opcode, topicArgument) {
    this.hats[opcode] = topicArgument;
  }

  // ------------------------------------------------------------ status

  t(key, params) {
    let locale = 'en';
    try {
      locale = this.getLocale() ?? 'en';
    } catch {
      // keep English
    }
    return translate(locale, key, params);
  }

  reason(code) {
    const key = `reason.${code}`;
    const text = this.t(key);
    return text === key ? this.t('reason.unknown', { code: code ?? '?' }) : text;
  }

  get connected() {
    try {
      return Boolean(this.client && this.client.connected);
    } catch {
      return false;
    }
  }

  /** The status in words: connection state, then the last problem, then dropped messages. */
  statusText() {
    const parts = [];
    if (this.state === 'failed') parts.push(this.t('status.failed', { reason: this.reason(this.failure) }));
    else if (this.state === 'reconnecting' && this.failure) {
      parts.push(`${this.t('status.reconnecting')} (${this.reason(this.failure)})`);
    } else parts.push(this.t(`status.${this.state}`));
    if (this.problem) parts.push(this.t(this.problem.key, this.problem.params));
    if (this.dropped > 0) parts.push(this.t('status.dropped', { count: this.dropped }));
    return parts.join(' · ');
  }

  setProblem(key, params = {}) {
    this.problem = { key, params };
  }

  errorProblem(error) {
    const code = error && typeof error === 'object' ? error.code : null;
    this.setProblem('problem.error', { reason: code ? this.reason(code) : toText(error?.message ?? error) });
  }

  // ------------------------------------------------------------ connection

  /** Connects, replacing (ending) any earlier connection; resolves when connected, failed or after CONNECT_WAIT_MS. */
  async connect(url, user, password) {
    const generation = ++this.generation;
    const previous = this.client;
    this.client = null;
    this.problem = null;
    this.failure = null;
    this.state = 'connecting';
    if (previous) await this.endQuietly(previous);
    if (generation !== this.generation) return;
    const href = toText(url).trim();
    if (this.canConnect) {
      let allowed = false;
      try {
        allowed = await this.canConnect(href);
      } catch {
        allowed = false;
      }
      if (generation !== this.generation) return;
      if (!allowed) {
        this.fail('ERR_NOT_ALLOWED');
        return;
      }
    }
    if (typeof globalThis.WebSocket !== 'function') return this.fail('ERR_NO_WEBSOCKET');
    try {
      if (this.clientApi.load) await this.clientApi.load();
    } catch {
      return this.fail('ERR_LOAD');
    }
    if (generation !== this.generation) return;
    const login = {};
    if (toText(user) !== '') login.username = toText(user);
    if (toText(password) !== '') login.password = toText(password);
    let failure = await this.attempt(href, { ...keptSession(), ...login });
    // A broker without MQTT 5 (aedes, older ones) refuses it by name: the same login in 3.1.1,
    // with a clean session, since a 3.1.1 session would never expire on the broker.
    if (failure === 'ERR_UNSUPPORTED_PROTOCOL_VERSION' && generation === this.generation) {
      failure = await this.attempt(href, { reconnect: true, clean: true, protocolVersion: 4, ...login });
    }
    if (failure && generation === this.generation) this.fail(failure);
  }

  /**
   * One client with `options`: resolves with null once connected (or after CONNECT_WAIT_MS,
   * still trying), or with the error code when its first attempt failed (it is ended then: a
   * wrong URL must not retry for ever).
   */
  async attempt(href, options) {
    let client;
    try {
      client = new this.clientApi.MqttClient(href, options);
    } catch (error) {
      return error?.code ?? 'ERR_BAD_URL';
    }
    this.client = client;
    return new Promise((resolve) => {
      let everConnected = false;
      let lastError = null;
      const timer = setTimeout(() => resolve(null), CONNECT_WAIT_MS);
      const current = () => this.client === client;
      client.on('connect', () => {
        everConnected = true;
        if (current()) {
          this.state = 'connected';
          this.failure = null;
        }
        clearTimeout(timer);
        resolve(null);
      });
      client.on('reconnect', () => {
        if (current()) this.state = everConnected ? 'reconnecting' : 'connecting';
      });
      client.on('error', (error) => {
        lastError = error;
        if (!current()) return;
        if (error?.code === 'ERR_QUEUE_FULL') this.errorProblem(error);
        else this.failure = error?.code ?? 'ERR_CONNECTION_CLOSED';
      });
      client.on('close', () => {
        if (!current()) return;
        if (!everConnected) {
          this.client = null;
          this.endQuietly(client);
          clearTimeout(timer);
          resolve(lastError?.code ?? 'ERR_UNREACHABLE');
        } else {
          this.state = 'reconnecting';
        }
      });
      client.on('end', () => {
        if (current()) {
          this.client = null;
          this.state = 'closed';
        }
      });
      client.on('message', (topic, payload) => {
        if (current()) this.receive(topic, payload);
      });
      try {
        client.start();
      } catch (error) {
        this.client = null;
        clearTimeout(timer);
        resolve(error?.code ?? 'ERR_CONNECTION_CLOSED');
      }
    });
  }

  fail(code) {
    this.state = 'failed';
    this.failure = code;
  }

  async endQuietly(client) {
    try {
      await withTimeout(Promise.resolve(client.end()), ACK_WAIT_MS);
    } catch {
      // already gone
    }
  }

  async disconnect() {
    this.generation++;
    const client = this.client;
    this.client = null;
    this.problem = null;
    this.failure = null;
    this.state = client ? 'closed' : this.state === 'failed' ? 'idle' : this.state === 'connecting' ? 'closed' : this.state;
    if (client) await this.endQuietly(client);
  }

  /** Runs a client operation with the checks and the bounded wait every block needs. */
  async operation(run) {
    const client = this.client;
    if (!client) {
      this.setProblem('problem.notConnected');
      return undefined;
    }
    let promise;
    try {
      promise = Promise.resolve(run(client));
    } catch (error) {
      this.errorProblem(error);
      return undefined;
    }
    const result = await withTimeout(promise, ACK_WAIT_MS);
    if (result.timedOut) {
      this.setProblem('problem.noAck');
      return undefined;
    }
    if (result.error) {
      this.errorProblem(result.error);
      return undefined;
    }
    this.problem = null;
    return result.value ?? true;
  }

  /**
   * False (with the problem set) when `text` breaks the client's topic rules: src/topic.rs
   * through wasm, loaded here if no connect has loaded it yet, so blocks and client never differ.
   */
  async checkTopic(text, isFilter) {
    let problem;
    try {
      if (this.clientApi.load) await this.clientApi.load();
      problem = isFilter ? this.clientApi.filterProblem(text) : this.clientApi.topicProblem(text);
    } catch {
      this.setProblem('problem.error', { reason: this.reason('ERR_LOAD') });
      return false;
    }
    if (problem === undefined) return true;
    this.setProblem(isFilter ? 'problem.badFilter' : 'problem.badTopic', { topic: text });
    return false;
  }

  /** The client's wildcard match; only called for received messages, so the wasm is loaded. */
  matches(filter, topic) {
    return this.clientApi.topicMatches(filter, topic);
  }

  async subscribe(topic, qosValue) {
    const filter = toText(topic);
    const qos = toQos(qosValue);
    if (qos === null) return this.setProblem('problem.badQos');
    if (!(await this.checkTopic(filter, true))) return undefined;
    const granted = await this.operation((c) => c.subscribe(filter, { qos }));
    if (Array.isArray(granted) && granted.some((g) => g && g.qos >= 128)) {
      this.setProblem('problem.refused', { topic: filter });
    }
  }

  async unsubscribe(topic) {
    const filter = toText(topic);
    if (!(await this.checkTopic(filter, true))) return;
    await this.operation((c) => c.unsubscribe(filter));
  }

  async publish(payload, topic, qosValue = 0, retainValue = false) {
    const name = toText(topic);
    const text = toText(payload);
    const qos = toQos(qosValue);
    if (qos === null) return this.setProblem('problem.badQos');
    if (!(await this.checkTopic(name, false))) return;
    const bytes = encoder.encode(text);
    if (bytes.length > MAX_PAYLOAD_BYTES) return this.setProblem('problem.tooLarge', { limit: MAX_PAYLOAD_BYTES });
    await this.operation((c) => c.publish(name, bytes, { qos, retain: toBool(retainValue) }));
  }

  // ------------------------------------------------------------ messages

  /** The text of a payload (UTF-8; invalid bytes become U+FFFD, never an exception). */
  static payloadText(payload) {
    if (typeof payload === 'string') return payload;
    try {
      return decoder.decode(payload);
    } catch {
      return '';
    }
  }

  receive(topic, payload) {
    const message = { topic: toText(topic), payload: MqttEngine.payloadText(payload) };
    this.received++;
    let held = false;
    for (const hat of this.polled.values()) {
      if (!this.matches(hat.filter, message.topic)) continue;
      if (hat.items.length >= QUEUE_LIMIT) this.dropped++;
      else hat.items.push(message);
      held = true;
    }
    // In polled mode `message` is the one a hat released last; otherwise the latest received.
    if (!held) this.latest = message;
    const runtime = this.runtime;
    if (!runtime || typeof runtime.allScriptsByOpcodeDo !== 'function') return;
    for (const [opcode, argument] of Object.entries(this.hats)) {
      try {
        runtime.allScriptsByOpcodeDo(opcode, (script, target) => {
          const filter = staticFilter(target, script.blockId, argument);
          if (filter !== null && !this.matches(filter, message.topic)) return;
          const key = scriptKey(opcode, target, script.blockId);
          let queue = this.queues.get(key);
          if (!queue) {
            queue = { opcode, target, blockId: script.blockId, items: [], filter };
            this.queues.set(key, queue);
          }
          // What the hat's predicate needs not match again (a reporter's filter may change).
          queue.filter = filter;
          if (queue.items.length >= QUEUE_LIMIT) {
            this.dropped++;
            return;
          }
          queue.items.push(message);
        });
      } catch (error) {
        console.error('scratch-mqtt: could not queue a message', error);
      }
    }
    this.drain();
  }

  /** Starts the next run of every hat script that has a message waiting and is not running. */
  drain() {
    if (this.draining || !this.runtime) return;
    this.draining = true;
    try {
      const starts = new Map(); // target → Set(opcode)
      for (const [key, queue] of this.queues) {
        const alive = typeof this.runtime.getTargetById !== 'function' || this.runtime.getTargetById(queue.target.id);
        if (queue.items.length === 0 || !alive) {
          this.queues.delete(key);
          continue;
        }
        this.slot.set(key, queue.items[0]);
        if (!starts.has(queue.target)) starts.set(queue.target, new Set());
        starts.get(queue.target).add(queue.opcode);
      }
      for (const [target, opcodes] of starts) {
        for (const opcode of opcodes) {
          let threads;
          try {
            threads = this.runtime.startHats(opcode, null, target) ?? [];
          } catch (error) {
            console.error('scratch-mqtt: startHats failed', error);
            threads = [];
          }
          for (const thread of threads) {
            // A VM that evaluates the predicate later (not inside startHats): hand the message over now.
            const key = scriptKey(opcode, target, thread.topBlock);
            if (this.slot.has(key)) this.take(key, thread);
          }
        }
      }
    } finally {
      this.slot.clear();
      this.draining = false;
    }
    this.scheduleDrain();
  }

  /** Moves the head of `key`'s queue onto `thread`. */
  take(key, thread) {
    const message = this.slot.get(key);
    this.slot.delete(key);
    const queue = this.queues.get(key);
    if (queue && queue.items[0] === message) queue.items.shift();
    if (thread) {
      thread[THREAD_MESSAGE] = message;
      thread[THREAD_FILTER] = queue?.filter ?? null;
    }
    return message;
  }

  scheduleDrain() {
    if (this.drainTimer !== null) return;
    let pending = false;
    for (const queue of this.queues.values()) if (queue.items.length) pending = true;
    if (!pending) return;
    this.drainTimer = setTimeout(() => {
      this.drainTimer = null;
      this.drain();
    }, DRAIN_INTERVAL_MS);
  }

  clearQueues() {
    this.queues.clear();
    for (const hat of this.polled.values()) hat.items.length = 0;
    this.slot.clear();
  }

  /** The hat predicate: true when this run has a message whose topic matches the hat's filter. */
  hatPredicate(opcode, topicArgument, util, polled = false) {
    if (polled) return this.polledPredicate(opcode, topicArgument);
    const thread = util?.thread;
    if (!thread) return false;
    let message = thread[THREAD_MESSAGE];
    if (!message) {
      const target = util.target ?? thread.target;
      const key = scriptKey(opcode, target, thread.topBlock);
      if (!this.slot.has(key)) return false;
      message = this.take(key, thread);
    }
    const filter = toText(topicArgument);
    // Matched once when the message was queued: no second trip into wasm per run.
    if (thread[THREAD_FILTER] === filter) return true;
    return this.matches(filter, message.topic);
  }

  /**
   * Sandboxed worker mode (no runtime, hats edge-activated and polled every frame): one queue per
   * hat opcode and filter, released one message per true→false cycle (every other poll). The VM
   * skips a trigger while the script still runs, so a script that spans frames can miss messages
   * here: the limit of the sandbox, documented in the README.
   */
  polledPredicate(opcode, topicArgument) {
    const filter = toText(topicArgument);
    const key = `${opcode}\u0000${filter}`;
    let hat = this.polled.get(key);
    if (!hat) {
      hat = { filter, items: [], fired: false };
      this.polled.set(key, hat);
    }
    if (hat.fired) {
      hat.fired = false;
      return false;
    }
    if (hat.items.length === 0) return false;
    this.latest = hat.items.shift();
    hat.fired = true;
    return true;
  }

  /** The message of this run (hat scripts) or the latest one (anywhere else). */
  messageFor(util) {
    return util?.thread?.[THREAD_MESSAGE] ?? this.latest;
  }
}

function scriptKey(opcode, target, blockId) {
  return `${opcode}\u0000${target?.id}\u0000${blockId}`;
}

/** The hat's topic when it is typed in (a text shadow); null when a reporter fills the input. */
function staticFilter(target, blockId, argument) {
  try {
    const blocks = target.blocks;
    const hat = blocks.getBlock(blockId);
    const input = hat?.inputs?.[argument];
    if (!input) return null;
    if (input.block !== input.shadow) return null;
    const shadow = blocks.getBlock(input.shadow);
    const field = shadow?.fields && Object.values(shadow.fields)[0];
    return field ? toText(field.value) : null;
  } catch {
    return null;
  }
}
