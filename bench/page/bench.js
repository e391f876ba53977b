// The page side of `npm run bench`: one page load per measurement. The page reads its task from
// the URL fragment, measures it itself (performance.now()), and reports by POSTing to the
// harness's report server (bench/report-server.mjs), so nothing needs to attach to the page.
//
//   #{"kind":"receive"|"publish"|"latency"|"cold", "args":{…}, "report":"http://127.0.0.1:…/id"}
//
// Every task but `cold` sends a `ready` report once connected (and subscribed) and waits for the
// harness's answer before it goes on: that is when the harness starts a sender or a profiler.

import { ADAPTERS } from './clients.js';

const PAYLOAD_16 = 'sixteen-bytes-00';

// A macrotask without setTimeout's 4 ms clamp: lets the socket send between publish bursts.
const channel = new MessageChannel();
const yields = [];
channel.port1.onmessage = () => yields.shift()?.();
const nextTask = () =>
  new Promise((resolve) => {
    yields.push(resolve);
    channel.port2.postMessage(0);
  });

/** POSTs a report; resolves when the harness answers. 'no-cors' with a text body: no preflight. */
function reporter(url) {
  return (event, fields = {}) =>
    fetch(url, { method: 'POST', mode: 'no-cors', keepalive: false, body: JSON.stringify({ event, ...fields }) });
}

/** Counts calls of the client's message callback: first arrival, and when the n-th came. */
function counter() {
  const state = { count: 0, first: 0, target: Infinity, done: null };
  state.onMessage = () => {
    if (++state.count === 1) state.first = performance.now();
    if (state.count === state.target) state.done(performance.now());
  };
  return state;
}

/** Resolves once `n` messages arrived, or `idleMs` after the last one (then some were lost). */
function arrivalOf(state, n, idleMs) {
  return new Promise((resolve) => {
    let lastCount = -1;
    let lastChange = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      if (state.count !== lastCount) {
        lastCount = state.count;
        lastChange = now;
      } else if (now - lastChange > idleMs) finish(lastChange);
    }, 50);
    const finish = (t) => {
      clearInterval(timer);
      resolve(t);
    };
    state.target = n;
    state.done = finish;
    if (state.count >= n) finish(performance.now());
  });
}

const TASKS = {
  /** Connect, subscribe, report ready (the harness then starts the sender), count `n` arrivals. */
  async receive(adapter, { url, topic, n, idleMs = 2000, keep = false }, report) {
    const state = counter();
    const client = await adapter.connect(url, { onMessage: state.onMessage });
    await client.subscribe(topic, 0);
    const wasmBefore = adapter.wasmBytes ? await adapter.wasmBytes() : 0;
    await report('ready', { wasmBytes: wasmBefore });
    const end = await arrivalOf(state, n, idleMs);
    const elapsedMs = end - state.first;
    const wasmBytes = adapter.wasmBytes ? await adapter.wasmBytes() : 0;
    if (!keep) await client.end();
    return { count: state.count, lost: n - state.count, elapsedMs, rate: state.count / (elapsedMs / 1000), wasmBytes };
  },

  /**
   * Publishes `n` messages in bursts of `burst` per task. QoS 0: returns the wall-clock start
   * (the harness counts arrivals at the server). QoS 1: at most `window` unacknowledged; returns
   * the acknowledged rate.
   */
  async publish(adapter, { url, topic, n, qos, burst = 100, window = 100 }, report) {
    const client = await adapter.connect(url, { onMessage() {} });
    await report('ready');
    const startWall = performance.timeOrigin + performance.now();
    const t0 = performance.now();
    if (qos === 0) {
      for (let i = 0; i < n; ) {
        const stop = Math.min(n, i + burst);
        for (; i < stop; i++) client.publish(topic, PAYLOAD_16, 0);
        await nextTask();
      }
      return { startWall };
    }
    let inFlight = 0;
    let wake = null;
    const acked = () => {
      inFlight--;
      wake?.();
    };
    for (let i = 0; i < n; i++) {
      while (inFlight >= window) await new Promise((resolve) => (wake = resolve));
      inFlight++;
      client.publish(topic, PAYLOAD_16, 1).then(acked);
    }
    while (inFlight > 0) await new Promise((resolve) => (wake = resolve));
    const elapsedMs = performance.now() - t0;
    await client.end();
    return { elapsedMs, rate: n / (elapsedMs / 1000) };
  },

  /** `n` sequential round trips through the broker (publish, wait for our own message). */
  async latency(adapter, { url, topic, n, warmup = 50 }, report) {
    let arrived = null;
    const client = await adapter.connect(url, { onMessage: () => arrived?.() });
    await client.subscribe(topic, 0);
    await report('ready');
    const samples = new Float64Array(n);
    for (let i = -warmup; i < n; i++) {
      const got = new Promise((resolve) => (arrived = resolve));
      const t = performance.now();
      client.publish(topic, PAYLOAD_16, 0);
      await got;
      if (i >= 0) samples[i] = performance.now() - t;
    }
    await client.end();
    samples.sort();
    const at = (q) => samples[Math.min(n - 1, Math.floor(q * n))];
    return { p50: at(0.5), p99: at(0.99), max: samples[n - 1] };
  },

  /** Navigation start (time origin 0) → CONNACK, the client loaded as a page loads it. */
  async cold(adapter, { url }) {
    const client = await adapter.connect(url, { onMessage() {} });
    const coldStart = performance.now();
    await client.end();
    return { coldStart };
  },
};

export async function start(name, loaded = Promise.resolve()) {
  const task = JSON.parse(decodeURIComponent(location.hash.slice(1)));
  const report = reporter(task.report);
  const fail = (error) => report('error', { message: String(error?.message ?? error) });
  addEventListener('error', (e) => fail(e.error ?? e.message));
  addEventListener('unhandledrejection', (e) => fail(e.reason));
  try {
    await loaded;
    const adapter = ADAPTERS[name];
    if (!adapter) throw new Error(`no client named ${name}`);
    const result = await TASKS[task.kind](adapter, task.args, report);
    await report('result', { result });
  } catch (error) {
    await fail(error);
  }
}
