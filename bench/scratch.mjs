// Figure 8: messages per second delivered into hat scripts in scratch-vm, and how many were lost,
// for this project's Scratch extension and for the one-slot polled pattern of CodeLab's current
// IoT extension (one "last message" slot read by an edge-activated polled hat: whatever arrives
// between two polls overwrites the slot and is lost; see bench/scratch/one-slot-extension.js).
//
// For each pattern and run: a fresh page (bench/scratch/host.html) boots the real scratch-vm
// (npm scratch-vm, dist/web/scratch-vm.js) at 60 frames per second, loads the extension file
// unsandboxed (ours: dist/scratch-mqtt-extension.js), and runs a project whose green flag
// connects to mosquitto and subscribes one topic, and whose `when message received` hat does
// only `change count by 1`. A raw TCP peer then floods that topic with N QoS 0 messages as fast
// as it can (bench/servers.mjs tcpPublish). The page notes, after every VM step, when `count`
// went up; once the flood is sent we wait until `count` reaches N or stops moving for IDLE_MS.
//   rate = count ÷ (time of the last step that counted − time of the first; at least one frame),
//          none ('—') when fewer than 2 were counted
//   lost = N − count
// Returns the medians over the runs, and every run.

import path from 'node:path';
import { ROOT } from '../harness/browser.mjs';
import { ProjectBuilder, b } from '../harness/scratch-project.mjs';
import { tcpPublish } from './servers.mjs';

export const SCRATCH_PENDING = 'not measured';

const VM_JS = path.join(ROOT, 'node_modules', 'scratch-vm', 'dist', 'web', 'scratch-vm.js');
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

async function floodOnce({ browser, site, broker, pattern, n, topic }) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  try {
    await page.route('**/bench/scratch/scratch-vm.js', (route) => route.fulfill({ path: VM_JS }));
    await page.goto(`${site.url}bench/scratch/host.html`);
    const project = JSON.stringify(pattern.project(broker.wsUrl, topic).toJSON());
    await page.evaluate(([url, json]) => window.boot(url, json), [`${site.url.replace(/\/$/, '')}${pattern.extension}`, project]);
    await page.waitForFunction(() => {
      const v = window.stageValue('var-ready');
      return v === 'connected' || v === true || v === 'true';
    }, null, { timeout: 15_000, polling: 20 });
    const ready = await page.evaluate(() => window.stageValue('var-ready'));
    if (!pattern.ready(ready)) throw new Error(`${pattern.label}: not connected (${ready})`);

    await tcpPublish(broker.tcpUrl, { n, topic });
    // Wait until every message is counted or the count stops moving.
    let last = -1;
    let since = Date.now();
    for (;;) {
      const { count } = await page.evaluate(() => window.deliveries);
      if (count >= n) break;
      if (count !== last) {
        last = count;
        since = Date.now();
      } else if (Date.now() - since >= IDLE_MS) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const d = await page.evaluate(() => window.deliveries);
    if (errors.length) throw new Error(`${pattern.label}: page error: ${errors[0]}`);
    // A rate needs two deliveries at least; one delivery (or none) has no rate ('—').
    const seconds = d.count >= 2 ? Math.max(d.last - d.first, FRAME_MS) / 1000 : null;
    return { rate: seconds === null ? null : d.count / seconds, lost: n - d.count, counted: d.count, seconds };
  } finally {
    await page.close();
  }
}

/** @returns {Promise<null | { ours: { rate: number, lost: number }, oneSlot: { rate: number, lost: number } }>} */
export async function measureScratch({ browser, site, broker, config, progress }) {
  const n = config.scratch;
  const runs = config.scratchRuns;
  const out = {};
  for (const [id, pattern] of Object.entries(PATTERNS)) out[id] = { runs: [] };
  for (let run = 1; run <= runs; run++) {
    for (const [id, pattern] of Object.entries(PATTERNS)) {
      const topic = `bench/scratch/${id}/${run}/${Date.now() % 1e6}`;
      const r = await floodOnce({ browser, site, broker, pattern, n, topic });
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
