#!/usr/bin/env node
// `npm run bench`: Scratch MQTT side by side with MQTT.js, Eclipse Paho JS, mqtt5-wasm and the raw
// browser WebSocket, each measurement in a fresh headless Chromium with nothing attached to the
// page (bench/chromium.mjs); the page measures and reports by itself (bench/page/bench.js,
// bench/report-server.mjs); the senders run in their own process (bench/peer-process.mjs).
// Prints progress and a table, and writes bench/results.json. See BENCHMARKS.md.
//
//   npm run bench                 full run: every figure the median of 3 runs
//   npm run bench -- --quick      short: fewer messages, 1 run each (npm test's smoke run)
//   options: --runs N  --out FILE (default bench/results.json; test-results/bench-partial.json with --only)
//            --check (exit 1 unless every client produced every number)
//            --only GROUP[,GROUP]  size cold fire mosquitto publish rtt cpu memory scratch observer
//            --profile CLIENT[,CLIENT]  CPU profiles (CDP Profiler, separate runs) of the 16 B firehose,
//            mosquitto and QoS 0 publish: test-results/bench-<client>[-mosquitto|-publish].cpuprofile
//            --clients NAME[,NAME]  measure only these (frames raw ours mqttjs paho mqtt5wasm)
//            --no-mqtt5-wasm  leave the fifth client out (the full run builds it on demand; the quick
//            run uses it only when already built: node bench/mqtt5-wasm.mjs)

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { launchBrowser, startSite, ROOT, CHROMIUM } from '../harness/browser.mjs';
import { startMosquitto } from '../harness/brokers.mjs';
import { removeOnExit, runCleanups } from '../harness/cleanup.mjs';
import { launchPage } from './chromium.mjs';
import { startReportServer } from './report-server.mjs';
import { startPeerProcess } from './peer-process.mjs';
import { buildMqtt5Wasm, mqtt5WasmBuild, MQTT5_WASM_VERSION } from './mqtt5-wasm.mjs';
import { measureScratch, SCRATCH_PENDING, SCRATCH_MESSAGES } from './scratch.mjs';

const args = process.argv.slice(2);
const { values: opts } = parseArgs({
  args,
  options: {
    quick: { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    runs: { type: 'string' },
    out: { type: 'string' },
    only: { type: 'string', default: '' },
    profile: { type: 'string', default: '' },
    'no-mqtt5-wasm': { type: 'boolean', default: false },
    clients: { type: 'string', default: '' },
  },
});
const QUICK = opts.quick;
const RUNS = Number(opts.runs ?? (QUICK ? 1 : 3));
// A partial run (--only) must not replace the recorded full run.
const OUT = path.resolve(ROOT, opts.out ?? (opts.only ? 'test-results/bench-partial.json' : 'bench/results.json'));
const ONLY = new Set(opts.only.split(',').filter(Boolean));
const wanted = (group) => (ONLY.size === 0 ? group !== 'observer' || !QUICK : ONLY.has(group));
const PROFILE = new Set(opts.profile.split(',').filter(Boolean));

const CONFIG = QUICK
  ? { fire16: 20_000, fire1k: 5_000, fire1: 5_000, mosquitto: 5_000, pub0: 5_000, pub1: 1_000, rtt: 200, memory: 50_000, scratch: SCRATCH_MESSAGES.quick, scratchRuns: RUNS }
  : { fire16: 1_500_000, fire1k: 300_000, fire1: 150_000, mosquitto: 60_000, pub0: 100_000, pub1: 20_000, rtt: 10_000, memory: 1_000_000, scratch: SCRATCH_MESSAGES.full, scratchRuns: RUNS };
const BATCH = 64;

// mqtt5-wasm: built on demand in a full run; a quick run takes it only when already built.
let mqtt5Wasm = { skipped: 'left out (--no-mqtt5-wasm)' };
if (!opts['no-mqtt5-wasm']) {
  const built = mqtt5WasmBuild();
  mqtt5Wasm = built ? { dir: built } : QUICK ? { skipped: 'not built (node bench/mqtt5-wasm.mjs builds it; a quick run does not)' } : buildMqtt5Wasm({ log: (l) => console.log(l) });
}

const CLIENTS = ['raw', 'ours', 'mqttjs', 'paho', ...(mqtt5Wasm.dir ? ['mqtt5wasm'] : [])];
/** The frames-only page: the browser's own ceiling, measured beside the firehose figures. */
const WITH_CEILING = ['frames', ...CLIENTS];
const COLUMNS = ['frames', 'raw', 'ours', 'mqttjs', 'paho', 'mqtt5wasm'];
const LABEL = { frames: 'frames-only page', raw: 'raw WebSocket', ours: 'Scratch MQTT', mqttjs: 'MQTT.js', paho: 'Paho JS', mqtt5wasm: 'mqtt5-wasm' };
const BENCH_JS = `import { start } from '/bench/page/bench.js';`;
const PAGE_SCRIPTS = {
  frames: `<script type="module">${BENCH_JS} start('frames');</script>`,
  raw: `<script type="module">${BENCH_JS} start('raw');</script>`,
  ours: `<script type="module">import * as m from '/dist/scratch-mqtt.bundle.js'; ${BENCH_JS} window.ScratchMQTT = m; start('ours');</script>`,
  mqttjs: `<script src="/vendor/mqtt/mqtt.min.js"></script><script type="module">${BENCH_JS} start('mqttjs');</script>`,
  paho: `<script src="/vendor/paho/paho-mqtt-min.js"></script><script type="module">${BENCH_JS} start('paho');</script>`,
  mqtt5wasm:
    `<script type="module">import init, * as m from '/vendor/mqtt5-wasm/mqtt5_wasm.js'; ${BENCH_JS} ` +
    `start('mqtt5wasm', init().then((exports) => { window.Mqtt5Wasm = { ...m, memory: exports.memory }; }));</script>`,
};
/** The single-file Scratch extension (URL-loadable, wasm inlined): the size target is about it. */
const EXTENSION_FILE = 'dist/scratch-mqtt-extension.js';
const LOADED_FILES = {
  ours: ['dist/scratch-mqtt.bundle.js'],
  mqttjs: ['node_modules/mqtt/dist/mqtt.min.js'],
  paho: ['node_modules/paho-mqtt/paho-mqtt-min.js'],
  mqtt5wasm: ['target/bench-mqtt5-wasm/pkg/mqtt5_wasm.js', 'target/bench-mqtt5-wasm/pkg/mqtt5_wasm_bg.wasm'],
};

const vsRaw = (k) => (m) => m.ours >= k * m.raw;
/**
 * The figures, in table order. `better`: which way is good. `target`: issue 15's target for
 * Scratch MQTT, checked against the medians of the same run (printed, never asserted). `how`:
 * how the page was observed — 'none' (measured), or the CDP domains a labelled run used.
 */
const FIGURES = [
  { id: 'recvFire16', group: 'fire', title: 'Receive, 64 packets/frame, 16 B (msg/s)', better: 'higher', clients: WITH_CEILING, how: 'none',
    target: { text: '≥0.95× raw', needs: ['raw'], check: vsRaw(0.95) } },
  { id: 'recvFire1k', group: 'fire', title: 'Receive, 64 packets/frame, 1 KB (msg/s)', better: 'higher', clients: WITH_CEILING, how: 'none',
    target: { text: '≥0.95× raw', needs: ['raw'], check: vsRaw(0.95) } },
  { id: 'recvFire1', group: 'fire', title: 'Receive, 1 packet/frame, 16 B (msg/s)', better: 'higher', clients: WITH_CEILING, how: 'none',
    target: { text: '≥0.95× raw', needs: ['raw'], check: vsRaw(0.95) } },
  { id: 'recvMosquitto', group: 'mosquitto', title: 'Receive through mosquitto, 1 packet/frame (msg/s)', better: 'higher', clients: CLIENTS, how: 'none', info: true },
  { id: 'lostMosquitto', group: 'mosquitto', title: '  of which lost (messages)', better: 'lower', clients: CLIENTS, how: 'none', info: true },
  { id: 'cpuMosquitto', group: 'cpu', title: '  page main-thread time per message (µs) [CDP Performance]', better: 'lower', clients: CLIENTS, how: 'Performance',
    target: { text: '≤1.05× raw', needs: ['raw'], check: (m) => m.ours <= 1.05 * m.raw } },
  { id: 'pubQos0', group: 'publish', title: 'Publish QoS 0, counted at the server (msg/s)', better: 'higher', clients: CLIENTS, how: 'none',
    target: { text: '≥1.5× MQTT.js', needs: ['mqttjs'], check: (m) => m.ours >= 1.5 * m.mqttjs } },
  { id: 'pubQos1', group: 'publish', title: 'Publish QoS 1, acknowledged, 100 in flight (msg/s)', better: 'higher', clients: CLIENTS, how: 'none', info: true },
  { id: 'rttP50', group: 'rtt', title: 'Round trip via mosquitto, p50 (ms)', better: 'lower', clients: CLIENTS, how: 'none',
    target: { text: '≤ MQTT.js', needs: ['mqttjs'], check: (m) => m.ours <= m.mqttjs } },
  { id: 'rttP99', group: 'rtt', title: 'Round trip via mosquitto, p99 (ms)', better: 'lower', clients: CLIENTS, how: 'none',
    target: { text: '≤ MQTT.js', needs: ['mqttjs'], check: (m) => m.ours <= m.mqttjs } },
  { id: 'cold', group: 'cold', title: 'Cold start: navigation → CONNACK (ms)', better: 'lower', clients: CLIENTS, how: 'none',
    target: { text: '≤0.7× MQTT.js', needs: ['mqttjs'], check: (m) => m.ours <= 0.7 * m.mqttjs } },
  { id: 'memGrowth', group: 'memory', title: 'Memory growth after N received (KB, JS heap + wasm) [CDP HeapProfiler, Runtime]', better: 'lower', clients: CLIENTS, how: 'HeapProfiler.collectGarbage, Runtime.getHeapUsage',
    target: { text: '≤ 2 MB', needs: [], check: (m) => m.ours <= 2048 } },
  { id: 'memAfter', group: 'memory', title: '  memory after (KB, JS heap + wasm)', better: 'lower', clients: CLIENTS, how: 'HeapProfiler.collectGarbage, Runtime.getHeapUsage', info: true },
  { id: 'gzip', group: 'size', title: 'Client as a page loads it (KB gzip)', better: 'lower', clients: CLIENTS.filter((c) => c !== 'raw'), how: 'none', info: true },
  { id: 'gzipExtension', group: 'size', title: 'Scratch extension as one file (KB gzip)', better: 'lower', clients: ['ours'], how: 'none',
    target: { text: '≤ 40 KB', needs: [], check: (m) => m.ours <= 40 } },
  { id: 'scratch', group: 'scratch', title: 'Scratch: hat deliveries/s, lost', clients: [], scratchRow: true, how: 'none',
    target: { text: 'zero loss where one-slot loses', check: () => null } },
  // The instrument check: the 16 B firehose again with an observer on the page.
  { id: 'observedNetwork16', group: 'observer', title: 'Instrument: 64/frame 16 B, CDP Network domain enabled (msg/s)', better: 'higher', clients: ['frames', 'raw', 'ours'], how: 'Network', info: true, observer: true },
  { id: 'observedPlaywright16', group: 'observer', title: 'Instrument: 64/frame 16 B, driven by Playwright (msg/s)', better: 'higher', clients: ['frames', 'raw', 'ours'], how: 'Playwright', info: true, observer: true },
];

const samples = Object.fromEntries(FIGURES.map((f) => [f.id, Object.fromEntries(COLUMNS.map((c) => [c, []]))]));
const errors = [];
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s`;
const log = (line) => console.log(`[${elapsed()}] ${line}`);
const loadNow = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

function record(id, client, value) {
  if (value !== null && Number.isFinite(value)) samples[id][client].push(value);
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms / 1000} s`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

/** Runs one measurement; a failure is recorded and the benchmark goes on. */
async function attempt(what, fn, ms = QUICK ? 30_000 : 120_000) {
  try {
    return await withTimeout(fn(), ms, what);
  } catch (error) {
    errors.push(`${what}: ${error.message.split('\n')[0]}`);
    log(`  ✗ ${what}: ${error.message.split('\n')[0]}`);
    return null;
  }
}

const fmt = (v, id) => {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (id?.startsWith('rtt')) return v.toFixed(2);
  if (id?.startsWith('gzip') || id?.startsWith('cpu')) return v.toFixed(1);
  return Math.round(v).toLocaleString('en-US');
};

function median(values) {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

// ------------------------------------------------------------------ the measurements

async function main() {
  if (!fs.existsSync(path.join(ROOT, 'dist/scratch-mqtt.bundle.js'))) {
    throw new Error('dist/scratch-mqtt.bundle.js is missing: run `npm run build` first');
  }
  log(`${QUICK ? 'Quick' : 'Full'} run, ${RUNS} run(s) per figure, on ${os.cpus().length} cores, load ${loadNow()}`);
  log(mqtt5Wasm.dir ? `mqtt5-wasm ${MQTT5_WASM_VERSION}: ${path.relative(ROOT, mqtt5Wasm.dir)}/` : `mqtt5-wasm: skipped, ${mqtt5Wasm.skipped}`);

  const peers = await startPeerProcess();
  const reports = await startReportServer();
  const broker = await startMosquitto({ extraConfig: 'max_queued_messages 0\nmax_queued_bytes 0\nmax_inflight_messages 0' });
  // The pages are real files from the local server (Chromium's local-network-access checks
  // block WebSockets to 127.0.0.1 from pages that are not).
  const pagesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smq-bench-pages-'));
  removeOnExit(pagesDir);
  for (const client of COLUMNS) {
    fs.writeFileSync(path.join(pagesDir, `${client}.html`), `<!doctype html><meta charset="utf-8"><title>bench ${client}</title>${PAGE_SCRIPTS[client]}`);
  }
  const site = await startSite({
    extraMounts: {
      '/vendor/mqtt/': path.join(ROOT, 'node_modules/mqtt/dist'),
      '/vendor/paho/': path.join(ROOT, 'node_modules/paho-mqtt'),
      '/vendor/scratch-vm/': path.join(ROOT, 'node_modules/scratch-vm/dist/web'),
      ...(mqtt5Wasm.dir ? { '/vendor/mqtt5-wasm/': mqtt5Wasm.dir } : {}),
      '/bench/': path.join(ROOT, 'bench'),
      '/pages/': pagesDir,
    },
  });
  const chromiumVersion = execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  log(`${chromiumVersion}, Node ${process.version}, mosquitto on ${broker.wsUrl}, firehose (pid ${peers.pid}) on ${peers.firehoseUrl}`);

  /**
   * One page load in a fresh browser: the page runs `task` and reports. `observer`: 'none'
   * (measured: nothing attached), 'cdp' (a bare CDP session, for the labelled runs; `domains`
   * are enabled before the page loads), or 'playwright'. onReady(cdp) runs when the page is
   * connected and waits, and returns what it started (awaited after the result);
   * onResult(result, cdp) runs before the browser closes.
   */
  async function pageRun(client, task, { observer = 'none', domains = [], onReady, onResult } = {}) {
    const run = reports.open();
    const url = `${site.url}pages/${client}.html#${encodeURIComponent(JSON.stringify({ ...task, report: run.url }))}`;
    let browser = null;
    let context = null;
    try {
      if (observer === 'playwright') {
        context = await launchBrowser();
        const page = await context.newPage();
        await page.goto(url);
      } else if (observer === 'cdp') {
        browser = await launchPage('about:blank', { devtools: true });
        for (const domain of domains) await browser.cdp.send(`${domain}.enable`);
        await browser.cdp.send('Page.navigate', { url });
      } else browser = await launchPage(url);
      let started = null;
      if (task.kind !== 'cold') {
        const ready = await run.next('ready');
        started = onReady?.(browser?.cdp, ready) ?? null;
        await started?.armed;
        ready.reply();
      }
      const { result } = await run.next('result');
      await started?.done;
      if (onResult) await onResult(result, browser?.cdp);
      return result;
    } finally {
      run.close();
      await browser?.close();
      await context?.close();
    }
  }

  const measured = (group) => wanted(group);
  /** RUNS rounds over `clients`, interleaved. */
  const ONLY_CLIENTS = new Set(opts.clients.split(',').filter(Boolean));
  const each = async (group, label, all, fn) => {
    if (!measured(group)) return;
    const clients = ONLY_CLIENTS.size ? all.filter((c) => ONLY_CLIENTS.has(c)) : all;
    for (let run = 1; run <= RUNS; run++) {
      for (const client of clients) {
        const line = await attempt(`${label} ${client}`, () => fn(client, run));
        if (line) log(`${label.padEnd(18)} ${LABEL[client].padEnd(16)} run ${run}/${RUNS}: ${line}`);
      }
    }
  };

  /** The firehose, `batch` packets of `size` bytes per frame, into `client`'s page. */
  async function firehoseRun(client, { n, size, batch, observer = 'none', domains = [], profile = null }) {
    // The frames-only page counts frames: it waits for n/batch of them and reports frames/s.
    const perCall = client === 'frames' ? batch : 1;
    const r = await pageRun(client, { kind: 'receive', args: { url: peers.firehoseUrl, topic: 'fire/#', n: Math.ceil(n / perCall), idleMs: 3000 } }, {
      observer,
      domains: profile ? ['Profiler'] : domains,
      onReady: (cdp) => ({ armed: profile && startProfiler(cdp), done: peers.fire({ n, size, batch }) }),
      onResult: profile && (async (result, cdp) => reportProfile(client, (await cdp.send('Profiler.stop')).profile, profile.what, profile.suffix)),
    });
    if (r.lost) throw new Error(`${r.lost * perCall} of ${n} never reached the callback`);
    return r.rate * perCall;
  }

  try {
    // 7. Sizes: nothing to run.
    if (measured('size')) {
      const gzipKb = (file) => zlib.gzipSync(fs.readFileSync(path.join(ROOT, file)), { level: 9 }).length / 1024;
      const sized = CLIENTS.filter((c) => LOADED_FILES[c]);
      for (const client of sized) record('gzip', client, LOADED_FILES[client].reduce((sum, f) => sum + gzipKb(f), 0));
      record('gzipExtension', 'ours', gzipKb(EXTENSION_FILE));
      log(`sizes (KB gzip): ${sized.map((c) => `${LABEL[c]} ${fmt(median(samples.gzip[c]), 'gzip')}`).join(', ')}; our Scratch extension ${fmt(median(samples.gzipExtension.ours), 'gzip')}`);
    }

    // 5. Cold start: a fresh browser (empty profile and cache) loads the page, which connects.
    await each('cold', 'cold start', CLIENTS, async (client) => {
      const { coldStart } = await pageRun(client, { kind: 'cold', args: { url: broker.wsUrl } });
      record('cold', client, coldStart);
      return `${fmt(coldStart, 'rtt')} ms`;
    });

    // 1. Receive from the firehose: the frames-only page first in each round (the ceiling).
    for (const [id, size, batch, n] of [['recvFire16', 16, BATCH, CONFIG.fire16], ['recvFire1k', 1024, BATCH, CONFIG.fire1k], ['recvFire1', 16, 1, CONFIG.fire1]]) {
      await each('fire', `firehose ${size === 16 ? '16 B' : '1 KB'} ×${batch}`, WITH_CEILING, async (client) => {
        const rate = await firehoseRun(client, { n, size, batch });
        record(id, client, rate);
        return `${fmt(rate)} msg/s`;
      });
    }

    // 2. Receive through mosquitto, one packet per frame, published by a raw TCP peer.
    await each('mosquitto', 'via mosquitto', CLIENTS, async (client, run) => {
      const topic = `bench/m/${client}/${run}`;
      const r = await pageRun(client, { kind: 'receive', args: { url: broker.wsUrl, topic, n: CONFIG.mosquitto, idleMs: 2000 } }, {
        onReady: () => ({ done: peers.tcpPublish(broker.tcpUrl, { n: CONFIG.mosquitto, topic }) }),
      });
      record('recvMosquitto', client, r.rate);
      record('lostMosquitto', client, r.lost);
      return `${fmt(r.rate)} msg/s, ${r.lost} lost`;
    });

    // 2b. [CDP Performance] The page's main-thread time per message through mosquitto: growth of
    //     Chromium's TaskDuration over the run, all the page's work for them included.
    await each('cpu', 'main thread [CDP]', CLIENTS, async (client, run) => {
      let before = null;
      let after = null;
      const topic = `bench/cpu/${client}/${run}`;
      const r = await pageRun(client, { kind: 'receive', args: { url: broker.wsUrl, topic, n: CONFIG.mosquitto, idleMs: 2000 } }, {
        observer: 'cdp',
        domains: ['Performance'],
        onReady: (cdp) => {
          const armed = mainThreadSeconds(cdp).then((s) => (before = s));
          return { armed, done: armed.then(() => peers.tcpPublish(broker.tcpUrl, { n: CONFIG.mosquitto, topic })) };
        },
        onResult: async (result, cdp) => (after = await mainThreadSeconds(cdp)),
      });
      const usPerMessage = ((after - before) * 1e6) / CONFIG.mosquitto;
      record('cpuMosquitto', client, usPerMessage);
      return `${fmt(usPerMessage, 'cpu')} µs/msg (${fmt(r.rate)} msg/s, ${r.lost} lost)`;
    });

    // 3. Publish: QoS 0 counted where it arrives (the firehose), QoS 1 acknowledged.
    const publishQos0 = (client, profile = null) =>
      pageRun(client, { kind: 'publish', args: { url: peers.firehoseUrl, topic: 'pub/t', n: CONFIG.pub0, qos: 0 } }, {
        observer: profile ? 'cdp' : 'none',
        domains: profile ? ['Profiler'] : [],
        onReady: (cdp) => ({ armed: Promise.all([peers.armArrivals(CONFIG.pub0), profile && startProfiler(cdp)]) }),
        onResult: async (result, cdp) => {
          result.lastWall = await withTimeout(peers.arrivals(), 30_000, 'QoS 0 arrivals');
          if (profile) reportProfile(client, (await cdp.send('Profiler.stop')).profile, profile.what, profile.suffix);
        },
      });
    await each('publish', 'publish QoS 0', CLIENTS, async (client) => {
      const r = await publishQos0(client);
      const rate = CONFIG.pub0 / ((r.lastWall - r.startWall) / 1000);
      record('pubQos0', client, rate);
      return `${fmt(rate)} msg/s`;
    });
    await each('publish', 'publish QoS 1', CLIENTS, async (client) => {
      const r = await pageRun(client, { kind: 'publish', args: { url: peers.firehoseUrl, topic: 'pub/t', n: CONFIG.pub1, qos: 1 } });
      record('pubQos1', client, r.rate);
      return `${fmt(r.rate)} msg/s`;
    });

    // 4. Round trips through mosquitto.
    await each('rtt', 'round trip', CLIENTS, async (client, run) => {
      const r = await pageRun(client, { kind: 'latency', args: { url: broker.wsUrl, topic: `bench/echo/${client}/${run}`, n: CONFIG.rtt } });
      record('rttP50', client, r.p50);
      record('rttP99', client, r.p99);
      return `p50 ${fmt(r.p50, 'rtt')} ms, p99 ${fmt(r.p99, 'rtt')} ms, max ${fmt(r.max, 'rtt')} ms`;
    });

    // 6. [CDP HeapProfiler, Runtime] Memory before and after CONFIG.memory messages (16 B,
    //    firehose), each after a forced GC: used JS heap plus the client's wasm memory.
    await each('memory', 'memory [CDP]', CLIENTS, async (client) => {
      const heap = async (cdp) => {
        await cdp.send('HeapProfiler.collectGarbage');
        return (await cdp.send('Runtime.getHeapUsage')).usedSize;
      };
      let before = null;
      let after = null;
      const r = await pageRun(client, { kind: 'receive', args: { url: peers.firehoseUrl, topic: 'fire/#', n: CONFIG.memory, idleMs: 3000, keep: true } }, {
        observer: 'cdp',
        onReady: (cdp, ready) => {
          const armed = heap(cdp).then((h) => (before = h + ready.wasmBytes));
          return { armed, done: armed.then(() => peers.fire({ n: CONFIG.memory, size: 16, batch: BATCH })) };
        },
        onResult: async (result, cdp) => (after = (await heap(cdp)) + result.wasmBytes),
      });
      if (r.lost) throw new Error(`${r.lost} of ${CONFIG.memory} never reached the callback`);
      record('memGrowth', client, (after - before) / 1024);
      record('memAfter', client, after / 1024);
      return `${fmt(before / 1024)} KB → ${fmt(after / 1024)} KB (${fmt((after - before) / 1024)} KB growth)`;
    });

    // 8. Scratch: hat deliveries in scratch-vm, ours and the one-slot polled pattern (bench/scratch.mjs).
    const scratch = !measured('scratch') ? undefined : await attempt(
      'scratch',
      () => measureScratch({ reports, site, peers, broker, pagesDir, config: CONFIG, progress: log }),
      (QUICK ? 60_000 : 120_000) * RUNS,
    );
    if (scratch === null) log(`scratch            ${SCRATCH_PENDING}`);

    // The instrument check: the same 16 B firehose with the page observed, to show what an
    // observer costs (and that the measured runs above have none).
    for (const [id, observer, domains] of [['observedNetwork16', 'cdp', ['Network']], ['observedPlaywright16', 'playwright', []]]) {
      await each('observer', `observed: ${observer === 'cdp' ? 'Network' : 'Playwright'}`, ['frames', 'raw', 'ours'], async (client) => {
        const rate = await firehoseRun(client, { n: CONFIG.fire16, size: 16, batch: BATCH, observer, domains });
        record(id, client, rate);
        return `${fmt(rate)} msg/s`;
      });
    }

    // CPU profiles (separate CDP runs, never counted in the figures).
    for (const client of PROFILE) {
      await attempt(`profile ${client} firehose`, () => firehoseRun(client, { n: CONFIG.fire16, size: 16, batch: BATCH, observer: 'cdp', profile: { what: '16 B firehose', suffix: '' } }));
      await attempt(`profile ${client} QoS 0 publish`, () => publishQos0(client, { what: 'QoS 0 publish', suffix: '-publish' }));
      await attempt(`profile ${client} via mosquitto`, async () => {
        const topic = `bench/profile/${client}`;
        return pageRun(client, { kind: 'receive', args: { url: broker.wsUrl, topic, n: CONFIG.mosquitto, idleMs: 2000 } }, {
          observer: 'cdp',
          domains: ['Profiler'],
          onReady: (cdp) => {
            const armed = startProfiler(cdp);
            return { armed, done: armed.then(() => peers.tcpPublish(broker.tcpUrl, { n: CONFIG.mosquitto, topic })) };
          },
          onResult: async (result, cdp) => reportProfile(client, (await cdp.send('Profiler.stop')).profile, 'via mosquitto', '-mosquitto'),
        });
      });
    }

    return { chromiumVersion, scratch };
  } finally {
    await broker.stop();
    await peers.close();
    await reports.close();
    await site.close();
    fs.rmSync(pagesDir, { recursive: true, force: true });
  }
}

/** The commit measured, with `+changes` when the work tree differs from it. */
function gitCommit() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'js', 'scripts', 'bench', 'Cargo.toml', ':!bench/results.json'], { cwd: ROOT, encoding: 'utf8' }).trim();
    return dirty ? `${head}+changes` : head;
  } catch {
    return null;
  }
}

async function startProfiler(cdp) {
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
}

/** Seconds the page's main thread has spent running tasks (CDP Performance.getMetrics). */
async function mainThreadSeconds(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return metrics.find((m) => m.name === 'TaskDuration')?.value ?? NaN;
}

/** Writes the profile for DevTools and prints where the self time went. */
function reportProfile(client, profile, what, suffix) {
  const file = path.join(ROOT, 'test-results', `bench-${client}${suffix}.cpuprofile`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(profile));
  const self = new Map();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const deltas = profile.timeDeltas;
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const f = node.callFrame;
    const where = f.url ? `${path.basename(f.url)}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
    const dt = deltas[i] ?? 0;
    if (key === '(idle)' || key === '(program)') return;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  });
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20);
  log(`profile of ${LABEL[client]} (${what}), ${(total / 1000).toFixed(0)} ms busy; ${path.relative(ROOT, file)}:`);
  for (const [key, us] of top) log(`  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${key.slice(0, 110)}`);
}

// ------------------------------------------------------------------ the table

function summarise({ chromiumVersion, scratch }) {
  const rows = [];
  const figures = {};
  const shown = FIGURES.filter((f) => !f.observer || Object.values(samples[f.id]).some((s) => s.length));
  for (const f of shown) {
    const m = Object.fromEntries(COLUMNS.map((c) => [c, median(samples[f.id][c])]));
    const ratio = (other) => (m.ours !== null && m[other] ? m.ours / m[other] : null);
    const ratios = { vsRaw: ratio('raw'), vsMqttjs: ratio('mqttjs'), vsPaho: ratio('paho'), vsMqtt5wasm: ratio('mqtt5wasm'), rawVsFrames: m.raw !== null && m.frames ? m.raw / m.frames : null };
    let met = null;
    if (f.target && !f.scratchRow) met = ['ours', ...f.target.needs].every((c) => m[c] !== null) ? Boolean(f.target.check(m)) : null;
    figures[f.id] = { title: f.title, better: f.better ?? null, observedBy: f.how, runs: samples[f.id], median: m, ratios, target: f.target?.text ?? null, met };
    if (f.scratchRow) {
      const value = scratch
        ? `${fmt(scratch.ours.rate)}/s, ${scratch.ours.lost} of ${scratch.messages} lost (one-slot: ${fmt(scratch.oneSlot.rate)}/s, ${scratch.oneSlot.lost} lost)`
        : SCRATCH_PENDING;
      const status = scratch ? (scratch.ours.lost === 0 && scratch.oneSlot.lost > 0 ? 'met' : 'NOT met') : 'not measured';
      figures[f.id].result = scratch;
      figures[f.id].met = scratch ? status === 'met' : null;
      rows.push([f.title, '', '', value, '', '', '', '', '', '', '', f.target.text, status]);
      continue;
    }
    const r = (v) => (v === null ? '—' : `${v.toFixed(2)}×`);
    const cell = (c) => (f.clients.includes(c) ? fmt(m[c], f.id) : 'n/a');
    rows.push([
      f.title,
      ...COLUMNS.map(cell),
      f.clients.includes('frames') ? r(ratios.rawVsFrames) : 'n/a',
      f.clients.includes('raw') ? r(ratios.vsRaw) : 'n/a',
      f.clients.includes('mqttjs') ? r(ratios.vsMqttjs) : 'n/a',
      f.clients.includes('paho') ? r(ratios.vsPaho) : 'n/a',
      f.target?.text ?? '',
      met === null ? (f.target ? '—' : '') : met ? 'met' : 'NOT met',
    ]);
  }
  const header = ['Figure (median)', ...COLUMNS.map((c) => LABEL[c]), 'raw÷frames', 'ours÷raw', 'ours÷MQTT.js', 'ours÷Paho', 'target', 'status'];
  const markdown = [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 || i >= header.length - 2 ? '---' : '---:')).join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const text = [header, widths.map((w) => '-'.repeat(w)), ...rows].map((row) => row.map((c, i) => String(c).padEnd(widths[i])).join('  ')).join('\n');

  const meta = {
    date: new Date().toISOString(),
    mode: QUICK ? 'quick' : 'full',
    runsPerFigure: RUNS,
    messages: { ...CONFIG, packetsPerFrame: BATCH },
    command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`,
    commit: COMMIT,
    harness: 'a fresh headless Chromium per measurement, launched without a DevTools endpoint; the page measures and POSTs its result; firehose and publisher in a separate Node process. Figures marked [CDP …] come from separate runs with a bare CDP session enabling only those domains.',
    chromiumFlags: 'see bench/chromium.mjs MEASURED_ARGS',
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGB: +(os.totalmem() / 2 ** 30).toFixed(1), loadAverageAtStart: LOAD_AT_START, loadAverageAtEnd: os.loadavg(), loadAverage1mEvery15s: LOAD_SAMPLES, platform: `${os.type()} ${os.release()}` },
    chromium: chromiumVersion,
    node: process.version,
    network: 'loopback (127.0.0.1)',
    clients: { mqttjs: pkgVersion('mqtt'), paho: pkgVersion('paho-mqtt'), ours: pkgVersion(null), mqtt5wasm: mqtt5Wasm.dir ? MQTT5_WASM_VERSION : `skipped: ${mqtt5Wasm.skipped}` },
    durationSeconds: +((Date.now() - started) / 1000).toFixed(1),
  };
  return { meta, figures, errors, markdown, text };
}

function pkgVersion(name) {
  const file = name ? path.join(ROOT, 'node_modules', name, 'package.json') : path.join(ROOT, 'package.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')).version;
}

const LOAD_AT_START = os.loadavg();
const COMMIT = gitCommit(); // at the start: the code that ran
// The 1-minute load average every 15 s: others' work on a shared machine shows here (ours adds 1–2).
const LOAD_SAMPLES = [];
const loadSampler = setInterval(() => LOAD_SAMPLES.push(+os.loadavg()[0].toFixed(2)), 15_000).unref();
try {
  const outcome = await main();
  const summary = summarise(outcome);
  console.log(`\n${summary.text}\n`);
  for (const id of QUICK ? [] : ['recvFire16', 'recvFire1k', 'recvFire1']) {
    const r = summary.figures[id]?.ratios.rawVsFrames;
    // The instrument check: the raw page should reach the frames-only page's rate (within 10 %);
    // a quick run's firehose bursts are too short to judge that.
    if (r) console.log(`Harness check, ${summary.figures[id].title}: raw WebSocket ÷ frames-only page = ${r.toFixed(2)} (${Math.abs(r - 1) <= 0.1 ? 'within' : 'NOT within'} 10 %)`);
  }
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(summary, null, 2) + '\n');
  console.log(`Wrote ${path.relative(ROOT, OUT)} (${summary.meta.durationSeconds} s; load average at start ${LOAD_AT_START.map((l) => l.toFixed(2)).join(' ')}, now ${loadNow()}).`);
  if (summary.errors.length) console.log(`${summary.errors.length} measurement(s) failed:\n  ${summary.errors.join('\n  ')}`);
  if (opts.check) {
    // The smoke check: every client produced every number (the targets are never asserted).
    const missing = [];
    for (const f of FIGURES.filter((g) => wanted(g.group))) {
      if (f.scratchRow) {
        if (!summary.figures[f.id].result) missing.push(f.id);
        continue;
      }
      for (const c of f.clients) if (summary.figures[f.id]?.median[c] === null && (!opts.clients || opts.clients.split(',').includes(c))) missing.push(`${f.id}/${c}`);
    }
    if (missing.length) {
      console.error(`bench --check: no number for ${missing.join(', ')}`);
      process.exitCode = 1;
    } else console.log('bench --check: every client produced every number.');
  }
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  clearInterval(loadSampler);
  await runCleanups();
}
