// The engine behind the Scratch blocks: one MQTT connection per VM runtime and its status in
// words; received messages go to the hat scripts through ./delivery.js.
//
// The connection logic (protocol, reconnect, resubscribe, QoS flows) lives in the client
// (`MqttClient` from js/mqtt.js, injected as `client`); this file only waits on it with bounded
// timeouts and turns its error codes into words.

import { translate } from './i18n.js';
import { toBool, toQos, toText } from './casts.js';
import { Delivery } from './delivery.js';

export { QUEUE_LIMIT, THREAD_MESSAGE } from './delivery.js';

/** `connect` waits at most this long for the broker's answer, then lets the script go on. */
export const CONNECT_WAIT_MS = 10000;
/** Compiled hat filters kept at most (`MqttEngine.matches`). */
const MATCHER_CACHE = 256;
/** `subscribe`, `unsubscribe` and QoS 1/2 `publish` wait at most this long for the broker's ack. */
export const ACK_WAIT_MS = 10000;
/** The largest payload a block sends, in UTF-8 bytes. */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;
/** How long the broker keeps a project's session after its link dropped (MQTT 5), in seconds. */
export const SESSION_EXPIRY_S = 300;

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
    retryFirstAttempt: false,
    protocolVersion: 5,
    clean: false,
    clientId: `scratch-${id}`,
    properties: { sessionExpiryInterval: SESSION_EXPIRY_S },
  };
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
    /** filter → compiled matcher (`matches`). */
    this.matchers = new Map();
    this.getLocale = getLocale;
    this.canConnect = canConnect;
    this.client = null;
    this.generation = 0;
    this.state = 'idle';
    this.failure = null;
    this.problem = null;
    this.delivery = new Delivery(runtime, (filter, topic) => this.matches(filter, topic), hats);
    if (runtime && typeof runtime.on === 'function') {
      runtime.on('BEFORE_EXECUTE', () => this.delivery.drain());
      // Stop (the red sign) clears the runs waiting to start; the connection stays (see README).
      runtime.on('PROJECT_STOP_ALL', () => this.delivery.clearQueues());
      runtime.on('RUNTIME_DISPOSED', () => this.disconnect());
    }
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
    const { dropped } = this.delivery;
    if (dropped > 0) parts.push(this.t('status.dropped', { count: dropped }));
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
      failure = await this.attempt(href, { reconnect: true, retryFirstAttempt: false, clean: true, protocolVersion: 4, ...login });
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
      // The session itself gives up when its first attempt fails (retryFirstAttempt: false):
      // it ends, and `end` before `connect` is that failure.
      let lastError = null;
      let settled = false;
      const settle = (failure) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(failure);
      };
      const timer = setTimeout(() => settle(null), CONNECT_WAIT_MS);
      const current = () => this.client === client;
      client.on('connect', () => {
        if (current()) {
          this.state = 'connected';
          this.failure = null;
        }
        settle(null);
      });
      client.on('reconnect', () => {
        if (current()) this.state = 'reconnecting';
      });
      client.on('error', (error) => {
        lastError = error;
        if (!current()) return;
        if (error?.code === 'ERR_QUEUE_FULL') this.errorProblem(error);
        else this.failure = error?.code ?? 'ERR_CONNECTION_CLOSED';
      });
      client.on('close', () => {
        if (current() && client.reconnecting) this.state = 'reconnecting';
      });
      client.on('end', () => {
        const failure = lastError?.code ?? 'ERR_UNREACHABLE';
        if (current()) {
          this.client = null;
          if (this.state !== 'connecting') this.state = 'closed';
          // Still connecting after the wait was over: nobody else will say it failed.
          else if (settled) this.fail(failure);
        }
        settle(failure);
      });
      client.on('message', (topic, payload) => {
        if (current()) this.delivery.receiveFromClient(topic, payload);
      });
      try {
        client.start();
      } catch (error) {
        this.client = null;
        settle(error?.code ?? 'ERR_CONNECTION_CLOSED');
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

  /**
   * The client's wildcard match; only called for received messages, so the wasm is loaded. Each
   * filter is checked and compiled once (hat filters are few; a reporter making new ones every
   * time only empties the cache now and then).
   */
  matches(filter, topic) {
    let matcher = this.matchers.get(filter);
    if (matcher === undefined) {
      if (this.matchers.size >= MATCHER_CACHE) this.matchers.clear();
      matcher = this.clientApi.filterMatcher(filter);
      this.matchers.set(filter, matcher);
    }
    return matcher(topic);
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

  /** Where the client's messages go: the hat scripts' queues (./delivery.js). */
  receive(topic, payload) {
    this.delivery.receive(topic, payload);
  }

  addHat(opcode, topicArgument) {
    this.delivery.addHat(opcode, topicArgument);
  }

  hatPredicate(opcode, topicArgument, util, polled = false) {
    return this.delivery.hatPredicate(opcode, topicArgument, util, polled);
  }

  messageFor(util) {
    return this.delivery.messageFor(util);
  }
}
