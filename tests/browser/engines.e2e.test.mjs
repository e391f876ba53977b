// The page API (dist/scratch-mqtt.bundle.js and the classic dist/scratch-mqtt.global.js) in the
// other two browser engines, Firefox ESR and WebKitGTK (Safari's engine, the one of every iPad
// browser), driven through WebDriver (selenium-webdriver against geckodriver and WebKitWebDriver,
// harness/engines.mjs), against mosquitto with Python paho-mqtt peers; and the Scratch
// extension in scratch-vm 5.0.300 in each. Chromium runs the same API in bundle.e2e.test.mjs and
// the VMs in tests/scratch/; the Rust shell runs in all three in tests/browser/wasm-tests.mjs.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Builder } from 'selenium-webdriver';
import { libraryBuilt, LIBRARY, ROOT, startSite } from '../../harness/browser.mjs';
import { startMosquitto } from '../../harness/brokers.mjs';
import { countingPublisher, mosquittoSub, pahoPub } from '../../harness/peers.mjs';
import { ProjectBuilder, b } from '../../harness/scratch-project.mjs';
import { startWebDriver } from '../../harness/engines.mjs';
import { runCleanups } from '../../harness/cleanup.mjs';

let broker;
let site;
let blank;
/** The VM host page (tests/scratch/page) beside scratch-vm's web build, as one folder. */
let vmHost;
const BURST = 100;

before(async () => {
  assert.ok(libraryBuilt(), `${path.relative(ROOT, LIBRARY)} is missing: run \`npm run build\` first`);
  broker = await startMosquitto();
  blank = fs.mkdtempSync(path.join(os.tmpdir(), 'smq-blank-'));
  fs.writeFileSync(path.join(blank, 'index.html'), '<!doctype html><meta charset="utf-8"><title>blank</title>');
  vmHost = fs.mkdtempSync(path.join(os.tmpdir(), 'smq-vm-host-'));
  for (const f of fs.readdirSync(path.join(ROOT, 'tests', 'scratch', 'page'))) {
    fs.symlinkSync(path.join(ROOT, 'tests', 'scratch', 'page', f), path.join(vmHost, f));
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules', 'scratch-vm', 'dist', 'web', 'scratch-vm.js'), path.join(vmHost, 'scratch-vm.js'));
  site = await startSite({ extraMounts: { '/blank/': blank, '/vm-host/': vmHost } });
});

after(async () => {
  await site?.close();
  await broker?.stop();
  for (const dir of [blank, vmHost]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
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

    test(`the Scratch extension in scratch-vm: ${BURST} messages run the hat ${BURST} times in order; Chinese round trip`, async () => {
      const p = new ProjectBuilder({ extensions: ['mqtt'] });
      p.script([b.greenFlag(), b.connect(broker.wsUrl), b.subscribe(`vm/${engine}/#`, '1'), b.setVar('ready', { block: { opcode: 'mqtt_isConnected' } })]);
      p.script([b.whenMessage(`vm/${engine}/burst`), b.addToList('burst', b.message())]);
      p.script([b.whenMessage(`vm/${engine}/zh`), b.publishWith(b.message(), `vm/${engine}/echo`, '1', 'false')]);
      await driver.get(`${site.url}vm-host/index.html`);
      await inPage(driver, `await window.boot('unsandboxed', '${site.url}dist/scratch-mqtt-extension.js', ${JSON.stringify(JSON.stringify(p.toJSON()))}); return true;`);
      const stage = (id) => driver.executeScript(`return window.stageValue(${JSON.stringify(id)})`);
      await driver.wait(async () => (await stage('var-ready')) === true, 20000);
      await countingPublisher(broker, { topic: `vm/${engine}/burst`, qos: 1, count: BURST }).done;
      await driver.wait(async () => ((await stage('list-burst')) ?? []).length >= BURST, 20000);
      assert.deepEqual(await stage('list-burst'), Array.from({ length: BURST }, (_, i) => String(i)));
      const echo = mosquittoSub(broker, { topics: [`vm/${engine}/echo`], count: 1 });
      await echo.ready;
      await pahoPub(broker, { topic: `vm/${engine}/zh`, payload: '你好，Scratch 🐱', qos: 1 });
      const [back] = await echo.messages;
      assert.equal(back.payload.toString('utf8'), '你好，Scratch 🐱');
    });

    test('imported from another realm (WebDriver\'s own script realm), the library still receives', async () => {
      // In Firefox, a WebDriver script's realm is not the page's: a frame's ArrayBuffer there is
      // not `instanceof` the module's ArrayBuffer. Every frame used to end as ERR_PROTOCOL.
      await driver.get(`${site.url}blank/`);
      const result = await driver.executeAsyncScript(
        `const done = arguments[arguments.length - 1];
        (async () => {
          const lib = await import('/dist/scratch-mqtt.bundle.js');
          const client = await lib.connectAsync(arguments[0], { protocolVersion: 4 });
          const got = new Promise((resolve) => client.once('message', (topic, payload) => resolve(payload.text())));
          await client.subscribeAsync('engines/realm', { qos: 1 });
          await client.publishAsync('engines/realm', 'across realms', { qos: 1 });
          const text = await got;
          await client.endAsync();
          return text;
        })().then((value) => done({ value }), (error) => done({ thrown: String(error?.code ?? '') + ' ' + String(error?.message ?? error) }));`,
        broker.wsUrl,
      );
      assert.deepEqual(result, { value: 'across realms' });
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
