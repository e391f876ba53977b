// The demo console end to end, as a person would use it: connect through the form, subscribe,
// receive from peers nobody here wrote (mosquitto_pub, Eclipse Paho, MQTT.js), publish back to
// them, through real mosquitto and aedes brokers. Shared by demo.e2e.test.mjs (the real library
// in dist/).

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMosquitto, startAedes, TEST_USERS } from '../../harness/brokers.mjs';
import { mosquittoPub, mosquittoSub, pahoPub, pahoSub, mqttjsPeer } from '../../harness/peers.mjs';
import { launchBrowser, screenshotPath, startSite } from '../../harness/browser.mjs';

export const CHINESE = '你好，Scratch！温度 23.5°C';
export const BINARY = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x0d, 0x0a, 0x7f, 0xc3, 0x28]);
export const HOSTILE = '<img src=x onerror=alert(1)>';
const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');

/**
 * Registers the scenarios as node:test suites.
 * @param {object} o
 * @param {string} o.label   shown in test names and screenshot names
 * @param {Record<string,string>} [o.extraMounts]  passed to startSite (the stand-in replaces /dist/)
 */
export function demoScenarios({ label, extraMounts = {} }) {
  const brokers = [
    // mosquitto with a password file, spoken to in MQTT 5; aedes anonymous, in MQTT 3.1.1.
    { name: 'mosquitto', start: () => startMosquitto({ users: TEST_USERS }), protocol: 5, login: { username: 'guest', password: 'test' } },
    { name: 'aedes', start: () => startAedes(), protocol: 4, login: {} },
  ];

  for (const spec of brokers) {
    describe(`${label}: the demo page through ${spec.name}`, () => {
      let broker;
      let site;
      let browser;
      let page;
      const topic = (rest) => `e2e/${spec.name}/${rest}`;
      const row = (t) => page.locator(`tr[data-testid="message"][data-direction="in"][data-topic="${t}"]`);

      before(async () => {
        broker = await spec.start();
        site = await startSite({ extraMounts });
        browser = await launchBrowser();
        page = await browser.newPage();
      });
      after(async () => {
        await browser?.close();
        await site?.close();
        await broker?.stop();
      });

      async function openAndConnect(login = spec.login) {
        const q = new URLSearchParams({ url: broker.wsUrl, protocol: String(spec.protocol), lang: 'en' });
        if (login.username) q.set('username', login.username);
        if (login.password) q.set('password', login.password);
        await page.goto(`${site.url}?${q}`);
        await page.waitForSelector('body[data-ready="true"]');
        assert.equal(await page.isVisible('[data-testid="lib-missing"]'), false, 'the library did not load');
        await page.click('[data-testid="connect"]');
      }

      if (spec.name === 'mosquitto') {
        test('a wrong password is refused and said in words', async () => {
          await openAndConnect({ username: 'guest', password: 'not-the-password' });
          await page.waitForSelector('[data-testid="error"]:not([hidden])');
          assert.equal(await page.getAttribute('[data-testid="error"]', 'data-code'), 'ERR_NOT_AUTHORIZED');
          assert.match(await page.textContent('[data-testid="error"]'), /refused the login/);
          assert.equal(await page.getAttribute('[data-testid="status"]', 'data-state'), 'disconnected');
          assert.equal(await page.isEnabled('[data-testid="connect"]'), true, 'the user can try again');
        });
      }

      test('connects through the form and subscribes; a retained message arrives flagged', async () => {
        await mosquittoPub(broker, { topic: topic('retained'), payload: 'kept for late subscribers', retain: true, qos: 1 });
        await openAndConnect();
        await page.waitForSelector('[data-testid="status"][data-state="connected"]');
        await page.fill('[data-testid="sub-topic"]', `e2e/${spec.name}/#`);
        await page.selectOption('[data-testid="sub-qos"]', '1');
        await page.click('[data-testid="subscribe"]');
        await page.waitForSelector(`[data-testid="subscription"][data-topic="e2e/${spec.name}/#"][data-state="granted"]`);
        await row(topic('retained')).waitFor();
        assert.equal(await row(topic('retained')).locator('.payload-text').textContent(), 'kept for late subscribers');
        assert.equal(await row(topic('retained')).locator('[data-testid="retain"]').count(), 1);
        await mosquittoPub(broker, { topic: topic('retained'), payload: '', retain: true }); // clear it
      });

      test('shows Chinese text from mosquitto_pub intact', async () => {
        await mosquittoPub(broker, { topic: topic('zh'), payload: CHINESE, qos: 1 });
        await row(topic('zh')).waitFor();
        assert.equal(await row(topic('zh')).locator('.payload-text').textContent(), CHINESE);
        assert.equal(await row(topic('zh')).locator('.c-payload').getAttribute('data-binary'), 'false');
        assert.equal(await row(topic('zh')).locator('.c-qos').textContent(), '1');
      });

      test('shows a binary payload from Paho as exact hex', async () => {
        await pahoPub(broker, { topic: topic('bin'), payload: BINARY, qos: 1, transport: 'ws' });
        await row(topic('bin')).waitFor();
        assert.equal(await row(topic('bin')).locator('.c-payload').getAttribute('data-binary'), 'true');
        assert.equal(await row(topic('bin')).locator('.payload-hex').textContent(), hex(BINARY));
      });

      test('shows a hostile payload from MQTT.js as text, never as HTML', async () => {
        const js = await mqttjsPeer(broker, { transport: 'tcp' });
        try {
          await js.publish(topic('html'), HOSTILE, { qos: 1 });
        } finally {
          await js.end();
        }
        await row(topic('html')).waitFor();
        await page.waitForTimeout(300); // an onerror handler would have run by now
        assert.equal(await row(topic('html')).locator('.payload-text').textContent(), HOSTILE);
        assert.equal(await page.locator('.log img, .log script').count(), 0, 'the payload became an element');
        assert.deepEqual(page.dialogs, [], 'a dialog opened: the payload ran as script');
        assert.match(await row(topic('html')).locator('.payload-text').innerHTML(), /^&lt;img/);
      });

      test('publishes text and hex from the page to mosquitto_sub and Paho', async () => {
        const out = topic('out/page');
        const viaSub = mosquittoSub(broker, { topics: [topic('out/#')], count: 2, qos: 1 });
        const viaPaho = pahoSub(broker, { topics: [topic('out/#')], count: 2, qos: 1, transport: 'ws' });
        await Promise.all([viaSub.ready, viaPaho.ready]);

        await page.fill('[data-testid="pub-topic"]', out);
        await page.fill('[data-testid="pub-payload"]', CHINESE);
        await page.selectOption('[data-testid="pub-qos"]', '1');
        await page.click('[data-testid="publish"]');
        await page.locator(`tr[data-direction="out"][data-topic="${out}"]`).first().waitFor();

        await page.check('[data-testid="pub-format-hex"]', { force: true });
        await page.fill('[data-testid="pub-payload"]', hex(BINARY));
        await page.click('[data-testid="publish"]');

        for (const [who, messages] of [
          ['mosquitto_sub', viaSub.messages],
          ['paho', viaPaho.messages],
        ]) {
          const got = await messages;
          assert.deepEqual(got.map((m) => m.topic), [out, out], who);
          assert.equal(got[0].payload.toString('utf8'), CHINESE, who);
          assert.deepEqual(got[1].payload, BINARY, who);
          assert.equal(got[0].qos, 1, who);
        }
        await page.fill('[data-testid="pub-payload"]', '');
        await page.check('[data-testid="pub-format-text"]', { force: true });
      });

      test('switching Text and Hex converts the payload box; a bad filter gets the library\'s own explanation', async () => {
        await page.fill('[data-testid="pub-payload"]', 'Hi 猫');
        await page.check('[data-testid="pub-format-hex"]', { force: true });
        assert.equal(await page.inputValue('[data-testid="pub-payload"]'), '48 69 20 e7 8c ab');
        await page.check('[data-testid="pub-format-text"]', { force: true });
        assert.equal(await page.inputValue('[data-testid="pub-payload"]'), 'Hi 猫');
        // Bytes that are not UTF-8 stay in hex, and the page says why.
        await page.check('[data-testid="pub-format-hex"]', { force: true });
        await page.fill('[data-testid="pub-payload"]', 'ff 00');
        await page.click('[data-testid="pub-format-text"]', { force: true });
        assert.equal(await page.isChecked('[data-testid="pub-format-hex"]'), true);
        assert.equal(await page.inputValue('[data-testid="pub-payload"]'), 'ff 00');
        assert.match(await page.textContent('[data-testid="error"]'), /not UTF-8 text/);
        await page.fill('[data-testid="pub-payload"]', '');
        await page.check('[data-testid="pub-format-text"]', { force: true });

        await page.fill('[data-testid="sub-topic"]', 'a/#/b');
        await page.click('[data-testid="subscribe"]');
        await page.waitForSelector('[data-testid="error"][data-code="ERR_TOPIC_INVALID"]:not([hidden])');
        const library = await page.evaluate(async () => (await import('/dist/scratch-mqtt.js')).filterProblem('a/#/b'));
        assert.ok(library, 'the library finds a/#/b invalid');
        assert.ok((await page.textContent('[data-testid="error"]')).includes(library), 'the page explains it as the library does');
        // A later success clears the banner.
        await page.fill('[data-testid="sub-topic"]', topic('fine'));
        await page.click('[data-testid="subscribe"]');
        await page.waitForSelector('[data-testid="error"]', { state: 'hidden' });
        await page.click(`[data-testid="subscription"][data-topic="${topic('fine')}"] [data-testid="unsubscribe"]`);
        await page.waitForSelector(`[data-testid="subscription"][data-topic="${topic('fine')}"]`, { state: 'detached' });
        assert.match(await page.textContent('#lib-version'), /^v\d+\.\d+\.\d+/, 'the footer shows the version, not source code');
      });

      test('screenshots in English and Chinese; log rows follow the language', async () => {
        await page.evaluate(() => window.scrollTo(0, 0));
        await page.screenshot({ path: screenshotPath(`demo-${label}-${spec.name}-en`) });
        await page.click('[data-testid="lang-toggle"]');
        assert.match(await row(topic('zh')).locator('.payload-size').textContent(), /字节/, 'log rows follow the language');
        await page.screenshot({ path: screenshotPath(`demo-${label}-${spec.name}-zh`) });
        await page.click('[data-testid="lang-toggle"]');
        const size = page.viewportSize();
        await page.setViewportSize({ width: 390, height: 844 });
        await page.locator('.log-card').scrollIntoViewIfNeeded();
        await page.screenshot({ path: screenshotPath(`demo-${label}-${spec.name}-phone`) });
        await page.setViewportSize(size);
      });

      test('a firehose keeps the log at its last 500 rows and counts every message', async () => {
        const before = Number(await page.getAttribute('[data-testid="log-count"]', 'data-total'));
        const js = await mqttjsPeer(broker, { transport: 'tcp' });
        const n = 3000;
        try {
          for (let i = 0; i < n; i++) js.client.publish(topic('firehose'), `message ${i}`);
          await js.client.publishAsync(topic('firehose-done'), 'done', { qos: 1 });
        } finally {
          await js.end();
        }
        await page.waitForFunction(
          (want) => Number(document.querySelector('[data-testid="log-count"]').dataset.total) >= want,
          before + n + 1,
          { timeout: 20000 },
        );
        await row(topic('firehose-done')).waitFor();
        assert.equal(await page.locator('tr[data-testid="message"]').count(), 500);
        // Newest first, in order: the row under "done" is the last firehose message.
        const texts = await page.locator('tr[data-testid="message"] .payload-text').allTextContents();
        assert.deepEqual(texts.slice(0, 3), ['done', `message ${n - 1}`, `message ${n - 2}`]);
      });

      test('after unsubscribing, nothing more arrives', async () => {
        await page.click(`[data-testid="subscription"][data-topic="e2e/${spec.name}/#"] [data-testid="unsubscribe"]`);
        await page.waitForSelector('[data-testid="subscription"]', { state: 'detached' });
        const before = await page.locator('tr[data-direction="in"]').count();
        await mosquittoPub(broker, { topic: topic('after'), payload: 'too late', qos: 1 });
        await page.waitForTimeout(500);
        assert.equal(await page.locator('tr[data-direction="in"]').count(), before);
        await page.click('[data-testid="disconnect"]');
        await page.waitForSelector('[data-testid="status"][data-state="disconnected"]');
        assert.deepEqual(page.errors, [], 'uncaught errors in the page');
      });
    });
  }
}
