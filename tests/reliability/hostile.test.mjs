// A hostile or broken broker (RELIABILITY.md, promise 3): a fake WebSocket broker answers
// CONNECT, then sends one class of bad data on the first connection and behaves on the next.
// Each class must end in a named error that says what was wrong (or, where the protocol says
// to carry on, be survived), a reconnect per the policy, bounded memory, and nothing uncaught
// in the page.

import { test, describe, before, after } from 'node:test';
import path from 'node:path';
import assert from 'node:assert/strict';
import { ROOT, launchBrowser, startSite } from '../../harness/browser.mjs';
import { CONNACK_311, connackFor, startScriptedBroker } from '../../harness/fake-brokers.mjs';
import { browserAndSite, installTracker, openLibraryPage, pageMemory, record, totalBytes, waitForEvent } from './support.mjs';

const bytes = (...values) => Buffer.from(values.flat());
const PUBLISH_OK = bytes(0x30, 0x05, 0x00, 0x02, ...Buffer.from('okx')); // QoS 0 'ok' ← "x"

// [name, what the broker sends after CONNACK, expected code (null: survived), message pattern]
const CLASSES = [
  ['a remaining length with 5 continuation bytes', (ws) => ws.send(bytes(0x30, 0xff, 0xff, 0xff, 0xff, 0x7f)), 'ERR_PROTOCOL', /malformed.*remaining length/i],
  ['reserved flag bits set (PUBACK with flags 0001)', (ws) => ws.send(bytes(0x41, 0x02, 0x00, 0x01)), 'ERR_PROTOCOL', /malformed.*flag/i],
  ['a topic that is not UTF-8', (ws) => ws.send(bytes(0x30, 0x05, 0x00, 0x02, 0xc3, 0x28, 0x78)), 'ERR_PROTOCOL', /UTF-8/],
  ['packet type 0', (ws) => ws.send(bytes(0x00, 0x00)), 'ERR_PROTOCOL', /malformed.*(type|reserved)/i],
  ['a second CONNACK', (ws) => ws.send(CONNACK_311), 'ERR_PROTOCOL', /unexpected ConnAck/i],
  ['PUBLISH with QoS 3', (ws) => ws.send(bytes(0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01)), 'ERR_PROTOCOL', /QoS/],
  ['a text frame', (ws) => ws.send('not MQTT'), 'ERR_PROTOCOL', /not MQTT.*text frame/i],
  // Announced but never sent: nothing is allocated for it; keepalive notices the silence.
  ['a 256 MB remaining-length header, then silence', (ws) => ws.send(bytes(0x30, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x01, 0x61)), 'ERR_TIMEOUT', /stopped answering pings/],
  ['a packet that never completes', (ws) => ws.send(bytes(0x30, 0x64, 0x00, 0x01, 0x61)), 'ERR_TIMEOUT', /stopped answering pings/],
  // A WebSocket frame header announcing 1000 bytes, of which 3 arrive.
  ['a WebSocket frame that never completes', (ws) => ws._socket.write(bytes(0x82, 0x7e, 0x03, 0xe8, 1, 2, 3)), 'ERR_TIMEOUT', /stopped answering pings/],
  // Acknowledgements for ids we never used are not errors: a broker resuming a session may
  // send stale ones. PUBREC is still answered (PUBREL), and the connection carries on.
  ['PUBACK for an unknown packet id', (ws) => ws.send(Buffer.concat([bytes(0x40, 0x02, 0x12, 0x34), PUBLISH_OK])), null],
  ['PUBREC for an unknown packet id', (ws) => ws.send(Buffer.concat([bytes(0x50, 0x02, 0x12, 0x34), PUBLISH_OK])), null],
  ['PUBCOMP for an unknown packet id', (ws) => ws.send(Buffer.concat([bytes(0x70, 0x02, 0x12, 0x34), PUBLISH_OK])), null],
];

describe('a hostile or broken broker', () => {
  const fixture = browserAndSite();

  for (const [name, attack, code, pattern] of CLASSES) {
    test(`${name}: ${code ? `${code}, then a reconnect` : 'survived, the connection carries on'}`, async () => {
      const fromClient = [];
      const broker = await startScriptedBroker((ws, index) => {
        ws.on('message', (data) => fromClient.push(Buffer.from(data)));
        ws.send(CONNACK_311);
        if (index === 0) attack(ws);
      });
      const page = await openLibraryPage(fixture.browser, fixture.site);
      try {
        await installTracker(page);
        await page.evaluate(() => {
          window.rejections = [];
          window.addEventListener('unhandledrejection', (e) => rejections.push(String(e.reason)));
        });
        const memoryBefore = totalBytes(await pageMemory(page));
        await page.evaluate(async (url) => {
          window.got = [];
          const client = track('c', lib.connect(url, { keepalive: 2, reconnect: { initialDelay: 200, maxDelay: 500 } }));
          client.on('message', (topic, payload) => got.push([topic, payload.text()]));
          window.c = client;
          window.firstError = new Promise((resolve) => client.once('error', (e) => resolve({ code: e.code, message: e.message })));
        }, broker.url);
        if (code) {
          const error = await page.evaluate(() => firstError);
          assert.equal(error.code, code, error.message);
          assert.match(error.message, pattern);
          await waitForEvent(page, 'c', 'connect', { count: 2, timeoutMs: 10000 });
          record(`hostile: ${name}`, { code: error.code, message: error.message });
        } else {
          await waitForEvent(page, 'c', 'connect');
          await page.waitForFunction(() => got.length === 1, null, { timeout: 5000 });
          assert.deepEqual(await page.evaluate(() => got), [['ok', 'x']]);
          const errors = await page.evaluate(() => tracks.c.filter((e) => e.name === 'error' || e.name === 'close'));
          assert.deepEqual(errors, [], 'the connection stays up');
          if (name.startsWith('PUBREC')) {
            assert.ok(fromClient.some((b) => b.equals(bytes(0x62, 0x02, 0x12, 0x34))), 'PUBREC is answered with PUBREL');
          }
          record(`hostile: ${name}`, { survived: true });
        }
        const grownBytes = totalBytes(await pageMemory(page)) - memoryBefore;
        assert.ok(grownBytes < 16 * 1024 * 1024, `memory grew by ${grownBytes} bytes`);
        assert.deepEqual(page.errors, [], 'uncaught exceptions in the page');
        assert.deepEqual(await page.evaluate(() => rejections), [], 'unhandled rejections in the page');
      } finally {
        await page.evaluate(() => window.c?.end()).catch(() => {});
        await page.close();
        await broker.stop();
      }
    });
  }
});

describe('a hostile broker seen from the demo page and from a Scratch project', () => {
  // A 5-byte remaining length on the first connection; well behaved on the next ones.
  const attack = (ws, index, connect) => {
    ws.send(connackFor(Buffer.from(connect)));
    if (index === 0) ws.send(bytes(0x30, 0xff, 0xff, 0xff, 0xff, 0x7f));
  };
  let site;
  let browser;
  before(async () => {
    site = await startSite({ extraMounts: { '/vm-host/': path.join(ROOT, 'tests', 'scratch', 'page') } });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
  });

  test('the demo page names the error, reconnects, and nothing is uncaught', async () => {
    const broker = await startScriptedBroker(attack);
    const page = await browser.newPage();
    try {
      await page.goto(`${site.url}?lang=en&protocol=4&url=${encodeURIComponent(broker.url)}`);
      await page.waitForSelector('body[data-ready="true"]');
      await page.click('[data-testid="connect"]');
      await page.waitForSelector('[data-testid="error"][data-code="ERR_PROTOCOL"]:not([hidden])');
      await page.waitForSelector('[data-testid="status"][data-state="connected"]');
      assert.deepEqual(page.errors, []);
    } finally {
      await page.close();
      await broker.stop();
    }
  });

  test('a Scratch project shows it in connection status, reconnects, and nothing is thrown into the VM', async () => {
    const { ProjectBuilder, b } = await import('../../harness/scratch-project.mjs');
    const broker = await startScriptedBroker(attack);
    const p = new ProjectBuilder({ extensions: ['mqtt'] });
    p.script([b.greenFlag(), b.connect(broker.url, '', ''), b.forever([b.setVar('status', b.status())])]);
    const page = await browser.newPage();
    try {
      await page.route('**/vm-host/scratch-vm.js', (route) => route.fulfill({ path: path.join(ROOT, 'node_modules', 'scratch-vm', 'dist', 'web', 'scratch-vm.js') }));
      await page.goto(`${site.url}vm-host/index.html`);
      await page.evaluate(() => {
        window.statuses = new Set();
      });
      await page.evaluate(([url, json]) => window.boot('unsandboxed', url, json), [`${site.url}dist/scratch-mqtt-extension.js`, JSON.stringify(p.toJSON())]);
      await page.waitForFunction(() => {
        const status = window.stageValue('var-status');
        if (status) window.statuses.add(status);
        return [...window.statuses].some((s) => /MQTT does not allow/.test(s)) && status === 'connected';
      }, null, { timeout: 20000, polling: 10 });
      const seen = await page.evaluate(() => [...window.statuses]);
      assert.ok(seen.some((s) => s.startsWith('connection lost, reconnecting (the broker sent something MQTT does not allow)')), JSON.stringify(seen));
      assert.deepEqual(page.errors, []);
    } finally {
      await page.close();
      await broker.stop();
    }
  });
});
