// Figure 8: messages per second delivered into hat scripts in scratch-vm, and how many were lost,
// for this project's Scratch extension and for the one-slot polled pattern of CodeLab's current
// IoT extension (one "last message" slot read by an edge-activated polled hat: whatever arrives
// between two polls overwrites the slot and is lost; see bench/scratch/one-slot-extension.js).
//
// For each pattern and run: a fresh headless Chromium with nothing attached (bench/chromium.mjs)
// loads bench/scratch/host.html, which boots the real scratch-vm (npm scratch-vm,
// dist/web/scratch-vm.js, served at /vendor/scratch-vm/) at 60 frames per second, loads the extension file
// unsandboxed (ours: dist/scratch-mqtt-extension.js), and runs a project whose green flag
// connects to mosquitto and subscribes one topic, and whose `when message received` hat does
// only `change count by 1`. Once connected the page reports ready, and a raw TCP peer (in the
// peer process, bench/servers.mjs tcpPublish) floods that topic with N QoS 0 messages as fast as
// it can. The page notes, after every VM step, when `count` went up, waits until `count` reaches
// N or stops moving for IDLE_MS, and reports (bench/report-server.mjs).
//   rate = count ÷ (time of the last step that counted − time of the first; at least one frame),
//          none ('—') when fewer than 2 were counted
//   lost = N − count
// Returns the medians over the runs, and every run.

import fs from 'node:fs';
import path from 'node:path';
import { ProjectBuilder, b } from '../harness/scratch-project.mjs';
import { launchPage } from './chromium.mjs';

export const SCRATCH_PENDING = 'not measured';

const IDLE_MS = 1500;
const FRAME_MS = 1000 / 60;

/** Messages per flood: full and quick. Ours queues at most 1,000 per hat script (js/extension/engine.js QUEUE_LIMIT). */
export const SCRATCH_MESSAGES = { full: 1000, quick: 300 };

const countUp = { opcode: 'data_changevariableby', inputs: { VALUE: { num: 1 } }, fields: { VARIABLE: { variable: 'count' } } };

const PATTERNS = {
  ours: {
    label: 'Scratch MQTT',
    extension: '/dist/scratch-mqtt-extension.js',
    project(wsUrl, topic) {
      const p = new ProjectBuilder({ extensions: ['mqtt'] });
      p.variable('count', 0);
      p.script([b.greenFlag(), b.connect(wsUrl), b.subscribe(topic, '0'), b.setVar('ready', b.status())]);
      p.script([b.whenMessage(topic), countUp]);
      return p;
    },
    ready: (value) => value === 'connected',
  },
  oneSlot: {
    label: 'one-slot polled',
    extension: '/bench/scratch/one-slot-extension.js',
    project(wsUrl, topic) {
      const p = new ProjectBuilder({ extensions: ['oneslot'] });
      p.variable('count', 0);
      p.script([
        b.greenFlag(),
        { opcode: 'oneslot_connect', inputs: { URL: wsUrl } },
        { opcode: 'oneslot_subscribe', inputs: { TOPIC: topic } },
        b.setVar('ready', { block: { opcode: 'oneslot_isConnected' } }),
      ]);
      p.script([{ opcode: 'oneslot_whenMessage', inputs: { TOPIC: topic } }, countUp]);
      return p;
    },
    ready: (value) => value === true || value === 'true',
  },
};

function median(all) {
  const s = all.filter((v) => v !== null).sort((x, y) => x - y);
  if (!s.length) return null;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

async function floodOnce({ reports, site, peers, broker, pagesDir, pattern, n, topic }) {
  const projectFile = `scratch-${path.basename(topic)}.json`;
  fs.writeFileSync(path.join(pagesDir, projectFile), JSON.stringify(pattern.project(broker.wsUrl, topic).toJSON()));
  const run = reports.open();
  const task = { extension: `${site.url.replace(/\/$/, '')}${pattern.extension}`, project: `/pages/${projectFile}`, n, idleMs: IDLE_MS, report: run.url };
  const browser = await launchPage(`${site.url}bench/scratch/host.html#${encodeURIComponent(JSON.stringify(task))}`);
  try {
    const ready = await run.next('ready', 20_000);
    if (!pattern.ready(ready.value)) throw new Error(`${pattern.label}: not connected (${ready.value})`);
    ready.reply();
    await peers.tcpPublish(broker.tcpUrl, { n, topic });
    const { result: d } = await run.next('result', 60_000);
    // A rate needs two deliveries at least; one delivery (or none) has no rate ('—').
    const seconds = d.count >= 2 ? Math.max(d.last - d.first, FRAME_MS) / 1000 : null;
    return { rate: seconds === null ? null : d.count / seconds, lost: n - d.count, counted: d.count, seconds };
  } finally {
    run.close();
    await browser.close();
  }
}

/** @returns {Promise<null | { ours: { rate: number, lost: number }, oneSlot: { rate: number, lost: number } }>} */
export async function measureScratch({ reports, site, peers, broker, pagesDir, config, progress }) {
  const n = config.scratch;
  const runs = config.scratchRuns;
  const out = {};
  for (const [id, pattern] of Object.entries(PATTERNS)) out[id] = { runs: [] };
  for (let run = 1; run <= runs; run++) {
    for (const [id, pattern] of Object.entries(PATTERNS)) {
      const topic = `bench/scratch/${id}-${run}-${Date.now() % 1e6}`;
      const r = await floodOnce({ reports, site, peers, broker, pagesDir, pattern, n, topic });
      out[id].runs.push(r);
      progress(
        `scratch hats     ${pattern.label.padEnd(14)} run ${run}/${runs}: ${r.rate === null ? '—' : Math.round(r.rate).toLocaleString('en-US')} deliveries/s, ` +
          `${r.counted} of ${n} counted in ${r.seconds === null ? '—' : r.seconds.toFixed(2)} s, ${r.lost} lost`,
      );
    }
  }
  for (const id of Object.keys(PATTERNS)) {
    out[id].rate = median(out[id].runs.map((r) => r.rate));
    out[id].lost = median(out[id].runs.map((r) => r.lost));
  }
  out.messages = n;
  return out;
}
