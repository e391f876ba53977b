// The page API (dist/scratch-mqtt.bundle.js and the classic dist/scratch-mqtt.global.js) in the
// other two browser engines, Firefox ESR and WebKitGTK (Safari's engine, the one of every iPad
// browser), driven through WebDriver (selenium-webdriver against geckodriver and WebKitWebDriver,
// tests/support/engines.mjs), against mosquitto with a Python paho-mqtt peer. Chromium runs the
// same API in bundle.e2e.test.mjs; the Rust shell runs in all three in tests/browser/wasm-tests.mjs.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Builder } from 'selenium-webdriver';
import { libraryBuilt, LIBRARY, ROOT, startSite } from './harness.mjs';
import { startMosquitto } from '../support/brokers.mjs';
import { pahoPub } from '../support/peers.mjs';
import { startWebDriver } from '../support/engines.mjs';
import { runCleanups } from '../support/cleanup.mjs';

let broker;
let site;
let blank;

before(async () => {
  assert.ok(libraryBuilt(), `${path.relative(ROOT, LIBRARY)} is missing: run \`npm run build\` first`);
  broker = await startMosquitto();
  blank = fs.mkdtempSync(path.join(os.tmpdir(), 'smq-blank-'));
  fs.writeFileSync(path.join(blank, 'index.html'), '<!doctype html><meta charset="utf-8"><title>blank</title>');
  site = await startSite({ extraMounts: { '/blank/': blank } });
});

after(async () => {
  await site?.close();
  await broker?.stop();
  if (blank) fs.rmSync(blank, { recursive: true, force: true });
  await runCleanups();
});

/**
 * Runs `body` (an async function body) as a module script of the page itself, as a page's own
 * code runs (WebDriver's scripts run in a realm of their own: in Firefox, an ArrayBuffer of the
 * page is not `instanceof` theirs). Resolves with its result; fails the test with what it threw.
 */
async function inPage(driver, body) {
  await driver.executeScript(
    `delete window.smqResult;
    const script = document.createElement('script');
    script.type = 'module';
    script.textContent = arguments[0];
    document.head.append(script);`,
    `(async () => { ${body} })().then((value) => { window.smqResult = { value }; }, (error) => { window.smqResult = { thrown: String(error?.code ?? '') + ' ' + String(error?.stack ?? error) }; });`,
  );
  await driver.wait(() => driver.executeScript('return window.smqResult !== undefined'), 30000);
  const result = await driver.executeScript('return window.smqResult');
  assert.equal(result.thrown, undefined, result.thrown);
  return result.value;
}

for (const engine of ['firefox', 'webkit']) {
  describe(`the page API in ${engine === 'firefox' ? 'Firefox ESR' : 'WebKitGTK'}`, () => {
    let server;
    let driver;
    before(async () => {
      server = await startWebDriver(engine);
      driver = await new Builder().usingServer(server.url).withCapabilities(server.capabilities).build();
    });
    after(async () => {
      await driver?.quit().catch(() => {});
      await server?.stop();
    });

    test('the ES module bundle: QoS 0/1/2 through a wildcard, MQTT.js callbacks, Chinese from a Python peer, hex payloads, end', async () => {
      await driver.get(`${site.url}blank/`);
      await driver.executeScript(`window.received = [];`);
      const setup = await inPage(
        driver,
        `const lib = await import('/dist/scratch-mqtt.bundle.js');
        const client = await lib.connectAsync(${JSON.stringify(broker.wsUrl)}, { protocolVersion: 5 });
        window.client = client;
        client.on('message', (topic, payload, packet) => window.received.push([topic, payload.text(), payload.toString('hex'), packet.qos]));
        const granted = await new Promise((resolve, reject) => client.subscribe({ 'engines/#': { qos: 2 } }, (error, list) => (error ? reject(error) : resolve(list))));
        const calls = [];
        for (const qos of [0, 1, 2]) await new Promise((resolve) => client.publish('engines/' + qos, 'q' + qos, { qos }, (error) => { calls.push(error); resolve(); }));
        return { granted, calls, version: lib.version(), connected: client.connected, timerInWorker: client.options.protocolVersion };`,
      );
      assert.deepEqual(setup.granted, [{ topic: 'engines/#', qos: 2 }]);
      assert.deepEqual(setup.calls, [null, null, null], 'each callback once, without error');
      assert.equal(setup.connected, true);
      await pahoPub(broker, { topic: 'engines/zh', payload: '你好，Safari 和 Firefox', qos: 1 });
      await driver.wait(async () => (await driver.executeScript('return window.received.length')) >= 4, 10000);
      const received = await driver.executeScript('return window.received');
      assert.deepEqual(received.slice(0, 3), [
        ['engines/0', 'q0', '7130', 0],
        ['engines/1', 'q1', '7131', 1],
        ['engines/2', 'q2', '7132', 2],
      ]);
      assert.equal(received[3][0], 'engines/zh');
      assert.equal(received[3][1], '你好，Safari 和 Firefox');
      assert.equal(received[3][3], 1);
      const ended = await inPage(driver, `await window.client.endAsync(); return window.client.connected;`);
      assert.equal(ended, false);
    });

    test('the classic script defines ScratchMQTT and a bad URL is a clear error', async () => {
      await driver.get(`${site.url}blank/`);
      const result = await inPage(
        driver,
        `await new Promise((resolve, reject) => {
          const s = document.createElement('script');
          s.src = '/dist/scratch-mqtt.global.js';
          s.onload = resolve;
          s.onerror = () => reject(new Error('the classic script did not load'));
          document.head.append(s);
        });
        const client = await ScratchMQTT.connectAsync(${JSON.stringify(broker.wsUrl)});
        await client.publishAsync('engines/global', 'x', { qos: 1 });
        await client.endAsync();
        let code;
        try { await ScratchMQTT.connectAsync('http//nowhere'); } catch (error) { code = error.code; }
        return code;`,
      );
      assert.equal(result, 'ERR_BAD_URL');
    });
  });
}
