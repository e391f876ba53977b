// The demo console without a broker: it renders in both languages, every visible string has a
// Chinese translation, the language toggle works, and a missing library is said in words.
// Screenshots land in test-results/screenshots/.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, launchBrowser, libraryBuilt, screenshotPath, startSite } from '../../harness/browser.mjs';
import { STRINGS } from '../../www/i18n.js';

const STATES = ['disconnected', 'connecting', 'connected', 'reconnecting', 'offline', 'unavailable'];
// The same in both languages on purpose.
const SAME_IN_BOTH = new Set(['sub.granted']);

describe('translations', () => {
  const en = STRINGS.en;
  const zh = STRINGS['zh-CN'];

  test('English and Chinese have the same keys, and no Chinese string is left in English', () => {
    assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
    for (const [key, text] of Object.entries(zh)) {
      assert.ok(text.trim(), `zh-CN ${key} is empty`);
      if (!SAME_IN_BOTH.has(key)) assert.notEqual(text, en[key], `zh-CN ${key} is still English`);
      const holes = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      assert.deepEqual(holes(text), holes(en[key]), `zh-CN ${key} has other placeholders`);
    }
  });

  test('every key the page and the script use exists', () => {
    const html = fs.readFileSync(path.join(ROOT, 'www/index.html'), 'utf8');
    const js = fs.readFileSync(path.join(ROOT, 'www/app.js'), 'utf8');
    const used = new Set([
      ...[...html.matchAll(/data-i18n(?:-placeholder|-title|-aria-label)?="([^"]+)"/g)].map((m) => m[1]),
      ...[...js.matchAll(/\bt\('([^']+)'/g)].map((m) => m[1]),
      ...[...js.matchAll(/(?:showError|titleKey)\('([^']+)'/g)].map((m) => m[1]),
      ...STATES.map((s) => `state.${s}`),
    ]);
    for (const key of used) assert.ok(Object.hasOwn(STRINGS.en, key), `missing string: ${key}`);
  });
});

describe('the demo page in Chromium', () => {
  let site;
  let browser;
  before(async () => {
    site = await startSite();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
  });

  async function open(locale, query = '', viewport) {
    await browser?.close();
    browser = await launchBrowser({ locale, ...(viewport ? { viewport } : {}) });
    const page = await browser.newPage();
    await page.goto(`${site.url}${query}`);
    await page.waitForSelector('body[data-ready="true"]');
    return page;
  }

  test('renders in English for an English browser', async () => {
    const page = await open('en-US');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal(await page.textContent('#conn-title'), 'Connection');
    assert.equal(await page.textContent('[data-testid="connect"]'), 'Connect');
    assert.deepEqual(page.errors, []);
    await page.screenshot({ path: screenshotPath('demo-page-en'), fullPage: true });
  });

  test('renders in Chinese for a Chinese browser, and the toggle switches and is remembered', async () => {
    const page = await open('zh-CN');
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
    assert.equal(await page.textContent('#conn-title'), '连接');
    assert.equal(await page.textContent('[data-testid="publish"]'), '发布');
    assert.equal(await page.getAttribute('#username', 'placeholder'), '可选');
    await page.screenshot({ path: screenshotPath('demo-page-zh'), fullPage: true });

    // No element marked for translation shows an English string while the page is in Chinese.
    const untranslated = await page.$$eval('[data-i18n]', (els) =>
      els.filter((el) => /[A-Za-z]{4,}/.test(el.textContent) && !/npm|MQTT|WebSocket|CodeLab|QoS|Rust|WebAssembly/.test(el.textContent)).map((el) => el.dataset.i18n),
    );
    assert.deepEqual(untranslated, []);

    await page.click('[data-testid="lang-toggle"]');
    assert.equal(await page.textContent('#conn-title'), 'Connection');
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.textContent('#conn-title'), 'Connection', 'the choice survives a reload');
    assert.deepEqual(page.errors, []);
  });

  test('fills the form from the URL query', async () => {
    const page = await open('en-US', '?url=ws%3A%2F%2F127.0.0.1%3A9%2Fmqtt&username=guest&password=test&protocol=5&lang=zh-CN');
    assert.equal(await page.inputValue('[data-testid="url"]'), 'ws://127.0.0.1:9/mqtt');
    assert.equal(await page.inputValue('[data-testid="username"]'), 'guest');
    assert.equal(await page.inputValue('[data-testid="password"]'), 'test');
    assert.equal(await page.inputValue('[data-testid="protocol"]'), '5');
    assert.equal(await page.inputValue('[data-testid="preset"]'), 'custom');
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  });

  test('presets fill in the CodeLab broker and its public login', async () => {
    const page = await open('en-US');
    await page.selectOption('[data-testid="preset"]', 'codelab');
    assert.equal(await page.inputValue('[data-testid="url"]'), 'wss://mqtt.longan.link:8084/mqtt');
    assert.equal(await page.inputValue('[data-testid="username"]'), 'guest');
  });

  test('says so in words when the library is missing, and enables Connect when it is there', async () => {
    const page = await open('en-US');
    const missing = !libraryBuilt();
    assert.equal(await page.isVisible('[data-testid="lib-missing"]'), missing);
    assert.equal(await page.isDisabled('[data-testid="connect"]'), missing);
    assert.equal(await page.getAttribute('[data-testid="status"]', 'data-state'), missing ? 'unavailable' : 'disconnected');
    assert.equal(await page.isDisabled('[data-testid="publish"]'), true, 'nothing to publish on before connecting');
  });

  test('fits a phone screen', async () => {
    const page = await open('zh-CN', '', { width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
    await page.screenshot({ path: screenshotPath('demo-page-phone-zh'), fullPage: true });
  });
});
