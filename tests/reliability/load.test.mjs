// Load (RELIABILITY.md, promise 7): one page with 1,000 subscriptions on distinct topics while a
// publisher (MQTT.js over TCP) sends 50 QoS 1 messages a second to each of 20 of them, through a
// real mosquitto with its default settings: every message counted, the page's frame gaps
// (requestAnimationFrame) and its memory before and after reported. 10 s here; 60 s in the soak.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMosquitto } from '../../harness/brokers.mjs';
import { mqttjsPeer } from '../../harness/peers.mjs';
import { browserAndSite, openLibraryPage, pageMemory, record, size, sleep, totalBytes, until } from './support.mjs';

const SUBSCRIPTIONS = 1000;
const HOT_TOPICS = 20;
const RATE_PER_TOPIC = 50;
const SECONDS = size(10, 60);

describe('load: 1,000 subscriptions, 20 × 50 messages a second', () => {
  const fixture = browserAndSite();
  let broker;
  before(async () => {
    broker = await startMosquitto();
  });
  after(async () => {
    await broker?.stop();
  });

  test(`${SECONDS} s: every message counted, frame gaps and memory reported`, async () => {
    const page = await openLibraryPage(fixture.browser, fixture.site);
    const publisher = await mqttjsPeer(broker, { transport: 'tcp' });
    try {
      await page.evaluate(async ({ url, count }) => {
        window.counts = new Map();
        window.gaps = [];
        const client = lib.connect(url, { keepalive: 30 });
        window.c = client;
        client.on('message', (topic) => counts.set(topic, (counts.get(topic) ?? 0) + 1));
        await new Promise((resolve) => client.once('connect', resolve));
        const filters = Array.from({ length: count }, (_, i) => `load/t/${i}`);
        const granted = await client.subscribe(filters, { qos: 1 });
        if (granted.length !== count) throw new Error(`${granted.length} of ${count} granted`);
      }, { url: broker.wsUrl, count: SUBSCRIPTIONS });
      const before = await pageMemory(page);
      await page.evaluate(() => {
        let last = performance.now();
        window.measuring = true;
        const frame = (now) => {
          gaps.push(now - last);
          last = now;
          if (measuring) requestAnimationFrame(frame);
        };
        requestAnimationFrame(frame);
      });
      // Every 20 ms one message to each hot topic (spread over the 1,000), paced by the clock.
      const hot = Array.from({ length: HOT_TOPICS }, (_, i) => `load/t/${i * (SUBSCRIPTIONS / HOT_TOPICS)}`);
      const ticks = SECONDS * RATE_PER_TOPIC;
      const started = Date.now();
      const acks = [];
      for (let tick = 0; tick < ticks; tick++) {
        const due = started + (tick * 1000) / RATE_PER_TOPIC - Date.now();
        if (due > 0) await sleep(due);
        for (const topic of hot) acks.push(publisher.publish(topic, `${tick}`, { qos: 1 }));
      }
      await Promise.all(acks);
      const sent = ticks * HOT_TOPICS;
      const counted = await until(async () => {
        const total = await page.evaluate(() => [...counts.values()].reduce((a, b) => a + b, 0));
        return total >= sent && total;
      }, 30000, `all ${sent} messages at the page`);
      await page.evaluate(() => {
        measuring = false;
      });
      const perTopic = await page.evaluate(() => Object.fromEntries(counts));
      const gaps = await page.evaluate(() => gaps.slice(1).sort((a, b) => a - b));
      const after = await pageMemory(page);
      const p = (q) => Math.round(gaps[Math.min(gaps.length - 1, Math.floor(q * gaps.length))] * 10) / 10;
      assert.equal(counted, sent, 'no message lost, none twice');
      for (const topic of hot) assert.equal(perTopic[topic], ticks, topic);
      assert.equal(Object.keys(perTopic).length, HOT_TOPICS, 'only the hot topics got messages');
      const grownMb = (totalBytes(after) - totalBytes(before)) / 1e6;
      // A generous bound: growth that tracks the message count would be a leak (~60 MB here).
      assert.ok(grownMb < 20, `memory grew by ${grownMb.toFixed(1)} MB`);
      record('load: 1000 subscriptions, 20 x 50 msg/s', {
        seconds: SECONDS,
        sent,
        counted,
        publishSeconds: Math.round((Date.now() - started) / 100) / 10,
        rafGapMs: { p50: p(0.5), p99: p(0.99), max: p(1), target_p99: 50 },
        memory: { before, after, grownMb: Math.round(grownMb * 10) / 10 },
      });
    } finally {
      await publisher.end();
      await page.evaluate(() => window.c?.end()).catch(() => {});
      await page.close();
    }
  });
});
