// The broker check, as a page runs it: one battery of steps against one broker URL, through the
// library exactly as a Scratch page uses it (dist/scratch-mqtt.js). `npx scratch-mqtt check`
// runs it in a headless browser (bin/check/), the demo console's "Check this broker" button runs
// it in the visitor's own browser. Each step gives a row: pass, fail (with a sentence key from
// sentences.js saying what to change) or skip (why it did not run).
//
// It stays polite to a shared classroom broker: every topic is unique under `prefix`, messages
// are few and spaced (LATENCY_GAP_MS), retained test messages are cleared, every client is ended,
// and every wait is bounded, so a run can neither flood nor hang.

import { connect, load } from '../scratch-mqtt.js';
import { ROW_IDS, formatSize } from './sentences.js';

export const DEFAULT_PREFIX = 'scratch-mqtt-check';

const OPEN_TIMEOUT_MS = 5000;
const CONNECT_TIMEOUT_MS = 5000;
const MESSAGE_TIMEOUT_MS = 5000;
const END_TIMEOUT_MS = 2000;
/** How long a cleared retained message is given to (wrongly) turn up. */
const CLEARED_WAIT_MS = 1000;
const RECONNECT_TIMEOUT_MS = 10000;
/** Message sizes tried, smallest first; the last is the bound. */
const PROBE_SIZES = [1024, 16 * 1024, 64 * 1024, 256 * 1024, 1024 * 1024];
const BIG_MESSAGE_TIMEOUT_MS = 10000;
/**
 * A size whose round trip took longer than this is the last one tried: the next is 4 times as
 * big (mosquitto's WebSocket listener moves about 40 KB/s, so 1 MiB would take half a minute).
 */
const SLOW_MESSAGE_MS = 1000;
const LATENCY_SAMPLES = 20;
/** At most 1000 / 25 = 40 messages a second, whatever the broker's speed. */
const LATENCY_GAP_MS = 25;
const LATENCY_TIMEOUT_MS = 2000;

const VERSIONS = [
  { id: 'mqtt311', protocolVersion: 4, name: '3.1.1' },
  { id: 'mqtt5', protocolVersion: 5, name: '5.0' },
  { id: 'mqtt31', protocolVersion: 3, name: '3.1' },
];
const CREDENTIAL_REFUSALS = ['ERR_BAD_USER_NAME_OR_PASSWORD', 'ERR_NOT_AUTHORIZED'];

/**
 * Runs every step against `url` and resolves with `{ rows, version, ms }` (rows in ROW_IDS order;
 * plain data, so it crosses from a page to Node as JSON).
 *
 * @param {object} options
 * @param {string} options.url  ws:// or wss:// broker URL
 * @param {string} [options.username]
 * @param {string} [options.password]
 * @param {string} [options.prefix]  test topics are `${prefix}/<random id>/…`
 * @param {string[]} [options.skip]  row ids not to run
 * @param {(row: object) => void} [options.onRow]  called as each row is decided
 */
export async function runBattery({ url, username = '', password = '', prefix = DEFAULT_PREFIX, skip = [], onRow = () => {} }) {
  const started = performance.now();
  const run = {
    url: String(url ?? ''),
    username: username || '',
    password: password || '',
    base: `${String(prefix || DEFAULT_PREFIX).replace(/^\/+|\/+$/g, '')}/${randomId()}`,
    skip: new Set(skip),
    rows: new Map(),
    clients: new Set(),
    /** The newest MQTT version that connected: what the later steps use. */
    version: null,
    connacks: {},
  };
  const decide = (id, row) => {
    const full = { id, source: 'browser', ...row };
    run.rows.set(id, full);
    try {
      onRow(full);
    } catch {
      // A display callback's failure is not the broker's.
    }
    return full;
  };
  run.decide = decide;

  try {
    await load();
    await checkWebSocket(run);
    await checkVersions(run);
    const steps = [
      ['qos0', (r) => checkRoundTrip(r, 0)],
      ['qos1', (r) => checkRoundTrip(r, 1)],
      ['qos2', (r) => checkRoundTrip(r, 2)],
      ['retained', checkRetained],
      ['will', checkWill],
      ['properties5', checkProperties5],
      ['maxPacket', checkMaxPacket],
      ['latency', checkLatency],
      ['reconnect', checkReconnect],
    ];
    for (const [id, step] of steps) await runStep(run, id, step);
  } catch (error) {
    // Whatever is undecided says why; the decided rows stand.
    for (const id of ROW_IDS) {
      if (!run.rows.has(id)) decide(id, fail('fail.internal', { message: error?.message ?? String(error) }));
    }
  } finally {
    await Promise.all([...run.clients].map((client) => endClient(run, client)));
  }
  return {
    rows: ROW_IDS.map((id) => run.rows.get(id)).filter(Boolean),
    version: run.version?.name ?? null,
    base: run.base,
    ms: Math.round(performance.now() - started),
  };
}

const pass = (key, params = {}, data) => ({ status: 'pass', detail: { key, params }, ...(data ? { data } : {}) });
const fail = (key, params = {}, data) => ({ status: 'fail', sentence: { key, params }, ...(data ? { data } : {}) });
const skipped = (key, params = {}) => ({ status: 'skip', sentence: { key, params } });

/** One later step: skipped when asked or when what it needs failed; its own error fails only it. */
async function runStep(run, id, step) {
  if (run.skip.has(id)) return run.decide(id, skipped('skip.notAsked'));
  if (!run.rows.get('websocket') || run.rows.get('websocket').status !== 'pass' || run.rows.get('subprotocol')?.status !== 'pass') {
    return run.decide(id, skipped('skip.needsWebSocket'));
  }
  if (run.rows.get('credentials')?.status === 'fail') return run.decide(id, skipped('skip.credentials'));
  if (!run.version) return run.decide(id, skipped('skip.needsConnection'));
  if (id === 'properties5' && run.rows.get('mqtt5')?.status !== 'pass') return run.decide(id, skipped('skip.needsMqtt5'));
  const started = performance.now();
  let row;
  try {
    row = await step(run);
  } catch (error) {
    row = fail('fail.internal', { message: error?.message ?? String(error) });
  }
  return run.decide(id, { ...row, ms: Math.round(performance.now() - started) });
}

// ---------------------------------------------------------------- WebSocket, subprotocol, TLS

async function checkWebSocket(run) {
  let address;
  try {
    address = new URL(run.url);
  } catch {
    address = null;
  }
  const tlsWanted = address?.protocol === 'wss:';
  if (!address || (address.protocol !== 'ws:' && address.protocol !== 'wss:')) {
    run.decide('websocket', fail('fail.ws.badUrl', { url: run.url }));
    run.decide('subprotocol', skipped('skip.needsWebSocket'));
    run.decide('tls', skipped('skip.needsWebSocket'));
    return;
  }
  const withMqtt = await openWebSocket(run.url, ['mqtt']);
  if (withMqtt.blocked) {
    run.decide('websocket', fail(withMqtt.blocked === 'SecurityError' ? 'fail.ws.mixed' : 'fail.ws.badUrl', { url: run.url }));
    run.decide('subprotocol', skipped('skip.needsWebSocket'));
    run.decide('tls', tlsWanted ? skipped('skip.needsWebSocket') : skipped('skip.notWss'));
    return;
  }
  if (withMqtt.opened) {
    run.decide('websocket', { ...pass('ok.websocket', { ms: withMqtt.ms }), ms: withMqtt.ms });
    run.decide(
      'subprotocol',
      withMqtt.protocol === 'mqtt' ? pass('ok.subprotocol') : fail('fail.subprotocol', {}, { protocol: withMqtt.protocol }),
    );
  } else {
    // Chromium fails the handshake when a broker ignores the asked subprotocol: without one, does it open?
    const bare = await openWebSocket(run.url, []);
    if (bare.opened) {
      run.decide('websocket', { ...pass('ok.websocket', { ms: bare.ms }), ms: bare.ms });
      run.decide('subprotocol', fail('fail.subprotocol'));
    } else {
      run.decide('websocket', fail('fail.ws.browser', { url: run.url }, { closeCode: withMqtt.closeCode }));
      run.decide('subprotocol', skipped('skip.needsWebSocket'));
    }
  }
  if (run.skip.has('tls')) run.decide('tls', skipped('skip.notAsked'));
  else if (!tlsWanted) run.decide('tls', skipped('skip.notWss'));
  else if (run.rows.get('websocket').status === 'pass') run.decide('tls', pass('ok.tls.browser'));
  // A page cannot see why a wss:// handshake failed; the command line replaces this with its finding.
  else run.decide('tls', skipped('skip.tls.page'));
}

/** Opens a bare WebSocket and closes it: `{ opened, protocol, ms, closeCode }` or `{ blocked }`. */
function openWebSocket(url, protocols) {
  const started = performance.now();
  let socket;
  try {
    socket = new WebSocket(url, protocols);
  } catch (error) {
    // SecurityError: ws:// from an https page; SyntaxError: not a WebSocket URL.
    return Promise.resolve({ opened: false, blocked: error?.name || 'SyntaxError' });
  }
  return new Promise((resolve) => {
    const finish = (result) => {
      clearTimeout(timer);
      socket.onopen = socket.onclose = socket.onerror = null;
      try {
        socket.close();
      } catch {
        // already closing
      }
      resolve(result);
    };
    const timer = setTimeout(() => finish({ opened: false, closeCode: 'timeout' }), OPEN_TIMEOUT_MS);
    socket.onopen = () => finish({ opened: true, protocol: socket.protocol, ms: Math.round(performance.now() - started) });
    socket.onclose = (event) => finish({ opened: false, closeCode: event.code });
  });
}

// ---------------------------------------------------------------- CONNACK per version, credentials

async function checkVersions(run) {
  const ready = run.rows.get('websocket')?.status === 'pass' && run.rows.get('subprotocol')?.status === 'pass';
  let refusal = null;
  for (const version of VERSIONS) {
    if (run.skip.has(version.id)) {
      run.decide(version.id, skipped('skip.notAsked'));
      continue;
    }
    if (!ready) {
      run.decide(version.id, skipped('skip.needsWebSocket'));
      continue;
    }
    if (refusal) {
      run.decide(version.id, skipped('skip.credentials'));
      continue;
    }
    const started = performance.now();
    try {
      const { client, connack } = await openClient(run, { protocolVersion: version.protocolVersion });
      const ms = Math.round(performance.now() - started);
      run.connacks[version.id] = connack;
      run.decide(version.id, { ...pass('ok.connack', { ms }), ms });
      if (!run.version || version.protocolVersion > run.version.protocolVersion) run.version = version;
      await endClient(run, client);
    } catch (error) {
      const ms = Math.round(performance.now() - started);
      if (CREDENTIAL_REFUSALS.includes(error?.code)) {
        refusal = error;
        run.decide(version.id, skipped('skip.credentials'));
      } else {
        run.decide(version.id, { ...connectFailure(version, error), ms });
      }
    }
  }
  if (run.skip.has('credentials')) run.decide('credentials', skipped('skip.notAsked'));
  else if (refusal) {
    run.decide(
      'credentials',
      run.username
        ? fail('fail.credentials.user', { user: run.username, code: refusal.code })
        : fail('fail.credentials.anonymous', { code: refusal.code }),
    );
  } else if (run.version) {
    run.decide('credentials', run.username ? pass('ok.credentials.user', { user: run.username }) : pass('ok.credentials.anonymous'));
  } else run.decide('credentials', skipped(ready ? 'skip.needsConnection' : 'skip.needsWebSocket'));
}

function connectFailure(version, error) {
  const code = error?.code ?? 'ERR_UNKNOWN';
  const params = { version: version.name, code, message: error?.message ?? '', seconds: CONNECT_TIMEOUT_MS / 1000 };
  if (/PROTOCOL_VERSION/.test(code)) return fail('fail.connack.version', params);
  if (code === 'ERR_TIMEOUT') return fail('fail.connack.timeout', params);
  if (code === 'ERR_CONNECTION_CLOSED' || code === 'ERR_UNREACHABLE' || code === 'ERR_PROTOCOL') {
    return fail('fail.connack.closed', params);
  }
  return fail('fail.connack.other', params);
}

// ---------------------------------------------------------------- messages

async function checkRoundTrip(run, qos) {
  const topic = `${run.base}/qos${qos}`;
  const { client } = await openClient(run);
  try {
    let granted;
    try {
      [granted] = await bounded(client.subscribeAsync(topic, { qos }), MESSAGE_TIMEOUT_MS);
    } catch (error) {
      return fail('fail.qos.refused', { topic, code: error?.code ?? 'ERR_TIMEOUT' });
    }
    if (granted.qos >= 0x80) return fail('fail.qos.refused', { topic, code: `0x${granted.qos.toString(16)}` });
    const started = performance.now();
    const arrival = nextMessage(client, topic, MESSAGE_TIMEOUT_MS);
    await bounded(client.publishAsync(topic, `QoS ${qos} check`, { qos }), MESSAGE_TIMEOUT_MS);
    const message = await arrival;
    const ms = Math.round(performance.now() - started);
    if (!message) return fail('fail.qos.lost', { qos, topic, seconds: MESSAGE_TIMEOUT_MS / 1000 });
    if (granted.qos < qos || message.packet.qos < qos) {
      return fail('fail.qos.downgraded', { qos, granted: Math.min(granted.qos, message.packet.qos) });
    }
    return { ...pass('ok.qos', { qos, ms }), data: { ms } };
  } catch (error) {
    return fail('fail.qos.error', { qos, ...errorParams(error) });
  } finally {
    await endClient(run, client);
  }
}

async function checkRetained(run) {
  const topic = `${run.base}/retained`;
  const { client: publisher } = await openClient(run);
  try {
    await bounded(publisher.publishAsync(topic, 'retained check', { qos: 1, retain: true }), MESSAGE_TIMEOUT_MS);
    const kept = await firstMessageOnSubscribe(run, topic, MESSAGE_TIMEOUT_MS);
    if (!kept || !kept.packet.retain) return fail('fail.retained.lost', { seconds: MESSAGE_TIMEOUT_MS / 1000 });
    await bounded(publisher.publishAsync(topic, '', { qos: 1, retain: true }), MESSAGE_TIMEOUT_MS);
    const after = await firstMessageOnSubscribe(run, topic, CLEARED_WAIT_MS);
    if (after && after.payload.length > 0) return fail('fail.retained.notCleared');
    return pass('ok.retained');
  } catch (error) {
    return fail('fail.retained.error', errorParams(error));
  } finally {
    // Whatever happened above, no test message stays retained on the broker.
    await bounded(publisher.publishAsync(topic, '', { qos: 1, retain: true }), MESSAGE_TIMEOUT_MS).catch(() => {});
    await endClient(run, publisher);
  }
}

/** Subscribes a fresh client to `topic` and resolves with the first message, or null after `ms`. */
async function firstMessageOnSubscribe(run, topic, ms) {
  const { client } = await openClient(run);
  try {
    const arrival = nextMessage(client, topic, ms);
    await bounded(client.subscribeAsync(topic, { qos: 1 }), MESSAGE_TIMEOUT_MS);
    return await arrival;
  } finally {
    await endClient(run, client);
  }
}

async function checkWill(run) {
  const topic = `${run.base}/will`;
  const { client: watcher } = await openClient(run);
  let dying = null;
  try {
    await bounded(watcher.subscribeAsync(topic, { qos: 1 }), MESSAGE_TIMEOUT_MS);
    const opened = await openClient(run, { will: { topic, payload: 'will check', qos: 1 } }, { capture: true });
    dying = opened.client;
    const arrival = nextMessage(watcher, topic, MESSAGE_TIMEOUT_MS);
    const cut = performance.now();
    // Closing the WebSocket under the client: no MQTT DISCONNECT, so the broker owes the will.
    opened.socket.close();
    const message = await arrival;
    if (!message) return fail('fail.will.lost', { seconds: MESSAGE_TIMEOUT_MS / 1000 });
    return pass('ok.will', { ms: Math.round(performance.now() - cut) });
  } catch (error) {
    return fail('fail.will.error', errorParams(error));
  } finally {
    if (dying) await endClient(run, dying);
    await endClient(run, watcher);
  }
}

async function checkProperties5(run) {
  const topic = `${run.base}/properties`;
  const sent = {
    contentType: 'text/plain; charset=utf-8',
    responseTopic: `${run.base}/reply`,
    correlationData: 'check-42',
    userProperties: { check: 'scratch-mqtt', 名字: '小猫' },
  };
  const { client } = await openClient(run, { protocolVersion: 5 });
  try {
    await bounded(client.subscribeAsync(topic, { qos: 1 }), MESSAGE_TIMEOUT_MS);
    const arrival = nextMessage(client, topic, MESSAGE_TIMEOUT_MS);
    await bounded(client.publishAsync(topic, 'properties check', { qos: 1, properties: sent }), MESSAGE_TIMEOUT_MS);
    const message = await arrival;
    if (!message) return fail('fail.qos.lost', { qos: 1, topic, seconds: MESSAGE_TIMEOUT_MS / 1000 });
    const got = message.packet.properties ?? {};
    const lost = [];
    if (got.contentType !== sent.contentType) lost.push('content type');
    if (got.responseTopic !== sent.responseTopic) lost.push('response topic');
    if (textOf(got.correlationData) !== sent.correlationData) lost.push('correlation data');
    for (const [name, value] of Object.entries(sent.userProperties)) {
      if (String(got.userProperties?.[name]) !== value) lost.push(`user property ${name}`);
    }
    return lost.length ? fail('fail.properties5.lost', { names: lost.join(', ') }) : pass('ok.properties5');
  } catch (error) {
    return fail('fail.properties5.error', errorParams(error));
  } finally {
    await endClient(run, client);
  }
}

async function checkMaxPacket(run) {
  const topic = `${run.base}/size`;
  const opened = await openClient(run);
  const { client } = opened;
  const announced = opened.connack?.properties?.maximumPacketSize;
  let largest = 0;
  let refused = 0;
  let lastCode = '';
  const timings = [];
  let slow = null;
  try {
    await bounded(client.subscribeAsync(topic, { qos: 1 }), MESSAGE_TIMEOUT_MS);
    for (const size of PROBE_SIZES) {
      const started = performance.now();
      try {
        const arrival = nextMessage(client, topic, BIG_MESSAGE_TIMEOUT_MS, (payload) => payload.length === size);
        await bounded(client.publishAsync(topic, new Uint8Array(size).fill(0x2a), { qos: 1 }), BIG_MESSAGE_TIMEOUT_MS);
        if (!(await arrival)) throw Object.assign(new Error('did not come back'), { code: 'ERR_TIMEOUT' });
        largest = size;
        timings.push({ size, ms: Math.round(performance.now() - started) });
      } catch (error) {
        refused = size;
        lastCode = error?.code ?? 'ERR_TIMEOUT';
        break;
      }
      // A connection the broker closed over a large message is not used for the next size.
      if (!client.connected) break;
      if (timings.at(-1).ms > SLOW_MESSAGE_MS) {
        slow = timings.at(-1);
        break;
      }
    }
  } finally {
    await endClient(run, client);
  }
  const data = { largest, refused: refused || null, refusedCode: lastCode || null, announced: announced ?? null, timings };
  if (!largest) return fail('fail.maxPacket', { size: formatSize(PROBE_SIZES[0]), code: lastCode }, data);
  if (refused) return pass('ok.maxPacket.limited', { size: formatSize(largest), refused: formatSize(refused) }, data);
  if (slow && largest < PROBE_SIZES.at(-1)) return pass('ok.maxPacket.slow', { size: formatSize(largest), ms: slow.ms }, data);
  if (announced) return pass('ok.maxPacket.announced', { size: formatSize(largest), announced: formatSize(announced) }, data);
  return pass('ok.maxPacket', { size: formatSize(largest) }, data);
}

async function checkLatency(run) {
  const topic = `${run.base}/latency`;
  const { client } = await openClient(run);
  const samples = [];
  let lost = 0;
  try {
    await bounded(client.subscribeAsync(topic, { qos: 0 }), MESSAGE_TIMEOUT_MS);
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const body = `latency ${i}`;
      const started = performance.now();
      const arrival = nextMessage(client, topic, LATENCY_TIMEOUT_MS, (payload) => textOf(payload) === body);
      await bounded(client.publishAsync(topic, body, { qos: 0 }), LATENCY_TIMEOUT_MS);
      if (await arrival) samples.push(performance.now() - started);
      else lost++;
      await sleep(LATENCY_GAP_MS);
    }
  } catch (error) {
    return fail('fail.latency.error', errorParams(error));
  } finally {
    await endClient(run, client);
  }
  if (lost) return fail('fail.latency.lost', { lost, n: LATENCY_SAMPLES, seconds: LATENCY_TIMEOUT_MS / 1000 });
  const p50 = percentile(samples, 50);
  const p99 = percentile(samples, 99);
  return pass('ok.latency', { p50, p99, n: samples.length }, { p50, p99, samples: samples.map((s) => Math.round(s * 10) / 10) });
}

async function checkReconnect(run) {
  const topic = `${run.base}/reconnect`;
  const opened = await openClient(
    run,
    { reconnect: { initialDelay: 250, maxDelay: 1000, stableAfter: 60000 } },
    { capture: true },
  );
  const { client } = opened;
  try {
    await bounded(client.subscribeAsync(topic, { qos: 1 }), MESSAGE_TIMEOUT_MS);
    const back = new Promise((resolve) => client.once('connect', () => resolve(true)));
    let lastError = null;
    client.on('error', (error) => {
      lastError = error;
    });
    const cut = performance.now();
    opened.socket.close();
    const returned = await Promise.race([back, sleep(RECONNECT_TIMEOUT_MS).then(() => false)]);
    if (!returned) return fail('fail.reconnect.never', { seconds: RECONNECT_TIMEOUT_MS / 1000, code: lastError?.code ?? 'ERR_TIMEOUT' });
    const ms = Math.round(performance.now() - cut);
    // The client resubscribes after a reconnect: the old subscription must deliver again.
    const arrival = nextMessage(client, topic, MESSAGE_TIMEOUT_MS);
    await bounded(client.publishAsync(topic, 'reconnect check', { qos: 1 }), MESSAGE_TIMEOUT_MS);
    if (!(await arrival)) return fail('fail.reconnect.lost');
    return pass('ok.reconnect', { ms });
  } catch (error) {
    return fail('fail.reconnect.error', errorParams(error));
  } finally {
    await endClient(run, client);
  }
}

// ---------------------------------------------------------------- clients

/**
 * A connected client with the run's URL and credentials (no reconnecting unless asked), and its
 * CONNACK. With `capture`, also the WebSocket it opened, so a step can cut the link the way a
 * network does: without MQTT DISCONNECT. Rejects with the client's error, and ends it.
 */
function openClient(run, options = {}, { capture = false } = {}) {
  const settings = {
    protocolVersion: run.version?.protocolVersion ?? 4,
    connectTimeout: CONNECT_TIMEOUT_MS,
    reconnect: false,
    keepalive: 30,
    ...(run.username ? { username: run.username, password: run.password } : {}),
    ...options,
  };
  const tap = capture ? tapWebSockets() : null;
  let client;
  try {
    client = connect(run.url, settings);
  } catch (error) {
    tap?.release();
    return Promise.reject(error);
  }
  run.clients.add(client);
  return new Promise((resolve, reject) => {
    let lastError = null;
    const settle = (outcome) => {
      clearTimeout(timer);
      client.off('connect', onConnect).off('error', onError).off('close', onClose);
      tap?.release();
      outcome();
    };
    const onConnect = (connack) => settle(() => resolve({ client, connack, socket: tap?.sockets.at(-1) ?? null }));
    const onError = (error) => {
      lastError = error;
    };
    const onClose = () =>
      settle(() => {
        endClient(run, client);
        reject(lastError ?? Object.assign(new Error('closed before CONNACK'), { code: 'ERR_CONNECTION_CLOSED' }));
      });
    // The client's own connectTimeout should fire first; this bounds a client that never reports.
    const timer = setTimeout(
      () =>
        settle(() => {
          endClient(run, client);
          reject(lastError ?? Object.assign(new Error('no CONNACK'), { code: 'ERR_TIMEOUT' }));
        }),
      CONNECT_TIMEOUT_MS + 1000,
    );
    client.on('error', onError).once('connect', onConnect).on('close', onClose);
  });
}

/**
 * Records the WebSockets made until `release()`. The library's glue calls the global
 * `WebSocket` constructor when it connects, so a subclass put there sees the client's socket.
 */
function tapWebSockets() {
  const Original = globalThis.WebSocket;
  const sockets = [];
  class Tapped extends Original {
    constructor(...args) {
      super(...args);
      sockets.push(this);
    }
  }
  globalThis.WebSocket = Tapped;
  return {
    sockets,
    release() {
      if (globalThis.WebSocket === Tapped) globalThis.WebSocket = Original;
    },
  };
}

async function endClient(run, client) {
  run.clients.delete(client);
  await bounded(client.endAsync(), END_TIMEOUT_MS).catch(() => {});
}

/**
 * The next message on `topic` (whose payload passes `accept`) as `{ payload, packet }`, or null
 * after `ms`. Listening starts at once, so call it before publishing.
 */
function nextMessage(client, topic, ms, accept = () => true) {
  return new Promise((resolve) => {
    const onMessage = (name, payload, packet) => {
      if (name !== topic || !accept(payload)) return;
      clearTimeout(timer);
      client.off('message', onMessage);
      resolve({ payload: payload.slice(), packet });
    };
    const timer = setTimeout(() => {
      client.off('message', onMessage);
      resolve(null);
    }, ms);
    client.on('message', onMessage);
  });
}

// ---------------------------------------------------------------- small helpers

/** `promise`, or a rejection with code ERR_TIMEOUT after `ms`. */
function bounded(promise, ms) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'ERR_TIMEOUT' })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function errorParams(error) {
  return { code: error?.code ?? 'ERR_UNKNOWN', message: error?.message ?? String(error) };
}

/** Nearest-rank percentile, in whole milliseconds (at least 1 decimal below 10 ms). */
function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  const value = sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  return value < 10 ? Math.round(value * 10) / 10 : Math.round(value);
}

function textOf(value) {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  return new TextDecoder().decode(value);
}

function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}
