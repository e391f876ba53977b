// Security (RELIABILITY.md, promise 6): a password never shows — not in the console, in errors,
// in `connection status` or in the demo page's DOM; what we ship has no eval; the demo page
// runs under its own Content-Security-Policy; ws:// from an https page is ERR_MIXED_CONTENT.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, launchBrowser, startSite } from '../../harness/browser.mjs';
import { startMosquitto } from '../../harness/brokers.mjs';
import { selfSignedCertificate } from '../../harness/certificates.mjs';
import { MqttBlocks } from '../../js/extension/blocks.js';
import { StubRuntime } from '../scratch/stub-runtime.mjs';
import { nodeClient } from '../../harness/node-client.mjs';
import { openLibraryPage, requireLibrary, startBlankSite } from './support.mjs';

const SECRET = 's3cr3t-Pw';

/** Every file we ship or serve to a browser: the library, the extension, the demo page. */
function shippedScripts() {
  const files = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(m?js|html)$/.test(entry.name)) files.push(full);
    }
  };
  walk(path.join(ROOT, 'dist'));
  walk(path.join(ROOT, 'www'));
  return files;
}

describe('security', () => {
  before(() => requireLibrary());

  test('no eval, new Function or string timers in anything we ship', () => {
    const forbidden = [
      [/(?<![\w$.])eval\s*\(/, 'eval('],
      [/\bnew\s+Function\s*\(/, 'new Function('],
      [/(?<![\w$.])Function\s*\(\s*['"`]/, 'Function("…")'],
      [/\bset(?:Timeout|Interval)\s*\(\s*['"`]/, 'a timer given a string'],
    ];
    const files = shippedScripts();
    assert.ok(files.length >= 8, `only ${files.length} files found`);
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      for (const [pattern, what] of forbidden) {
        const hit = text.match(pattern);
        assert.equal(hit, null, `${path.relative(ROOT, file)} contains ${what}: …${hit && text.slice(hit.index - 40, hit.index + 40)}…`);
      }
    }
  });

  describe('with one password used throughout, it never shows', () => {
    let broker;
    let site;
    let browser;
    before(async () => {
      broker = await startMosquitto({ users: { guest: SECRET } });
      site = await startSite();
      browser = await launchBrowser();
    });
    after(async () => {
      await browser?.close();
      await site?.close();
      await broker?.stop();
    });

    test('the demo page: a URL with the password in it, a wrong login, the right one — console, errors and DOM stay clean', async () => {
      const page = await browser.newPage();
      const consoleText = [];
      page.on('console', (message) => consoleText.push(message.text()));
      const violations = [];
      await page.exposeFunction('reportViolation', (directive) => violations.push(directive));
      await page.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (e) => window.reportViolation(e.effectiveDirective));
      });
      const seen = [];
      const snapshot = async (step) => {
        const dom = await page.evaluate(() => document.documentElement.outerHTML + document.body.innerText);
        seen.push([step, dom]);
      };
      try {
        await page.goto(`${site.url}?lang=en`);
        await page.waitForSelector('body[data-ready="true"]');
        // 1. The password typed into the URL, in a URL the browser cannot parse.
        await page.fill('[data-testid="url"]', `ws//guest:${SECRET}@127.0.0.1:${broker.wsPort}/`);
        await page.click('[data-testid="connect"]');
        await page.waitForSelector('[data-testid="error"]:not([hidden])');
        await snapshot('bad URL');
        // 2. The right URL, a wrong password.
        await page.fill('[data-testid="url"]', broker.wsUrl);
        await page.fill('[data-testid="username"]', 'guest');
        await page.fill('[data-testid="password"]', `${SECRET}-wrong`);
        await page.click('[data-testid="connect"]');
        await page.waitForSelector('[data-testid="error"][data-code="ERR_NOT_AUTHORIZED"]:not([hidden])');
        await snapshot('wrong password');
        // 3. The right login: connected, a message both ways, disconnected.
        await page.fill('[data-testid="password"]', SECRET);
        await page.click('[data-testid="connect"]');
        await page.waitForSelector('[data-testid="status"][data-state="connected"]');
        await page.fill('[data-testid="sub-topic"]', 'secure/#');
        await page.click('[data-testid="subscribe"]');
        await page.fill('[data-testid="pub-topic"]', 'secure/echo');
        await page.fill('[data-testid="pub-payload"]', 'hello');
        await page.click('[data-testid="publish"]');
        await page.locator('tr[data-direction="in"][data-topic="secure/echo"]').waitFor();
        await snapshot('connected');
        await page.click('[data-testid="disconnect"]');
        await snapshot('disconnected');
        for (const [step, dom] of seen) assert.ok(!dom.includes(SECRET), `the password is in the DOM after: ${step}`);
        const leaked = consoleText.filter((line) => line.includes(SECRET));
        assert.deepEqual(leaked, [], 'the password is in the console');
        assert.deepEqual(page.errors, []);
        assert.deepEqual(violations, [], 'the demo page broke its own Content-Security-Policy');
        const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
        assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
        assert.doesNotMatch(csp, /'unsafe-eval'|'unsafe-inline'/);
      } finally {
        await page.close();
      }
    });

    test('the Scratch extension: connection status after a bad URL and a wrong password never shows it', async () => {
      const client = await nodeClient();
      const statuses = [];
      for (const locale of ['en', 'zh-cn']) {
        const mqtt = new MqttBlocks(new StubRuntime(), { client, getLocale: () => locale });
        await mqtt.connect({ URL: `ws//guest:${SECRET}@127.0.0.1:${broker.wsPort}/`, USER: '', PASS: '' });
        statuses.push(mqtt.status());
        await mqtt.connect({ URL: broker.wsUrl, USER: 'guest', PASS: `${SECRET}-wrong` });
        statuses.push(mqtt.status());
        await mqtt.connect({ URL: `ws://guest:${SECRET}-wrong@127.0.0.1:${broker.wsPort}/`, USER: '', PASS: '' });
        statuses.push(mqtt.status());
        await mqtt.disconnect();
      }
      assert.equal(statuses.length, 6);
      for (const status of statuses) assert.ok(!status.includes(SECRET), status);
      assert.match(statuses[1], /wrong user name or password|not authorized/);
    });
  });

  test('ws:// to another host from an https page is ERR_MIXED_CONTENT, said plainly; loopback is allowed', async () => {
    const certificate = selfSignedCertificate({ commonName: '127.0.0.1' });
    const site = await startBlankSite({ tls: { key: certificate.key, cert: certificate.cert } });
    const browser = await launchBrowser({ ignoreHTTPSErrors: true });
    try {
      assert.match(site.url, /^https:/);
      const page = await openLibraryPage(browser, site);
      const result = await page.evaluate(() => {
        const attempt = (url) => {
          try {
            const client = lib.connect(url, { reconnect: false });
            client.end();
            return 'accepted';
          } catch (error) {
            return { code: error.code, message: error.message };
          }
        };
        return {
          protocol: location.protocol,
          remote: attempt('ws://broker.example.org:8083/mqtt'),
          loopback: attempt('ws://127.0.0.1:9/mqtt'),
          secure: attempt('wss://broker.example.org:8084/mqtt'),
        };
      });
      assert.equal(result.protocol, 'https:');
      assert.equal(result.remote.code, 'ERR_MIXED_CONTENT');
      assert.match(result.remote.message, /https.*wss:\/\//);
      assert.equal(result.loopback, 'accepted');
      assert.equal(result.secure, 'accepted');
    } finally {
      await browser.close();
      await site.close();
      certificate.remove();
    }
  });
});
