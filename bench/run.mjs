#!/usr/bin/env node
// `npm run bench`: Scratch MQTT side by side with MQTT.js, Eclipse Paho JS and the raw browser
// WebSocket, in one headless Chromium session on this machine. Prints progress and a table, and
// writes bench/results.json. See BENCHMARKS.md for what each figure means.
//
//   npm run bench                 full run: every figure the median of 3 runs
//   npm run bench -- --quick      under a minute: fewer messages, 1 run each (npm test's smoke run)
//   options: --runs N  --out FILE (default bench/results.json; test-results/bench-partial.json with --only)  --check (exit 1 unless every client produced every number)
//            --only GROUP[,GROUP]  measure only these: size cold fire mosquitto publish rtt memory scratch
//            --profile CLIENT[,CLIENT]  CPU-profile those clients' 16 B firehose runs (Chromium's
//            profiler over CDP), mosquitto and QoS 0 publish runs: test-results/bench-<client>[-publish].cpuprofile,
//            and the top functions

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { launchBrowser, startSite, ROOT, CHROMIUM } from '../harness/browser.mjs';
import { startMosquitto } from '../harness/brokers.mjs';
import { runCleanups } from '../harness/cleanup.mjs';
import { startFirehose, tcpPublish } from './servers.mjs';
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
  },
});
const QUICK = opts.quick;
const RUNS = Number(opts.runs ?? (QUICK ? 1 : 3));
// A partial run (--only) must not replace the recorded full run.
const OUT = path.resolve(ROOT, opts.out ?? (opts.only ? 'test-results/bench-partial.json' : 'bench/results.json'));
const ONLY = new Set(opts.only.split(',').filter(Boolean));
const wanted = (group) => ONLY.size === 0 || ONLY.has(group);
const PROFILE = new Set(opts.profile.split(',').filter(Boolean));

const CONFIG = QUICK
  ? { fire16: 20_000, fire1k: 5_000, mosquitto: 5_000, pub0: 5_000, pub1: 1_000, rtt: 200, cold: RUNS, memory: 50_000, scratch: SCRATCH_MESSAGES.quick, scratchRuns: RUNS }
  : { fire16: 300_000, fire1k: 60_000, mosquitto: 60_000, pub0: 100_000, pub1: 20_000, rtt: 10_000, cold: RUNS, memory: 1_000_000, scratch: SCRATCH_MESSAGES.full, scratchRuns: RUNS };

const CLIENTS = ['raw', 'ours', 'mqttjs', 'paho'];
const LABEL = { raw: 'raw WebSocket', ours: 'Scratch MQTT', mqttjs: 'MQTT.js', paho: 'Paho JS' };
const SCRIPTS = {
  raw: '',
  ours: `<script type="module">import * as m from '/dist/scratch-mqtt.bundle.js'; window.ScratchMQTT = m;</script>`,
  mqttjs: `<script src="/vendor/mqtt/mqtt.min.js"></script>`,
  paho: `<script src="/vendor/paho/paho-mqtt-min.js"></script>`,
};
/** The single-file Scratch extension (URL-loadable, wasm inlined): the size target is about it. */
const EXTENSION_FILE = 'dist/scratch-mqtt-extension.js';
const LOADED_FILES = {
  ours: ['dist/scratch-mqtt.bundle.js'],
  mqttjs: ['node_modules/mqtt/dist/mqtt.min.js'],
  paho: ['node_modules/paho-mqtt/paho-mqtt-min.js'],
};

/**
 * The figures, in table order. `better`: which way is good. `target`: the issue's target for
 * Scratch MQTT, checked against the medians of the same run (printed, never asserted).
 */
const FIGURES = [
  { id: 'recvFire16', title: 'Receive, 64 packets/frame, 16 B (msg/s)', better: 'higher', clients: CLIENTS,
    target: { text: '≥10× MQTT.js, ≥2× Paho', check: (m) => m.ours >= 10 * m.mqttjs && m.ours >= 2 * m.paho } },
  { id: 'recvFire1k', title: 'Receive, 64 packets/frame, 1 KB (msg/s)', better: 'higher', clients: CLIENTS,
    target: { text: '≥10× MQTT.js, ≥2× Paho', check: (m) => m.ours >= 10 * m.mqttjs && m.ours >= 2 * m.paho } },
  { id: 'recvMosquitto', title: 'Receive through mosquitto, 1 packet/frame (msg/s)', better: 'higher', clients: CLIENTS,
    target: { text: '≥0.95× raw WebSocket', check: (m) => m.ours >= 0.95 * m.raw } },
  { id: 'lostMosquitto', title: '  of which lost (messages)', better: 'lower', clients: CLIENTS, info: true },
  { id: 'cpuMosquitto', title: '  page main-thread time per message (µs)', better: 'lower', clients: CLIENTS, info: true },
  { id: 'pubQos0', title: 'Publish QoS 0, counted at the server (msg/s)', better: 'higher', clients: CLIENTS,
    target: { text: '≥1× MQTT.js', check: (m) => m.ours >= m.mqttjs } },
  { id: 'pubQos1', title: 'Publish QoS 1, acknowledged, 100 in flight (msg/s)', better: 'higher', clients: CLIENTS, info: true },
  { id: 'rttP50', title: 'Round trip via mosquitto, p50 (ms)', better: 'lower', clients: CLIENTS,
    target: { text: '≤ MQTT.js', check: (m) => m.ours <= m.mqttjs } },
  { id: 'rttP99', title: 'Round trip via mosquitto, p99 (ms)', better: 'lower', clients: CLIENTS,
    target: { text: '≤ MQTT.js', check: (m) => m.ours <= m.mqttjs } },
  { id: 'cold', title: 'Cold start: navigation → CONNACK (ms)', better: 'lower', clients: CLIENTS,
    target: { text: '≤ MQTT.js', check: (m) => m.ours <= m.mqttjs } },
  { id: 'memGrowth', title: 'Memory growth after N received (KB, JS heap + wasm)', better: 'lower', clients: CLIENTS,
    target: { text: '≤ 2 MB', check: (m) => m.ours <= 2048 } },
  { id: 'memAfter', title: '  memory after (KB, JS heap + wasm)', better: 'lower', clients: CLIENTS, info: true },
  { id: 'gzip', title: 'Client as a page loads it (KB gzip)', better: 'lower', clients: ['ours', 'mqttjs', 'paho'], info: true },
  { id: 'gzipExtension', title: 'Scratch extension as one file (KB gzip)', better: 'lower', clients: ['ours'],
    target: { text: '≤ 40 KB', check: (m) => m.ours <= 40 } },
  { id: 'scratch', title: 'Scratch: hat deliveries/s, lost', clients: [], scratchRow: true,
    target: { text: 'zero loss where one-slot loses', check: () => null } },
];

const samples = Object.fromEntries(FIGURES.map((f) => [f.id, Object.fromEntries(CLIENTS.map((c) => [c, []]))]));
const errors = [];
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s`;
const log = (line) => console.log(`[${elapsed()}] ${line}`);

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
  log(`${QUICK ? 'Quick' : 'Full'} run, ${RUNS} run(s) per figure, on ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  const firehose = await startFirehose();
  const broker = await startMosquitto({ extraConfig: 'max_queued_messages 0\nmax_queued_bytes 0\nmax_inflight_messages 0' });
  // The pages are real files from the local server: Chromium's local-network-access checks block
  // WebSockets to 127.0.0.1 from a page Playwright fulfils itself.
  const pagesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smq-bench-pages-'));
  const html = (client, coldUrl = '') =>
    `<!doctype html><meta charset="utf-8"><title>bench ${client}</title>${SCRIPTS[client]}` +
    `<script type="module">import { start } from '/bench/page/bench.js'; start(${JSON.stringify(client)}, ${JSON.stringify(coldUrl)});</script>`;
  for (const client of CLIENTS) {
    fs.writeFileSync(path.join(pagesDir, `${client}.html`), html(client));
    fs.writeFileSync(path.join(pagesDir, `cold-${client}.html`), html(client, broker.wsUrl));
  }
  const site = await startSite({
    extraMounts: {
      '/vendor/mqtt/': path.join(ROOT, 'node_modules/mqtt/dist'),
      '/vendor/paho/': path.join(ROOT, 'node_modules/paho-mqtt'),
      '/bench/': path.join(ROOT, 'bench'),
      '/pages/': pagesDir,
    },
  });
  const browser = await launchBrowser();
  const chromiumVersion = browser.browser()?.version() ?? execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).trim();
  log(`Chromium ${chromiumVersion}, Node ${process.version}, mosquitto on ${broker.wsUrl}, firehose on ${firehose.url}`);

  async function openPage(client, cold = false) {
    const page = await browser.newPage();
    const url = `${site.url}pages/${cold ? 'cold-' : ''}${client}.html`;
    const cdp = await browser.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await cdp.send('Performance.enable');
    await page.goto(url);
    await page.waitForFunction(() => window.benchReady === true, null, { timeout: 20_000 });
    return { page, cdp };
  }

  try {
    // 7. Sizes: nothing to run, measured first.
    if (wanted('size')) {
      const gzipKb = (file) => zlib.gzipSync(fs.readFileSync(path.join(ROOT, file)), { level: 9 }).length / 1024;
      for (const client of ['ours', 'mqttjs', 'paho']) record('gzip', client, LOADED_FILES[client].reduce((sum, f) => sum + gzipKb(f), 0));
      record('gzipExtension', 'ours', gzipKb(EXTENSION_FILE));
      log(`sizes (KB gzip): ${['ours', 'mqttjs', 'paho'].map((c) => `${LABEL[c]} ${fmt(median(samples.gzip[c]), 'gzip')}`).join(', ')}; our Scratch extension ${fmt(median(samples.gzipExtension.ours), 'gzip')}`);
    }

    // 5. Cold start, first, while the browser is as fresh as it gets.
    for (let run = 1; run <= (wanted('cold') ? RUNS : 0); run++) {
      for (const client of CLIENTS) {
        const ms = await attempt(`cold start ${client}`, async () => {
          const { page } = await openPage(client, true);
          try {
            await page.waitForFunction(() => window.coldStart !== undefined || window.coldError !== undefined, null, { timeout: 20_000 });
            const { coldStart, coldError } = await page.evaluate(() => ({ coldStart: window.coldStart, coldError: window.coldError }));
            if (coldError) throw new Error(coldError);
            return coldStart;
          } finally {
            await page.close();
          }
        });
        record('cold', client, ms);
        log(`cold start       ${LABEL[client].padEnd(14)} run ${run}/${RUNS}: ${fmt(ms, 'rtt')} ms`);
      }
    }

    const pages = {};
    for (const client of CLIENTS) pages[client] = await openPage(client);

    const each = async (group, label, fn) => {
      if (!wanted(group)) return;
      for (let run = 1; run <= RUNS; run++) {
        for (const client of CLIENTS) {
          const line = await attempt(`${label} ${client}`, () => fn(client, pages[client].page, run, pages[client].cdp));
          if (line) log(`${label.padEnd(16)} ${LABEL[client].padEnd(14)} run ${run}/${RUNS}: ${line}`);
        }
      }
    };

    // 1. Parser-bound receive from the firehose.
    for (const [id, size, n] of [['recvFire16', 16, CONFIG.fire16], ['recvFire1k', 1024, CONFIG.fire1k]]) {
      await each('fire', `firehose ${size === 16 ? '16 B' : '1 KB'}`, async (client, page, run, cdp) => {
        const profiling = PROFILE.has(client) && size === 16 && run === 1;
        await page.evaluate((o) => window.bench.prepareReceive(o), { url: firehose.url, topic: 'fire/#' });
        if (profiling) await startProfiler(cdp);
        const result = page.evaluate((o) => window.bench.awaitReceive(o), { n, idleMs: 3000 });
        await firehose.fire({ n, size, batch: 64 });
        const r = await result;
        if (profiling) reportProfile(client, (await cdp.send('Profiler.stop')).profile);
        if (r.lost) throw new Error(`${r.lost} of ${n} never reached the callback`);
        record(id, client, r.rate);
        return `${fmt(r.rate)} msg/s`;
      });
    }

    // 2. Receive through mosquitto, one packet per frame, published by a raw TCP peer.
    await each('mosquitto', 'via mosquitto', async (client, page, run, cdp) => {
      const topic = `bench/m/${client}/${run}`;
      const profiling = PROFILE.has(client) && run === 1;
      await page.evaluate((o) => window.bench.prepareReceive(o), { url: broker.wsUrl, topic });
      if (profiling) await startProfiler(cdp);
      const busyBefore = await mainThreadSeconds(cdp);
      const result = page.evaluate((o) => window.bench.awaitReceive(o), { n: CONFIG.mosquitto, idleMs: 2000 });
      await tcpPublish(broker.tcpUrl, { n: CONFIG.mosquitto, topic });
      const r = await result;
      // The broker and the publisher share the cores with the page, so rates through mosquitto
      // move together run to run; the page's own CPU per message is the steadier comparison.
      const usPerMessage = ((await mainThreadSeconds(cdp)) - busyBefore) * 1e6 / CONFIG.mosquitto;
      if (profiling) reportProfile(client, (await cdp.send('Profiler.stop')).profile, 'via mosquitto', '-mosquitto');
      record('recvMosquitto', client, r.rate);
      record('lostMosquitto', client, r.lost);
      record('cpuMosquitto', client, usPerMessage);
      return `${fmt(r.rate)} msg/s, ${r.lost} lost, page busy ${fmt(usPerMessage, 'cpu')} µs/msg`;
    });

    // 3. Publish: QoS 0 counted where it arrives (the firehose server), QoS 1 acknowledged.
    await each('publish', 'publish QoS 0', async (client, page, run, cdp) => {
      const n = CONFIG.pub0;
      const profiling = PROFILE.has(client) && run === 1;
      if (profiling) await startProfiler(cdp);
      const arrived = firehose.countArrivals(n);
      const { startWall } = await page.evaluate((o) => window.bench.publish(o), { url: firehose.url, topic: 'pub/t', n, qos: 0 });
      const lastWall = await withTimeout(arrived, 30_000, 'QoS 0 arrivals');
      if (profiling) reportProfile(client, (await cdp.send('Profiler.stop')).profile, 'QoS 0 publish', '-publish');
      const rate = n / ((lastWall - startWall) / 1000);
      record('pubQos0', client, rate);
      return `${fmt(rate)} msg/s`;
    });
    await each('publish', 'publish QoS 1', async (client, page) => {
      const r = await page.evaluate((o) => window.bench.publish(o), { url: firehose.url, topic: 'pub/t', n: CONFIG.pub1, qos: 1 });
      record('pubQos1', client, r.rate);
      return `${fmt(r.rate)} msg/s`;
    });

    // 4. Round trips through mosquitto.
    await each('rtt', 'round trip', async (client, page, run) => {
      const r = await page.evaluate((o) => window.bench.latency(o), { url: broker.wsUrl, topic: `bench/echo/${client}/${run}`, n: CONFIG.rtt });
      record('rttP50', client, r.p50);
      record('rttP99', client, r.p99);
      return `p50 ${fmt(r.p50, 'rtt')} ms, p99 ${fmt(r.p99, 'rtt')} ms, max ${fmt(r.max, 'rtt')} ms`;
    });

    // 6. Memory before and after CONFIG.memory messages (16 B, firehose), after a forced GC.
    await each('memory', 'memory', async (client, page, run, cdp) => {
      const usage = async () => {
        await cdp.send('HeapProfiler.collectGarbage');
        const { usedSize } = await cdp.send('Runtime.getHeapUsage');
        const wasm = await page.evaluate(() => window.bench.wasmBytes());
        return usedSize + wasm;
      };
      await page.evaluate((o) => window.bench.prepareReceive(o), { url: firehose.url, topic: 'fire/#' });
      const before = await usage();
      const result = page.evaluate((o) => window.bench.awaitReceive(o), { n: CONFIG.memory, idleMs: 3000, keep: true });
      await firehose.fire({ n: CONFIG.memory, size: 16, batch: 64 });
      const r = await result;
      const after = await usage();
      await page.evaluate(() => window.bench.endReceive());
      if (r.lost) throw new Error(`${r.lost} of ${CONFIG.memory} never reached the callback`);
      record('memGrowth', client, (after - before) / 1024);
      record('memAfter', client, after / 1024);
      return `${fmt(before / 1024)} KB → ${fmt(after / 1024)} KB (${fmt((after - before) / 1024)} KB growth)`;
    });

    // 8. Scratch: hat deliveries in scratch-vm, ours and the one-slot polled pattern (bench/scratch.mjs).
    const scratch = !wanted('scratch') ? undefined : await attempt(
      'scratch',
      () => measureScratch({ browser, site, firehose, broker, config: CONFIG, progress: log }),
      (QUICK ? 60_000 : 120_000) * RUNS,
    );
    if (scratch === null) log(`scratch          ${SCRATCH_PENDING}`);

    return { chromiumVersion, scratch };
  } finally {
    await browser.close();
    await broker.stop();
    await firehose.close();
    await site.close();
    fs.rmSync(pagesDir, { recursive: true, force: true });
  }
}

/** The commit measured, with `+changes` when the work tree differs from it. */
function gitCommit() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'js', 'scripts', 'bench', 'Cargo.toml'], { cwd: ROOT, encoding: 'utf8' }).trim();
    return dirty ? `${head}+changes` : head;
  } catch {
    return null;
  }
}

async function startProfiler(cdp) {
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
}

/** Seconds the page's main thread has spent running tasks (CDP Performance.getMetrics). */
async function mainThreadSeconds(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return metrics.find((m) => m.name === 'TaskDuration')?.value ?? NaN;
}

/** Writes the profile for DevTools and prints where the self time went. */
function reportProfile(client, profile, what = '16 B firehose', suffix = '') {
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
  for (const f of FIGURES) {
    const m = Object.fromEntries(CLIENTS.map((c) => [c, median(samples[f.id][c])]));
    const ratio = (other) => (m.ours !== null && m[other] ? m.ours / m[other] : null);
    const ratios = { vsRaw: ratio('raw'), vsMqttjs: ratio('mqttjs'), vsPaho: ratio('paho') };
    let met = null;
    if (f.target && !f.scratchRow) {
      const needed = f.id === 'memGrowth' || f.id.startsWith('gzip') ? ['ours'] : ['ours', 'mqttjs', 'paho', 'raw'].filter((c) => f.target.text.includes(LABEL[c]?.split(' ')[0]) || c === 'ours');
      met = needed.every((c) => m[c] !== null) ? Boolean(f.target.check(m)) : null;
    }
    figures[f.id] = { title: f.title, better: f.better ?? null, runs: samples[f.id], median: m, ratios, target: f.target?.text ?? null, met };
    if (f.scratchRow) {
      const value = scratch
        ? `${fmt(scratch.ours.rate)}/s, ${scratch.ours.lost} of ${scratch.messages} lost (one-slot: ${fmt(scratch.oneSlot.rate)}/s, ${scratch.oneSlot.lost} lost)`
        : SCRATCH_PENDING;
      const status = scratch ? (scratch.ours.lost === 0 && scratch.oneSlot.lost > 0 ? 'met' : 'NOT met') : 'not measured';
      figures[f.id].result = scratch;
      figures[f.id].met = scratch ? status === 'met' : null;
      rows.push([f.title, '', value, '', '', '', '', '', f.target.text, status]);
      continue;
    }
    const r = (v) => (v === null ? '—' : `${v.toFixed(2)}×`);
    rows.push([
      f.title,
      f.clients.includes('raw') ? fmt(m.raw, f.id) : 'n/a',
      fmt(m.ours, f.id),
      fmt(m.mqttjs, f.id),
      fmt(m.paho, f.id),
      f.clients.includes('raw') ? r(ratios.vsRaw) : 'n/a',
      r(ratios.vsMqttjs),
      r(ratios.vsPaho),
      f.target?.text ?? '',
      met === null ? (f.target ? '—' : '') : met ? 'met' : 'NOT met',
    ]);
  }
  const header = ['Figure (median)', 'raw WebSocket', 'Scratch MQTT', 'MQTT.js', 'Paho JS', 'ours÷raw', 'ours÷MQTT.js', 'ours÷Paho', 'target', 'status'];
  const markdown = [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 || i >= 8 ? '---' : '---:')).join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const text = [header, widths.map((w) => '-'.repeat(w)), ...rows].map((row) => row.map((c, i) => String(c).padEnd(widths[i])).join('  ')).join('\n');

  const meta = {
    date: new Date().toISOString(),
    mode: QUICK ? 'quick' : 'full',
    runsPerFigure: RUNS,
    messages: CONFIG,
    command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`,
    commit: gitCommit(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGB: +(os.totalmem() / 2 ** 30).toFixed(1), loadAverageAtEnd: os.loadavg(), platform: `${os.type()} ${os.release()}` },
    chromium: chromiumVersion,
    node: process.version,
    network: 'loopback (127.0.0.1)',
    clients: { mqttjs: pkgVersion('mqtt'), paho: pkgVersion('paho-mqtt'), ours: pkgVersion(null) },
    durationSeconds: +((Date.now() - started) / 1000).toFixed(1),
  };
  return { meta, figures, errors, markdown, text };
}

function pkgVersion(name) {
  const file = name ? path.join(ROOT, 'node_modules', name, 'package.json') : path.join(ROOT, 'package.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')).version;
}

try {
  const outcome = await main();
  const summary = summarise(outcome);
  console.log(`\n${summary.text}\n`);
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(summary, null, 2) + '\n');
  console.log(`Wrote ${path.relative(ROOT, OUT)} (${summary.meta.durationSeconds} s; load average now ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}).`);
  if (summary.errors.length) console.log(`${summary.errors.length} measurement(s) failed:\n  ${summary.errors.join('\n  ')}`);
  if (opts.check) {
    // The smoke check: every client produced every number (the targets are never asserted).
    const missing = [];
    for (const f of FIGURES) {
      if (f.scratchRow) {
        if (!summary.figures[f.id].result) missing.push(f.id);
        continue;
      }
      for (const c of f.clients) if (summary.figures[f.id].median[c] === null) missing.push(`${f.id}/${c}`);
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
  await runCleanups();
}
