// A differential test against MQTT.js: one scenario (tests/browser/differential/scenario.js:
// connect, each subscribe form, QoS 0/1/2 with each call style, retained, a will, unsubscribe, a
// broker restart, misuse, end) runs in the same headless page against MQTT.js (the npm `mqtt`
// browser bundle) and against ours, through the same mosquitto. What the application observes
// must be the same, except for the differences listed in INTENDED (each also in the README).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser, ROOT, startSite } from '../../harness/browser.mjs';
import { startMosquitto } from '../../harness/brokers.mjs';
import { startFaultProxy } from '../../harness/fault-proxy.mjs';
import { runCleanups } from '../../harness/cleanup.mjs';

let broker;
let proxy;
let site;
let browser;

before(async () => {
  broker = await startMosquitto();
  proxy = await startFaultProxy(broker.wsPort);
  site = await startSite({
    extraMounts: {
      '/differential/': path.join(ROOT, 'tests', 'browser', 'differential'),
      '/vendor/mqtt/': path.join(ROOT, 'node_modules', 'mqtt', 'dist'),
    },
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await site?.close();
  await proxy?.close();
  await broker?.stop();
  await runCleanups();
});

/** The scenario's log for library `tag`. */
async function run(tag) {
  const page = await browser.newPage();
  try {
    await page.exposeFunction('hostAction', async (what) => {
      if (what === 'cut') proxy.cut();
      else if (what === 'restart') await broker.restart({ downMs: 300 });
      else throw new Error(`unknown action ${what}`);
    });
    await page.goto(`${site.url}differential/index.html`);
    await page.waitForFunction(() => window.scenarioReady === true);
    const log = await page.evaluate(([t, url, proxyUrl]) => window.runScenario(t, url, proxyUrl), [tag, broker.wsUrl, proxy.wsUrl]);
    assert.deepEqual(page.errors, [], `${tag}: uncaught errors in the page`);
    return log;
  } finally {
    await page.close();
  }
}

const isEvent = (entry, name) => entry?.[0] === 'event' && entry[1] === name;
const entry = (log, name) => log.find((e) => e[0] === name)?.[1];

// What we do differently on purpose (README, "Differences from MQTT.js"): each rule takes the
// difference out of both logs, and `ours` says what we do instead.
const INTENDED = [
  {
    why: 'a lost link or a failed attempt is also an `error` event carrying its code (as MQTT.js does in Node for ECONNREFUSED; in a browser it cannot see why a WebSocket failed)',
    apply: (log) => log.filter((e, i) => !(isEvent(e, 'error') && (isEvent(log[i + 1], 'offline') || isEvent(log[i + 1], 'close')))),
    ours: (log) => assert.ok(log.some((e, i) => isEvent(e, 'error') && isEvent(log[i + 1], 'offline'))),
  },
  {
    why: 'a publish to a topic with + or # is refused (ERR_TOPIC_INVALID) before it is sent; MQTT.js sends it',
    apply: (log) => log.filter((e) => e[0] !== 'publish to a filter'),
    ours: (log) => assert.deepEqual(entry(log, 'publish to a filter'), ['error', null]),
  },
];

test('MQTT.js and Scratch MQTT give an application the same observations', async () => {
  const mqttjs = await run('mqttjs');
  const ours = await run('ours');
  if (process.env.DIFF_DUMP) fs.writeFileSync(process.env.DIFF_DUMP, JSON.stringify({ mqttjs, ours }, null, 1));
  assert.deepEqual(ours.messages, mqttjs.messages, 'the same messages, in the same order');
  for (const rule of INTENDED) rule.ours(ours.log);
  const normalise = (log) => INTENDED.reduce((entries, rule) => rule.apply(entries), log);
  assert.deepEqual(normalise(ours.log), normalise(mqttjs.log));
  // the scenario did reach its end in both
  assert.deepEqual(entry(ours.log, 'publish after end'), ['error', null]);
});
