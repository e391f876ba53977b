// Network faults (RELIABILITY.md, promise 2), through a loopback TCP proxy in front of a real
// mosquitto: a half-open link, a cut in the middle of a packet, a link that trickles, a broker
// that never answers CONNECT, and the reconnect backoff of twenty clients cut at once.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMosquitto } from '../../harness/brokers.mjs';
import { startFaultProxy } from '../../harness/fault-proxy.mjs';
import { startSilentBroker } from '../../harness/fake-brokers.mjs';
import { mosquittoPub } from '../../harness/peers.mjs';
import {
  browserAndSite,
  installTracker,
  openLibraryPage,
  pageNow,
  record,
  size,
  sleep,
  until,
  waitForEvent,
} from './support.mjs';

const KEEPALIVE_S = 2;
const CLIENTS = size(20, 20);

describe('network faults through a proxy (mosquitto behind it)', () => {
  const fixture = browserAndSite();
  let broker;
  let proxy;
  let page;
  before(async () => {
    broker = await startMosquitto();
    proxy = await startFaultProxy(broker.wsPort);
  });
  after(async () => {
    await proxy?.close();
    await broker?.stop();
  });

  async function freshPage() {
    await page?.close();
    page = await openLibraryPage(fixture.browser, fixture.site);
    await installTracker(page);
    proxy.setMode('forward');
    return page;
  }

  test(`a half-open link is noticed within 1.5 × keepalive (${KEEPALIVE_S} s), and the client reconnects once it forwards again`, async () => {
    await freshPage();
    await page.evaluate(({ url, keepalive }) => {
      window.c = track('c', lib.connect(url, { keepalive, connectTimeout: 1500, reconnect: { initialDelay: 200, maxDelay: 800 } }));
    }, { url: proxy.wsUrl, keepalive: KEEPALIVE_S });
    await waitForEvent(page, 'c', 'connect');
    // Let one keepalive round trip pass first, so the link is proven and idle.
    await sleep(KEEPALIVE_S * 1000 + 200);
    const silencedAt = await pageNow(page);
    proxy.setMode('blackhole');
    const lost = await waitForEvent(page, 'c', 'close', { since: silencedAt, timeoutMs: 10000 });
    const noticedMs = lost.at - silencedAt;
    const error = await waitForEvent(page, 'c', 'error', { since: silencedAt });
    assert.equal(error.code, 'ERR_TIMEOUT', 'a dead link is a keepalive timeout');
    assert.ok(noticedMs <= 1.5 * KEEPALIVE_S * 1000 + 250, `noticed after ${Math.round(noticedMs)} ms`);
    // Attempts made while the link is dead time out; once it forwards, the next one gets through.
    await sleep(1500);
    const forwardedAt = await pageNow(page);
    proxy.setMode('forward');
    const back = await waitForEvent(page, 'c', 'connect', { since: forwardedAt, timeoutMs: 10000 });
    const reconnectMs = back.at - forwardedAt;
    assert.ok(reconnectMs <= 1500 + 800 + 500, `back after ${Math.round(reconnectMs)} ms`);
    record('faults: half-open link', { keepaliveS: KEEPALIVE_S, noticedMs: Math.round(noticedMs), reconnectedMs: Math.round(reconnectMs) });
    await page.evaluate(() => c.end());
  });

  test('a link cut in the middle of a packet: the message arrives whole after the reconnect', async () => {
    await freshPage();
    await page.evaluate(async (url) => {
      window.got = [];
      window.c = track('c', lib.connect(url, { clientId: 'cut-mid', clean: false, reconnect: { initialDelay: 200, maxDelay: 800 } }));
      c.on('message', (topic, payload, packet) => got.push({ length: payload.length, sum: payload.reduce((a, b) => (a + b) % 65521, 0), dup: packet.dup }));
      await new Promise((resolve) => c.once('connect', resolve));
      await c.subscribe('cut/big', { qos: 1 });
    }, proxy.wsUrl);
    const payload = Buffer.alloc(64 * 1024, 0);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31 + 7) % 251;
    const sum = payload.reduce((a, b) => (a + b) % 65521, 0);
    const cutAt = await pageNow(page);
    proxy.cutAfter(20000);
    await mosquittoPub(broker, { topic: 'cut/big', payload, qos: 1 });
    await waitForEvent(page, 'c', 'close', { since: cutAt });
    const got = await until(() => page.evaluate(() => (got.length ? got : null)), 10000, 'the message after the cut');
    assert.equal(got[0].length, payload.length);
    assert.equal(got[0].sum, sum, 'the payload arrived intact');
    const errors = await page.evaluate(() => tracks.c.filter((e) => e.name === 'error').map((e) => e.code));
    assert.deepEqual(errors, ['ERR_CONNECTION_CLOSED'], 'a cut is a closed connection, not a protocol error');
    record('faults: cut mid-packet', { payloadBytes: payload.length, cutAfterBytes: 20000, deliveries: got.length, dupFlag: got[0].dup });
    await page.evaluate(() => c.end());
  });

  test('a link that trickles one byte at a time still connects and carries a message', async () => {
    await freshPage();
    proxy.setMode('trickle');
    const started = Date.now();
    const text = await page.evaluate(async (url) => {
      const client = track('c', lib.connect(url, { keepalive: 5 }));
      await new Promise((resolve, reject) => {
        client.once('connect', resolve);
        client.once('error', reject);
      });
      const got = new Promise((resolve) => client.on('message', (t, p) => resolve(p.text())));
      await client.subscribe('trickle/t', { qos: 1 });
      await client.publish('trickle/t', 'slow but whole: 慢', { qos: 1 });
      const result = await got;
      await client.end();
      return result;
    }, proxy.wsUrl);
    assert.equal(text, 'slow but whole: 慢');
    record('faults: trickle', { msPerByte: 2, roundTripMs: Date.now() - started });
  });

  test('a broker that never answers CONNECT: connect timeout, then retries with growing delays', async () => {
    await freshPage();
    const silent = await startSilentBroker();
    try {
      const events = await page.evaluate(async (url) => {
        const client = track('c', lib.connect(url, { connectTimeout: 700, reconnect: { initialDelay: 150, maxDelay: 2000 } }));
        const deadline = performance.now() + 9000;
        while (tracks.c.filter((e) => e.name === 'reconnect').length < 4 && performance.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await client.end();
        return tracks.c;
      }, silent.url);
      const timeouts = events.filter((e) => e.name === 'error');
      const delays = events.filter((e) => e.name === 'reconnect').map((e) => e.delay);
      assert.ok(timeouts.length >= 3 && timeouts.every((e) => e.code === 'ERR_TIMEOUT'), JSON.stringify(timeouts));
      assert.ok(delays.length >= 4, JSON.stringify(delays));
      for (let i = 1; i < delays.length; i++) assert.ok(delays[i] > delays[i - 1], `delays grow: ${delays}`);
      record('faults: no CONNACK', { connectTimeoutMs: 700, delaysMs: delays.map(Math.round), connections: silent.connections });
    } finally {
      await silent.stop();
    }
  });

  test(`${CLIENTS} clients cut at the same moment do not reconnect in lockstep; the delay resets after a stable connection`, async () => {
    await freshPage();
    await page.evaluate(async ({ url, clients }) => {
      window.cs = [];
      for (let i = 0; i < clients; i++) {
        cs.push(track(`c${i}`, lib.connect(url, { reconnect: { initialDelay: 1000, maxDelay: 8000, stableAfter: 1500 } })));
      }
      await Promise.all(cs.map((c) => (c.connected ? null : new Promise((resolve) => c.once('connect', resolve)))));
    }, { url: proxy.wsUrl, clients: CLIENTS });
    const cutAt = await pageNow(page);
    proxy.cut();
    // When each client chose to try again (its own decision: the delay it scheduled), and when
    // it was connected (the browser opens WebSockets to one host one at a time).
    const attempts = [];
    const back = [];
    for (let i = 0; i < CLIENTS; i++) {
      const scheduled = await waitForEvent(page, `c${i}`, 'reconnect', { since: cutAt });
      attempts.push(scheduled.at + scheduled.delay - cutAt);
      back.push((await waitForEvent(page, `c${i}`, 'connect', { since: cutAt, timeoutMs: 20000 })).at - cutAt);
    }
    attempts.sort((a, b) => a - b);
    back.sort((a, b) => a - b);
    const spreadMs = attempts.at(-1) - attempts[0];
    const distinct = new Set(attempts.map((t) => Math.round(t / 10))).size;
    assert.ok(spreadMs >= 100, `attempts within ${Math.round(spreadMs)} ms of each other: lockstep`);
    assert.ok(distinct >= CLIENTS / 2, `only ${distinct} distinct attempt moments`);
    assert.ok(attempts.every((t) => t >= 750 - 50 && t <= 1000 + 50), `first attempts outside 750-1000 ms: ${attempts}`);

    // Refused for a while: one client's delays grow; after a stable connection they start over.
    proxy.setMode('refuse');
    const refusedAt = await pageNow(page);
    proxy.cut();
    await waitForEvent(page, 'c0', 'reconnect', { since: refusedAt, count: 3, timeoutMs: 20000 });
    const grown = await page.evaluate((since) => tracks.c0.filter((e) => e.name === 'reconnect' && e.at >= since).map((e) => e.delay), refusedAt);
    for (let i = 1; i < grown.length; i++) assert.ok(grown[i] > grown[i - 1], `delays grow: ${grown}`);
    proxy.setMode('forward');
    await waitForEvent(page, 'c0', 'connect', { since: refusedAt, timeoutMs: 20000 });
    await sleep(1800); // longer than stableAfter
    const stableCutAt = await pageNow(page);
    proxy.cut();
    const afterStable = await waitForEvent(page, 'c0', 'reconnect', { since: stableCutAt });
    assert.ok(afterStable.delay <= 1000, `after a stable connection the delay starts over: ${afterStable.delay}`);
    record('faults: backoff', {
      clients: CLIENTS,
      firstAttemptMs: { min: Math.round(attempts[0]), max: Math.round(attempts.at(-1)), spread: Math.round(spreadMs) },
      connectedAgainMs: { min: Math.round(back[0]), max: Math.round(back.at(-1)) },
      growingDelaysMs: grown.map(Math.round),
      delayAfterStableMs: Math.round(afterStable.delay),
    });
    await page.evaluate(() => Promise.all(cs.map((c) => c.end())));
  });
});
