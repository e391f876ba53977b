// The demo console's "Check this broker" button (www/check-panel.js): the same battery as the
// command line, run in the page against the form's broker, rows listed as they are decided, in
// the page's language. Against real mosquitto with credentials, and a wrong path, which a page
// alone can only call "could not open" (the command line explains it from Node).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startMosquitto, TEST_USERS } from '../../harness/brokers.mjs';
import { startPathOnlyServer } from '../../harness/fake-brokers.mjs';
import { launchBrowser, libraryBuilt, screenshotPath, startSite } from '../../harness/browser.mjs';
import { say } from '../../js/check/sentences.js';

const skip = libraryBuilt() ? false : 'the library is not built (npm run build)';
/** Far above a run's length; only a hang reaches it. */
const RUN_LIMIT_MS = 60000;

describe('the demo console runs the broker check', { skip }, () => {
  let broker;
  let site;
  let browser;
  before(async () => {
    broker = await startMosquitto({ users: TEST_USERS });
    site = await startSite();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await broker?.stop();
  });

  /** Opens the console with the form filled in, clicks the button, resolves with the rows shown. */
  async function checkFromPage(query) {
    const page = await browser.newPage();
    await page.goto(`${site.url}?${new URLSearchParams(query)}`);
    await page.waitForFunction(() => document.body.dataset.ready === 'true');
    assert.equal(await page.isEnabled('[data-testid=check]'), true);
    await page.click('[data-testid=check]');
    await page.waitForFunction(() => document.getElementById('check-panel').dataset.state === 'done', null, { timeout: RUN_LIMIT_MS });
    const rows = await page.$$eval('[data-testid=check-rows] li', (items) =>
      items.map((li) => ({
        id: li.dataset.row,
        status: li.dataset.status,
        mark: li.querySelector('.check-mark').textContent,
        title: li.querySelector('.check-title').textContent,
        text: li.querySelector('.check-text').textContent,
      })),
    );
    return { page, rows: Object.fromEntries(rows.map((row) => [row.id, row])), list: rows };
  }

  test('guest/test on local mosquitto: every row ✔ but TLS (ws://), in English, then in Chinese', async () => {
    const { page, rows, list } = await checkFromPage({ url: `${broker.wsUrl}mqtt`, username: 'guest', password: 'test', lang: 'en' });
    try {
      assert.equal(list.length, 16);
      for (const row of list) assert.equal(row.status, row.id === 'tls' ? 'skip' : 'pass', `${row.id}: ${row.text}`);
      assert.equal(rows.websocket.mark, '✔');
      assert.equal(rows.credentials.text, 'user guest accepted');
      assert.equal(rows.tls.mark, '–');
      assert.match(await page.textContent('[data-testid=check-summary]'), /^15 passed, 0 failed, 1 not run · [\d.]+ s — Everything passed/);
      await page.screenshot({ path: screenshotPath('check-panel-en'), fullPage: true });

      await page.click('[data-testid=lang-toggle]');
      assert.equal(await page.textContent('[data-testid=check]'), '检查这个服务器');
      assert.equal(await page.textContent('[data-row=credentials] .check-title'), '用户名和密码');
      assert.equal(await page.textContent('[data-row=credentials] .check-text'), '用户 guest 已被接受');
      assert.match(await page.textContent('[data-testid=check-summary]'), /^通过 15 项，失败 0 项，未运行 1 项/);
      assert.deepEqual(page.errors, []);
    } finally {
      await page.close();
    }
  });

  test('a wrong path: the WebSocket row ✘ with the page\'s own sentence, the rest not run', async () => {
    const server = await startPathOnlyServer({ path: '/mqtt' });
    const url = server.url('/');
    const { page, rows } = await checkFromPage({ url, lang: 'en' });
    try {
      assert.equal(rows.websocket.status, 'fail');
      assert.equal(rows.websocket.mark, '✘');
      assert.equal(rows.websocket.text, say('en', 'fail.ws.browser', { url }));
      assert.equal(rows.qos1.status, 'skip');
      assert.match(await page.textContent('[data-testid=check-summary]'), /^0 passed, 1 failed, 15 not run · [\d.]+ s — Something to fix/);
    } finally {
      await page.close();
      await server.stop();
    }
  });
});
