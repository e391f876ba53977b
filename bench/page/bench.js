// The page side of `npm run bench`: one page per client, driven by bench/run.mjs through
// page.evaluate(). Everything timed here uses performance.now(); the runner only sequences.

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

export function start(name, coldUrl) {
  const adapter = ADAPTERS[name];
  if (!adapter) throw new Error(`no client named ${name}`);
  let receiving = null;

  const bench = {
    name,
    /** Connects and subscribes; the runner then starts the sender, and calls awaitReceive(). */
    async prepareReceive({ url, topic, qos = 0 }) {
      const state = { count: 0, first: 0, target: Infinity, done: null, client: null };
      const onMessage = () => {
        if (++state.count === 1) state.first = performance.now();
        if (state.count === state.target) state.done(performance.now());
      };
      state.client = await adapter.connect(url, { onMessage });
      await state.client.subscribe(topic, qos);
      receiving = state;
    },
    /** Resolves once `n` messages arrived, or after `idleMs` without one (then some were lost). */
    async awaitReceive({ n, idleMs = 2000, keep = false }) {
      const state = receiving;
      let lastCount = -1;
      let lastChange = performance.now();
      const end = await new Promise((resolve) => {
        state.target = n;
        state.done = resolve;
        if (state.count >= n) resolve(performance.now());
        const timer = setInterval(() => {
          const now = performance.now();
          if (state.count !== lastCount) {
            lastCount = state.count;
            lastChange = now;
          } else if (now - lastChange > idleMs) resolve(lastChange);
        }, 20);
        state.done = (t) => {
          clearInterval(timer);
          resolve(t);
        };
      });
      const elapsedMs = end - state.first;
      if (!keep) await state.client.end();
      return { count: state.count, lost: n - state.count, elapsedMs, rate: state.count / (elapsedMs / 1000) };
    },
    async endReceive() {
      await receiving?.client.end();
      receiving = null;
    },
    /**
     * Publishes `n` messages in bursts of `burst` per task. QoS 0: returns the wall-clock start
     * (the runner counts arrivals at the server). QoS 1: at most `window` unacknowledged; returns
     * the acknowledged rate.
     */
    async publish({ url, topic, n, qos, burst = 100, window = 100 }) {
      const client = await adapter.connect(url, { onMessage() {} });
      const startWall = performance.timeOrigin + performance.now();
      const t0 = performance.now();
      if (qos === 0) {
        for (let i = 0; i < n; ) {
          const stop = Math.min(n, i + burst);
          for (; i < stop; i++) client.publish(topic, PAYLOAD_16, 0);
          await nextTask();
        }
        return { startWall, client: true };
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
    /** Ends the QoS 0 publisher once the runner has seen everything arrive. */
    async endPublisher() {},
    /** `n` sequential round trips through the broker (publish, wait for our own message). */
    async latency({ url, topic, n, warmup = 50 }) {
      let arrived = null;
      const client = await adapter.connect(url, { onMessage: () => arrived?.() });
      await client.subscribe(topic, 0);
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
    async wasmBytes() {
      return adapter.wasmBytes ? adapter.wasmBytes() : 0;
    },
  };
  window.bench = bench;

  if (coldUrl) {
    // Cold start: navigation start (time origin 0) → CONNACK.
    adapter
      .connect(coldUrl, { onMessage() {} })
      .then((client) => {
        window.coldStart = performance.now();
        return client.end();
      })
      .catch((error) => (window.coldError = String(error?.message ?? error)));
  }
  window.benchReady = true;
}
