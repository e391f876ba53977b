// The timer under a strict Content-Security-Policy. `script-src 'self' 'wasm-unsafe-eval'`
// without `blob:` makes Chromium refuse the Blob-URL timer Worker without throwing: the client
// must notice that the Worker never answers and keep time on the main thread, or it never
// pings (the broker drops it), never times out a silent broker and never reconnects.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, LIBRARY, launchBrowser, libraryBuilt, startSite } from '../../harness/browser.mjs';
import { startMosquitto } from '../../harness/brokers.mjs';
import { startSilentBroker } from '../../harness/fake-brokers.mjs';

const STRICT_CSP = "script-src 'self' 'wasm-unsafe-eval'";

if (!libraryBuilt()) {
  test('the client under a strict CSP', () => {
    assert.fail(`${path.relative(ROOT, LIBRARY)} is missing: run \`npm run build\` first`);
  });
} else {
  describe('the client under a strict Content-Security-Policy (no blob: Worker)', () => {
    let broker;
    let silent;
    let site;
    let browser;
    let fixture;
    before(async () => {
      broker = await startMosquitto();
      silent = await startSilentBroker();
      fixture = fs.mkdtempSync(path.join(os.tmpdir(), 'smq-csp-'));
      fs.writeFileSync(
        path.join(fixture, 'index.html'),
        `<!doctype html><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${STRICT_CSP}"><title>strict CSP</title>`,
      );
      site = await startSite({ extraMounts: { '/csp/': fixture } });
      browser = await launchBrowser();
    });
    after(async () => {
      await browser?.close();
      await site?.close();
      await silent?.stop();
      await broker?.stop();
      if (fixture) fs.rmSync(fixture, { recursive: true, force: true });
    });

    // Runs `body` in the strict page with `lib` (the single-file bundle) and `events` (what the
    // client emitted, with times), and returns its result plus the CSP violations seen.
    async function inStrictPage(body) {
      const page = await browser.newPage();
      try {
        await page.goto(`${site.url}csp/`);
        return await page.evaluate(`(async () => {
          const violations = [];
          document.addEventListener('securitypolicyviolation', (e) => violations.push(e.effectiveDirective));
          const lib = await import('/dist/scratch-mqtt.bundle.js');
          const started = performance.now();
          const events = [];
          const record = (client) => {
            for (const name of ['connect', 'reconnect', 'close', 'offline', 'error', 'end']) {
              client.on(name, (arg) => events.push({ name, at: Math.round(performance.now() - started), code: arg?.code }));
            }
            return client;
          };
          const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
          const result = await (async () => { ${body} })();
          return { result, events, violations };
        })()`);
      } finally {
        await page.close();
      }
    }

    test('keepalive pings hold an idle connection past the broker\'s 1.5 × keepalive', async () => {
      const { result, events, violations } = await inStrictPage(`
        const client = record(lib.connect(${JSON.stringify(broker.wsUrl)}, { keepalive: 2, reconnect: false }));
        await new Promise((resolve) => client.once('connect', resolve));
        await sleep(7000);
        const connected = client.connected;
        await client.end();
        return { connected };`);
      assert.ok(violations.some((d) => d.startsWith('worker-src') || d.startsWith('script-src')),
        `the CSP did not refuse the Worker (violations: ${JSON.stringify(violations)}): the test proves nothing`);
      assert.equal(result.connected, true, `dropped: ${JSON.stringify(events)}`);
      // nothing between connecting and our own end(), which closes the connection
      assert.deepEqual(events.map((e) => e.name), ['connect', 'close', 'end'], JSON.stringify(events));
    });

    test('a broker that never answers CONNECT times out, and the client retries after its backoff', async () => {
      const { events } = await inStrictPage(`
        const client = record(lib.connect(${JSON.stringify(silent.url)}, {
          connectTimeout: 800, reconnect: { initialDelay: 200, maxDelay: 400 } }));
        const deadline = performance.now() + 8000;
        while (events.filter((e) => e.name === 'reconnect').length < 2 && performance.now() < deadline) await sleep(50);
        await client.end();`);
      const timeouts = events.filter((e) => e.name === 'error' && e.code === 'ERR_TIMEOUT');
      const reconnects = events.filter((e) => e.name === 'reconnect');
      assert.ok(timeouts.length >= 1, `no connect timeout: ${JSON.stringify(events)}`);
      assert.ok(reconnects.length >= 2, `no retries: ${JSON.stringify(events)}`);
      assert.ok(silent.connections >= 2, `the silent broker saw ${silent.connections} connections`);
    });
  });
}
