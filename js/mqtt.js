// The web page API of Scratch MQTT: an MQTT.js-like client over the wasm `Connection`.
// Thin on purpose: listeners and chaining live here; the protocol, the socket and the timers
// live in Rust (src/). The build points `./scratch_mqtt.js` at wasm-bindgen's output.

import init, { Connection, filterProblem, topicMatches, topicProblem, version } from './scratch_mqtt.js';

let ready = null;
let loaded = false;

/** Loads the wasm once. `source` may be a URL, a Response, bytes or a WebAssembly.Module. */
export function load(source) {
  ready ??= init(source === undefined ? undefined : { module_or_path: source }).then((exports) => {
    loaded = true;
    return exports;
  });
  return ready;
}

const EVENTS = ['connect', 'reconnect', 'close', 'offline', 'disconnect', 'error', 'message', 'end', 'packetsend', 'packetreceive'];
/** Reported only while someone listens: reading packets back costs every packet a crossing. */
const PACKET_EVENTS = ['packetsend', 'packetreceive'];

export class MqttClient {
  /** The wasm `Connection`; null until the library has loaded. */
  #connection = null;
  /** While the library loads: resolves once `#connection` exists (or the client is ended). */
  #opening = null;
  #startWanted = false;
  /** event → listeners; each list is replaced by on/off, never changed in place. */
  #listeners = new Map(EVENTS.map((name) => [name, []]));
  #ended = false;
  /** Between `end()` and the `end` event. */
  #disconnecting = false;
  /** `options` as they were when the connection was freed. */
  #optionsAtEnd = {};

  /**
   * Prefer `connect()` / `connectAsync()`; the constructor does not start connecting. Made before
   * the library has loaded, the client loads it first: a bad URL or option is then reported as
   * an `error` event (followed by `close` and `end`) instead of thrown, and operations wait.
   */
  constructor(url, options = {}) {
    const open = () => {
      this.#connection = new Connection(String(url ?? ''), options ?? {}, (name, a, b, c) =>
        this.#emit(name, a, b, c),
      );
      this.#syncPacketEvents();
    };
    if (loaded) {
      open();
      return;
    }
    this.#opening = load().then(() => {
      if (this.#ended) return;
      open();
      if (this.#startWanted) this.#connection.start();
    }).catch((error) => {
      if (this.#ended) return;
      this.#ended = true;
      this.#emit('error', error?.code ? error : mqttError('ERR_NOT_LOADED', `the library could not load: ${error?.message ?? error}`));
      this.#emit('close');
      this.#emit('end');
    }).finally(() => {
      this.#opening = null;
    });
  }

  /** True while connected to the broker. */
  get connected() {
    return !this.#ended && Boolean(this.#connection?.connected);
  }

  /** True while a lost connection is being re-established (a retry is waiting or under way). */
  get reconnecting() {
    return !this.#ended && Boolean(this.#connection?.reconnecting);
  }

  /** True from `end()` until the client has ended. */
  get disconnecting() {
    return this.#disconnecting && !this.#ended;
  }

  /**
   * The options in effect, defaults filled in (MQTT.js's names: `protocolVersion`, `clientId`,
   * `clean`, `keepalive`, `reconnectPeriod`, …; never the password); `{}` until loaded.
   */
  get options() {
    if (this.#ended) return this.#optionsAtEnd;
    return this.#connection ? this.#connection.options : {};
  }

  /** The client id in use (generated when none was given); '' until the library has loaded. */
  get clientId() {
    return this.#ended ? '' : (this.#connection?.clientId ?? '');
  }

  /** Starts connecting; called by `connect()`. */
  start() {
    if (this.#ended) return this;
    if (this.#connection) this.#connection.start();
    else this.#startWanted = true;
    return this;
  }

  on(event, listener) {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    this.#listeners.set(event, [...this.#listenersOf(event), listener]);
    this.#syncPacketEvents();
    return this;
  }

  once(event, listener) {
    const wrapped = (...args) => {
      this.off(event, wrapped);
      listener.apply(this, args);
    };
    wrapped.listener = listener;
    return this.on(event, wrapped);
  }

  off(event, listener) {
    const list = this.#listenersOf(event);
    const index = list.findIndex((f) => f === listener || f.listener === listener);
    if (index >= 0) this.#listeners.set(event, list.filter((_, i) => i !== index));
    this.#syncPacketEvents();
    return this;
  }

  // The EventEmitter names MQTT.js code uses.
  addListener(event, listener) {
    return this.on(event, listener);
  }

  removeListener(event, listener) {
    return this.off(event, listener);
  }

  /** Every listener of `event`, or of every event when none is named. */
  removeAllListeners(event) {
    for (const name of event === undefined ? EVENTS : [event]) {
      this.#listenersOf(name);
      this.#listeners.set(name, []);
    }
    this.#syncPacketEvents();
    return this;
  }

  listenerCount(event) {
    return this.#listenersOf(event).length;
  }

  // Each operation settles a promise; given a callback last (MQTT.js style) it calls it once
  // with (error, result) instead and returns the client, and the promise can never be left
  // rejected unhandled.

  /** `filters`: a string, a list, or an object of filter → options (MQTT.js). */
  subscribe(filters, options, callback) {
    [options, callback] = withCallback(options, callback);
    return settle(this, this.subscribeAsync(filters, options), callback);
  }

  subscribeAsync(filters, options = {}) {
    if (filters && typeof filters === 'object' && !Array.isArray(filters)) {
      // One SUBSCRIBE per filter with its own options; the granted list keeps the object's order.
      return Promise.all(
        Object.entries(filters).map(([filter, own]) => this.#call((c) => c.subscribe(filter, { ...options, ...own }))),
      ).then((lists) => lists.flat());
    }
    return this.#call((c) => c.subscribe(filters, options ?? {}));
  }

  unsubscribe(filters, options, callback) {
    [, callback] = withCallback(options, callback);
    return settle(this, this.unsubscribeAsync(filters), callback);
  }

  unsubscribeAsync(filters) {
    return this.#call((c) => c.unsubscribe(filters));
  }

  publish(topic, payload, options, callback) {
    [options, callback] = withCallback(options, callback);
    return settle(this, this.publishAsync(topic, payload, options), callback);
  }

  publishAsync(topic, payload, options = {}) {
    return this.#call((c) => c.publish(topic, payload, options ?? {}));
  }

  /** MQTT.js's `end([force], [options], [callback])`; `force` is accepted, the end is always clean. */
  end(...args) {
    const callback = typeof args.at(-1) === 'function' ? args.at(-1) : null;
    return settle(this, this.endAsync(), callback);
  }

  endAsync() {
    return this.#end();
  }

  /** Disconnects cleanly; pending operations reject with ERR_CLOSED. */
  async #end() {
    if (this.#ended) return;
    this.#disconnecting = true;
    if (!this.#connection) {
      // Still loading: nothing was opened, so there is nothing to close.
      this.#ended = true;
      this.#emit('end');
      return;
    }
    await this.#connection.end();
    if (!this.#ended) {
      this.#optionsAtEnd = this.#connection.options;
      this.#ended = true;
      this.#connection.free();
    }
  }

  #call(operation) {
    if (this.#ended) return Promise.reject(closedError());
    if (!this.#connection) return this.#opening.then(() => this.#call(operation));
    return operation(this.#connection);
  }

  #syncPacketEvents() {
    if (this.#connection && !this.#ended) {
      this.#connection.packetEvents = PACKET_EVENTS.some((name) => this.#listeners.get(name).length > 0);
    }
  }

  #listenersOf(event) {
    const list = this.#listeners.get(event);
    if (!list) throw new TypeError(`unknown event "${event}"; events are ${EVENTS.join(', ')}`);
    return list;
  }

  #emit(name, a, b, c) {
    // Lists are replaced, never changed, by on/off: a listener that removes itself (once) while
    // we iterate leaves this list intact, and no copy is made per message.
    for (const listener of this.#listeners.get(name) ?? []) {
      try {
        listener.call(this, a, b, c);
      } catch (error) {
        // One broken listener must not silence the others or the client.
        console.error(`scratch-mqtt: a "${name}" listener threw`, error);
      }
    }
  }
}

/** `(options, callback)` or `(callback)` → `[options, callback]`. */
function withCallback(options, callback) {
  return typeof options === 'function' ? [{}, options] : [options ?? {}, callback];
}

/** With a callback: calls it once with (error) or (null, result) and returns `client`; else the promise. */
function settle(client, promise, callback) {
  if (typeof callback !== 'function') return promise;
  const call = (...args) => {
    try {
      callback.apply(client, args);
    } catch (error) {
      // As with listeners: the application's own error, reported, never an unhandled rejection.
      console.error('scratch-mqtt: a callback threw', error);
    }
  };
  promise.then((result) => call(null, result), (error) => call(error));
  return client;
}

function mqttError(code, message) {
  const error = new Error(message);
  error.name = 'MqttError';
  error.code = code;
  return error;
}

function closedError() {
  return mqttError('ERR_CLOSED', 'the client has ended');
}

/**
 * MQTT.js's forms: `connect(url, options)`, `connect(options)` and `connect(undefined, options)`
 * with `protocol` (ws/wss), `host`/`hostname`, `port` and `path` → one broker URL.
 */
function brokerUrl(url, options) {
  if (typeof url === 'string') return [url, options];
  const all = { ...url, ...options };
  const host = all.hostname ?? all.host;
  if (!host) return [String(url ?? ''), all];
  const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const href = `${String(all.protocol ?? 'ws').replace(/:$/, '')}://${bracketed}`;
  try {
    // The browser's URL parser puts the port and the path in their places.
    const address = new URL(href);
    if (all.port) address.port = String(all.port);
    address.pathname = all.path ?? '/mqtt';
    return [address.href, all];
  } catch {
    return [href, all]; // not a URL: the client says why (ERR_BAD_URL)
  }
}

/** Creates a client and starts connecting; listen for `connect`, `error`, `message` … */
export function connect(url, options) {
  const [href, rest] = brokerUrl(url, options);
  return new MqttClient(href, rest).start();
}

/**
 * Loads the library if needed, then resolves with a connected client, or rejects with the reason
 * the first attempt failed (the client is ended then, so nothing keeps running in the background).
 */
export async function connectAsync(url, options) {
  await load();
  let client;
  try {
    const [href, rest] = brokerUrl(url, options);
    client = new MqttClient(href, { ...rest, retryFirstAttempt: false });
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise((resolve, reject) => {
    // The session gives up by itself when its first attempt fails (retryFirstAttempt: false):
    // it ends, and `end` before `connect` is that failure.
    let lastError = null;
    const onError = (error) => {
      lastError = error;
    };
    const onConnect = () => {
      client.off('error', onError).off('end', onEnd);
      resolve(client);
    };
    const onEnd = () => {
      client.off('error', onError).off('connect', onConnect);
      reject(lastError ?? closedError());
    };
    client.on('error', onError).once('connect', onConnect).once('end', onEnd);
    client.start();
  });
}

// Matching received topics against a filter in JavaScript. The filter is checked once, by the
// client's own rules in wasm (`filterProblem`, core/src/topic.rs); compiled here is only the
// match, the same rule as the core's `topic::matches`, so matching one message against many
// filters crosses into wasm not at all (BENCHMARKS.md: a crossing per pair cost 20× the match).
// tests/scratch/blocks.test.mjs holds this and the wasm's `topicMatches` to one table.

const DOLLAR = 0x24;
const SHARE_PREFIX = '$share/';

/**
 * A function telling whether a received topic matches `filter`, checked once by the client's
 * rules; for a filter the client refuses, a function that matches nothing. Topics are assumed
 * valid (received ones are). Needs the library loaded.
 * @param {string} filter
 * @returns {(topic: string) => boolean}
 */
export function filterMatcher(filter) {
  if (typeof filter !== 'string' || filterProblem(filter) !== undefined) return () => false;
  // A shared subscription matches like the filter inside it.
  const inner = filter.startsWith(SHARE_PREFIX) ? filter.slice(filter.indexOf('/', SHARE_PREFIX.length) + 1) : filter;
  const levels = inner.split('/');
  // Wildcards at the first level do not match $-topics ($SYS/…).
  const skipsDollar = levels[0] === '+' || levels[0] === '#';
  return (topic) => {
    if (skipsDollar && topic.charCodeAt(0) === DOLLAR) return false;
    let start = 0;
    for (const level of levels) {
      if (level === '#') return true;
      if (start > topic.length) return false; // the topic has fewer levels
      let end = topic.indexOf('/', start);
      if (end === -1) end = topic.length;
      if (level !== '+' && (end - start !== level.length || !topic.startsWith(level, start))) return false;
      start = end + 1;
    }
    return start > topic.length;
  };
}

export { filterProblem, topicMatches, topicProblem, version };
